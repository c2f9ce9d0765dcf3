// Drafts written from an idea (POST /v1/generate), each with its quality checks.

import { postJson } from "./api.js";
import { announce, busy, byId, fillSelect, h, label, showFieldError } from "./dom.js";
import { pageLabel } from "./topics.js";

const CHECK_NAMES = {
  length_limit: "Length",
  hook_first_125: "Hook in the first 125 characters",
  emoji_excess: "Emoji",
  hashtag_count: "Hashtags",
  link_for_cta: "Link for the call to action",
  restricted_words: "Restricted wording",
  placeholders: "Placeholders filled",
  idea_fit: "Fits the idea",
};
const STATUS_TEXT = { pass: "Pass", warn: "Warning", fail: "Fail" };
const SUMMARY = {
  pass: "Passes every check",
  warn: "Passes, with warnings",
  fail: "Fails a check: fix before publishing",
};

export class Generate {
  constructor() {
    byId("generate-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit(event.submitter || byId("generate-form").querySelector("button[type=submit]"));
    });
  }

  reset() {
    byId("drafts").replaceChildren();
    showFieldError("generate-error", null);
    byId("generate-form").reset();
    fillSelect(byId("generate-page"), []);
  }

  setPages(pages) {
    fillSelect(byId("generate-page"), pages.map((p) => [p.page_id, pageLabel(p)]));
  }

  async submit(button) {
    showFieldError("generate-error", null);
    const idea = byId("idea");
    const vars = byId("generate-vars");
    const link = byId("generate-link");
    for (const field of [idea, vars, link]) {
      field.removeAttribute("aria-invalid");
      if (!field.checkValidity()) {
        field.setAttribute("aria-invalid", "true");
        showFieldError("generate-error", new Error(`${field.labels[0].textContent}: ${field.validationMessage}`));
        field.focus();
        return;
      }
    }
    const body = { idea: idea.value.trim(), vars: Number(vars.value) };
    if (byId("generate-page").value) body.page_id = byId("generate-page").value;
    if (link.value.trim()) body.link = link.value.trim();
    await busy(button, async () => {
      try {
        const result = await postJson("/v1/generate", body);
        this.render(result.drafts || []);
        announce(`${(result.drafts || []).length} drafts written.`);
      } catch (error) {
        showFieldError("generate-error", error);
      }
    });
  }

  render(drafts) {
    const items = drafts.map((draft, index) => {
      const checks = (draft.checks || []).map((check) =>
        h(
          "li",
          { class: "check", dataset: { status: check.status, check: check.name } },
          h("span", { class: "badge", dataset: { status: check.status } }, STATUS_TEXT[check.status] || check.status),
          " ",
          h("strong", {}, CHECK_NAMES[check.name] || label(check.name)),
          ": ",
          check.message,
        ),
      );
      const copy = h("button", { type: "button", class: "secondary small" }, "Copy text");
      copy.addEventListener("click", () => copyText(draft.text, copy));
      return h(
        "li",
        { class: "card draft", dataset: { status: draft.status } },
        h(
          "h3",
          {},
          `Draft ${index + 1}: `,
          h("span", { class: "badge", dataset: { status: draft.status } }, SUMMARY[draft.status] || draft.status),
        ),
        h("p", { class: "muted" }, `Hook ${label(draft.hook_type)} · call to action ${label(draft.cta_type)} · language ${draft.language}`),
        h("blockquote", { class: "draft-text", dir: "auto" }, draft.text),
        copy,
        h("h4", {}, "Quality checks"),
        h("ul", { class: "checks" }, checks),
        h(
          "details",
          {},
          h("summary", {}, "How it was written"),
          h("ul", {}, (draft.explanation || []).map((line) => h("li", {}, line))),
        ),
      );
    });
    byId("drafts").replaceChildren(...items);
  }
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    announce("Draft copied.");
  } catch {
    announce("The browser did not allow copying: select the text and copy it instead.");
  }
  button.focus();
}
