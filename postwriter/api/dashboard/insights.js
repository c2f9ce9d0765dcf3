// Topics and top templates of one analysed page.

import { getJson } from "./api.js";
import { busy, byId, fillSelect, formatNumber, h, label, showFieldError } from "./dom.js";
import { pageLabel, topicsOf } from "./topics.js";

const TEMPLATE_LIMIT = 5;

export class Insights {
  constructor() {
    this.generation = 0;
    byId("insights-page").addEventListener("change", () => this.load());
    byId("insights-refresh").addEventListener("click", (event) => busy(event.currentTarget, () => this.load()));
  }

  reset() {
    this.generation += 1;
    fillSelect(byId("insights-page"), [], false);
    byId("topics-body").replaceChildren();
    byId("templates-list").replaceChildren();
    byId("insights-empty").hidden = true;
    showFieldError("insights-error", null);
  }

  setPages(pages) {
    const select = byId("insights-page");
    fillSelect(select, pages.map((p) => [p.page_id, pageLabel(p)]), false);
    byId("insights-empty").hidden = pages.length > 0;
    select.disabled = pages.length === 0;
  }

  async load() {
    const pageId = byId("insights-page").value;
    const generation = ++this.generation;
    showFieldError("insights-error", null);
    if (!pageId) {
      byId("topics-body").replaceChildren();
      byId("templates-list").replaceChildren();
      return;
    }
    try {
      const [topics, templates] = await Promise.all([
        topicsOf(pageId),
        getJson("/v1/templates", { page_id: pageId, limit: TEMPLATE_LIMIT }).then((body) => body.templates || []),
      ]);
      if (generation !== this.generation) return;
      this.renderTopics(topics);
      this.renderTemplates(templates);
    } catch (error) {
      if (generation === this.generation) showFieldError("insights-error", error);
    }
  }

  renderTopics(topics) {
    const rows = [...topics]
      .sort((a, b) => (b.mean_normalised_engagement ?? 0) - (a.mean_normalised_engagement ?? 0))
      .map((topic) =>
        h(
          "tr",
          { dataset: { topicId: topic.topic_id } },
          h("th", { scope: "row" }, topic.label || `topic ${topic.topic_id}`),
          h("td", { class: "num" }, formatNumber(topic.size)),
          h("td", { class: "num" }, formatNumber(topic.mean_normalised_engagement, 2)),
          h("td", { class: "terms" }, (topic.terms || []).slice(0, 8).join(", ")),
        ),
      );
    byId("topics-body").replaceChildren(
      ...(rows.length ? rows : [h("tr", {}, h("td", { colspan: "4" }, "No topics for this page yet."))]),
    );
  }

  renderTemplates(templates) {
    const items = templates.map((template, index) => {
      const shape = template.structure || {};
      const title = [
        `hook ${label(shape.hook)}`,
        `body ${label(shape.body)}${shape.proof ? " with proof" : ""}`,
        `call to action ${label(shape.cta)}`,
      ].join(" · ");
      return h(
        "li",
        { class: "card template", dataset: { templateId: template.template_id } },
        h("h4", {}, `${index + 1}. ${title}`),
        h(
          "p",
          { class: "muted" },
          `Score ${formatNumber(template.score, 2)} · ${formatNumber(template.posts)} post(s) · language ${template.language || "—"}`,
        ),
        h("pre", { class: "skeleton", dir: "auto" }, template.skeleton || ""),
      );
    });
    byId("templates-list").replaceChildren(
      ...(items.length ? items : [h("li", { class: "empty" }, "No templates for this page yet.")]),
    );
  }
}
