// Jobs: the list, the form that starts a scrape, cancel, and live progress.

import { deleteJson, getJson, postJson } from "./api.js";
import { announce, busy, byId, formatNumber, h, safeLink, showAppError, showFieldError, timeElement } from "./dom.js";

const FINAL = new Set(["succeeded", "failed", "cancelled"]);
// Without an analysis consumer, `analysis.done` never comes: stop waiting for it after this.
const ANALYSIS_WAIT_MS = 600000;
const LIST_LIMIT = 50;

export class Jobs {
  /**
   * live: the LiveFeed. hooks: onSucceeded(jobId), onAnalysed(jobId, data), onShowPosts(jobId),
   * onListed(jobs).
   */
  constructor(live, hooks) {
    this.live = live;
    this.hooks = hooks;
    this.rows = new Map();
    this.timers = new Set();
    byId("job-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit(event.submitter || byId("job-form").querySelector("button[type=submit]"));
    });
    byId("jobs-refresh").addEventListener("click", (event) => busy(event.currentTarget, () => this.load()));
  }

  reset() {
    this.rows.clear();
    byId("jobs-body").replaceChildren();
    byId("jobs-empty").hidden = true;
    showFieldError("job-error", null);
    for (const timer of this.timers) window.clearTimeout(timer);
    this.timers.clear();
  }

  async load() {
    try {
      const { jobs } = await getJson("/v1/jobs", { limit: LIST_LIMIT });
      for (const job of [...jobs].reverse()) this.upsert(job);
      byId("jobs-empty").hidden = this.rows.size > 0;
      this.hooks.onListed(this.jobs());
    } catch (error) {
      showAppError(error);
    }
  }

  /** The jobs shown, newest first. */
  jobs() {
    const all = [...this.rows.values()].map((row) => row.job);
    return all.sort((a, b) => String(b.created_at || "").localeCompare(String(a.created_at || "")));
  }

  async submit(button) {
    showFieldError("job-error", null);
    const form = byId("job-form");
    const url = byId("job-url");
    const max = byId("job-max");
    if (!url.checkValidity() || !max.checkValidity()) {
      const bad = url.checkValidity() ? max : url;
      bad.setAttribute("aria-invalid", "true");
      showFieldError("job-error", new Error(`${bad.labels[0].textContent}: ${bad.validationMessage}`));
      bad.focus();
      return;
    }
    url.removeAttribute("aria-invalid");
    max.removeAttribute("aria-invalid");
    const body = {
      url: url.value.trim(),
      adapter: byId("job-adapter").value,
      max_posts: Number(max.value),
    };
    await busy(button, async () => {
      try {
        const created = await postJson("/v1/jobs", body);
        const job = await getJson(`/v1/jobs/${encodeURIComponent(created.job_id)}`);
        this.upsert(job, true);
        byId("jobs-empty").hidden = true;
        this.hooks.onListed(this.jobs());
        announce(`Scrape of ${body.url} queued.`);
        form.reset();
        byId("job-max").value = String(body.max_posts);
        byId("job-adapter").value = body.adapter;
      } catch (error) {
        showFieldError("job-error", error);
      }
    });
  }

  /** Add or refresh a job from the REST shape; new rows go on top. */
  upsert(job, fresh = false) {
    let row = this.rows.get(job.job_id);
    if (!row) {
      row = this.buildRow(job);
      this.rows.set(job.job_id, row);
      byId("jobs-body").prepend(row.tr);
      if (!FINAL.has(job.status) || fresh) this.live.watch(job.job_id);
    }
    row.job = { ...row.job, ...job };
    const found = (job.counts && job.counts.posts_found) || 0;
    if (job.status === "succeeded") row.progress = 1;
    else if (job.max_posts > 0) row.progress = Math.max(row.progress, Math.min(found / job.max_posts, 1));
    row.found = Math.max(row.found, found);
    if (job.status === "failed" && job.error) row.noteText = job.error.message || job.error.code;
    this.render(row);
  }

  buildRow(job) {
    const status = h("span", { class: "badge" });
    const bar = h("progress", { max: "100", value: "0", "aria-label": `Progress of the scrape of ${job.url}` });
    const figure = h("span", { class: "progress-text" });
    const note = h("span", { class: "note" });
    const postsButton = h("button", { type: "button", class: "secondary small" }, "Posts");
    const cancelButton = h("button", { type: "button", class: "danger small" }, "Cancel");
    postsButton.setAttribute("aria-label", `Show posts of the scrape of ${job.url}`);
    cancelButton.setAttribute("aria-label", `Cancel the scrape of ${job.url}`);
    postsButton.addEventListener("click", () => this.hooks.onShowPosts(job.job_id));
    cancelButton.addEventListener("click", () => this.cancel(job.job_id, cancelButton, postsButton));
    const tr = h(
      "tr",
      { id: `job-${job.job_id}`, dataset: { jobId: job.job_id } },
      h("td", { class: "wrap" }, safeLink(job.url, job.url)),
      h("td", {}, status, h("br"), note),
      h("td", { class: "progress-cell" }, bar, figure),
      h("td", {}, timeElement(job.started_at || job.created_at)),
      h("td", { class: "actions" }, postsButton, cancelButton),
    );
    return { tr, job, status, bar, figure, note, cancelButton, progress: 0, found: 0, phase: "", noteText: "" };
  }

  render(row) {
    const { job } = row;
    const percent = Math.round(row.progress * 100);
    row.status.textContent = job.status;
    row.status.dataset.status = job.status;
    row.bar.value = percent;
    row.bar.setAttribute("aria-valuetext", `${percent}%`);
    const of = job.status === "succeeded" ? "" : ` of ${formatNumber(job.max_posts)}`;
    row.figure.textContent = `${percent}% · ${formatNumber(row.found)}${of} posts`;
    row.note.textContent = row.noteText || row.phase || "";
    row.cancelButton.hidden = FINAL.has(job.status);
    row.tr.dataset.status = job.status;
  }

  giveUpOnAnalysis(row) {
    const timer = window.setTimeout(() => {
      this.timers.delete(timer);
      if (row.phase !== "analysing") return;
      row.phase = "";
      this.live.unwatch(row.job.job_id);
      this.render(row);
    }, ANALYSIS_WAIT_MS);
    this.timers.add(timer);
  }

  async cancel(jobId, button, fallbackFocus) {
    await busy(button, async () => {
      try {
        const job = await deleteJson(`/v1/jobs/${encodeURIComponent(jobId)}`);
        this.upsert(job);
        announce(job.status === "cancelled" ? "Scrape cancelled." : "Cancelling: the scrape stops at its next page.");
      } catch (error) {
        showAppError(error);
      }
    });
    if (button.hidden) fallbackFocus.focus();
  }

  /** One event from the live feed. */
  handleEvent(event) {
    const row = this.rows.get(event.job_id);
    if (!row) return;
    const data = event.data;
    const job = row.job;
    switch (event.type) {
      case "job.queued":
        row.phase = "queued";
        break;
      case "job.started":
        job.status = "running";
        row.phase = data.attempt > 1 ? `attempt ${data.attempt}` : "started";
        announce(`Scrape of ${job.url} started.`);
        break;
      case "page.loaded":
        row.phase = "page loaded";
        break;
      case "posts.stored":
        job.status = "running";
        row.found = Math.max(row.found, data.total || 0);
        if (data.max_posts > 0) row.progress = Math.max(row.progress, Math.min(data.total / data.max_posts, 1));
        row.phase = "reading posts";
        break;
      case "job.retrying":
        row.phase = `retrying: ${(data.error && data.error.message) || "a transient error"}`;
        break;
      case "job.succeeded":
        job.status = "succeeded";
        row.progress = 1;
        row.found = (data.counts && data.counts.posts_found) ?? row.found;
        row.phase = "analysing";
        announce(`Scrape of ${job.url} succeeded: ${row.found} posts.`);
        this.hooks.onSucceeded(event.job_id);
        this.giveUpOnAnalysis(row);
        break;
      case "job.failed":
        job.status = "failed";
        row.noteText = (data.error && data.error.message) || "the scrape failed";
        announce(`Scrape of ${job.url} failed: ${row.noteText}`);
        this.live.unwatch(event.job_id);
        break;
      case "job.cancelled":
        job.status = "cancelled";
        row.phase = "";
        announce(`Scrape of ${job.url} cancelled.`);
        this.live.unwatch(event.job_id);
        break;
      case "analysis.done":
        row.phase = "analysed";
        announce(`Analysis of ${job.url} is done: topics and templates are up to date.`);
        this.hooks.onAnalysed(event.job_id, data);
        this.live.unwatch(event.job_id);
        break;
      default:
        return;
    }
    this.render(row);
  }
}
