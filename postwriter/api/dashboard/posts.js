// Posts: a filtered table sorted by the server (GET /v1/posts), a page at a time, and exports.
// A server without /v1/posts still shows one job's posts (GET /v1/jobs/{id}/posts), sorted here.

import { download, getJson } from "./api.js";
import { busy, byId, fillSelect, formatNumber, h, label, safeLink, showFieldError, timeElement } from "./dom.js";
import { pageLabel, topicLabel, topicsOf } from "./topics.js";

const PAGE_SIZE = 50;
const JOB_POSTS_MAX = 1000;
const EXCERPT_CHARS = 160;
export const HOOKS = ["question", "number", "urgency", "social_proof", "benefit", "pain_point", "curiosity", "how_to", "story", "announcement"];
export const CTAS = ["learn_more", "sign_up", "shop", "comment", "share", "message", "register", "download", "call", "visit"];
export class Posts {
  /** caps: what the server offers, read from its OpenAPI document (see app.js). */
  constructor(caps) {
    this.caps = caps;
    this.sort = { key: "published_at", order: "desc" };
    this.cursor = null;
    this.loaded = [];
    this.generation = 0;
    fillSelect(byId("posts-hook"), caps.hooks.map((v) => [v, label(v)]));
    fillSelect(byId("posts-cta"), caps.ctas.map((v) => [v, label(v)]));
    byId("posts-filters").addEventListener("submit", (event) => {
      event.preventDefault();
      busy(event.submitter || byId("posts-filters").querySelector("button[type=submit]"), () => this.load());
    });
    byId("posts-page").addEventListener("change", () => this.fillTopics());
    byId("posts-more").addEventListener("click", (event) => busy(event.currentTarget, () => this.more()));
    byId("export-csv").addEventListener("click", (event) => busy(event.currentTarget, () => this.export("csv")));
    byId("export-jsonl").addEventListener("click", (event) => busy(event.currentTarget, () => this.export("jsonl")));
    for (const th of byId("posts-table").querySelectorAll("th[data-sort]")) {
      const button = th.querySelector("button");
      if (caps.listPosts && !caps.sorts.includes(th.dataset.sort)) {
        // The server cannot sort by it: a plain heading, not a control that fails.
        th.replaceChildren(button.textContent);
        continue;
      }
      button.addEventListener("click", () => this.sortBy(th.dataset.sort));
    }
    for (const field of byId("posts-filters").querySelectorAll("[data-param]")) {
      // Filters this server does not offer are not shown.
      field.hidden = caps.listPosts && !caps.postParams.has(field.dataset.param);
    }
    const exportable = caps.exportPosts;
    byId("export-csv").hidden = !exportable;
    byId("export-jsonl").hidden = !exportable;
  }

  reset() {
    this.generation += 1;
    this.cursor = null;
    this.loaded = [];
    byId("posts-body").replaceChildren();
    byId("posts-count").textContent = "";
    byId("posts-more").hidden = true;
    byId("posts-empty").hidden = true;
    byId("posts-note").hidden = true;
    showFieldError("posts-error", null);
  }

  /** Sign-out: also forget the pages and jobs the filters offered. */
  clear() {
    this.reset();
    for (const id of ["posts-page", "posts-job", "posts-topic"]) fillSelect(byId(id), []);
    byId("posts-filters").reset();
  }

  setPages(pages) {
    fillSelect(byId("posts-page"), pages.map((p) => [p.page_id, pageLabel(p)]));
    this.fillTopics();
  }

  setJobs(jobs) {
    const options = jobs.map((job) => [job.job_id, `${job.url} · ${job.status} · ${(job.created_at || "").slice(0, 16).replace("T", " ")}`]);
    fillSelect(byId("posts-job"), options);
  }

  async fillTopics() {
    const select = byId("posts-topic");
    const pageId = byId("posts-page").value;
    byId("posts-topic-hint").hidden = Boolean(pageId);
    select.disabled = !pageId;
    if (!pageId) {
      fillSelect(select, []);
      return;
    }
    try {
      const topics = await topicsOf(pageId);
      fillSelect(select, topics.map((t) => [String(t.topic_id), t.label]));
    } catch (error) {
      showFieldError("posts-error", error);
    }
  }

  async showJob(jobId) {
    const select = byId("posts-job");
    if (![...select.options].some((o) => o.value === jobId)) select.append(h("option", { value: jobId }, jobId));
    select.value = jobId;
    await this.load();
  }

  filters() {
    const values = {
      page_id: byId("posts-page").value,
      job_id: byId("posts-job").value,
      hook: byId("posts-hook").value,
      cta: byId("posts-cta").value,
      topic: byId("posts-topic").value,
      tone: byId("posts-tone").value,
      // Control characters are refused by the server; a pasted newline becomes a space.
      q: byId("posts-q").value.replace(/[\u0000-\u001f\u007f]+/g, " ").trim(),
    };
    return Object.fromEntries(Object.entries(values).filter(([name, value]) => value && this.caps.postParams.has(name)));
  }

  sortBy(key) {
    if (this.sort.key === key) this.sort.order = this.sort.order === "desc" ? "asc" : "desc";
    else this.sort = { key, order: "desc" };
    for (const th of byId("posts-table").querySelectorAll("th[data-sort]")) {
      if (th.dataset.sort === this.sort.key) th.setAttribute("aria-sort", this.sort.order === "desc" ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    }
    return this.load();
  }

  async load() {
    this.reset();
    const generation = this.generation;
    try {
      if (this.caps.listPosts) await this.fetchPage(generation);
      else await this.loadJobPosts(generation);
    } catch (error) {
      if (generation === this.generation) showFieldError("posts-error", error);
    }
  }

  async more() {
    try {
      await this.fetchPage(this.generation);
    } catch (error) {
      showFieldError("posts-error", error);
    }
  }

  async fetchPage(generation) {
    const params = { ...this.filters(), sort: this.sort.key, order: this.sort.order, limit: PAGE_SIZE, cursor: this.cursor };
    const body = await getJson("/v1/posts", params);
    if (generation !== this.generation) return;
    this.cursor = body.next_cursor || null;
    await this.append(body.posts || [], generation);
  }

  /** Without /v1/posts: one job's posts, read whole (bounded), then filtered and sorted here. */
  async loadJobPosts(generation) {
    const jobId = byId("posts-job").value;
    const note = byId("posts-note");
    note.textContent = "This server has no post search: showing one job's posts, sorted in the browser.";
    note.hidden = false;
    if (!jobId) {
      byId("posts-empty").hidden = false;
      return;
    }
    let all = [];
    let cursor = null;
    do {
      const body = await getJson(`/v1/jobs/${encodeURIComponent(jobId)}/posts`, { limit: 200, cursor });
      all = all.concat(body.posts || []);
      cursor = body.next_cursor;
    } while (cursor && all.length < JOB_POSTS_MAX);
    if (generation !== this.generation) return;
    const wanted = this.filtersForAll();
    const kept = all.filter((post) => matches(post, wanted)).sort(comparator(this.sort));
    await this.append(kept, generation);
  }

  filtersForAll() {
    return {
      page_id: byId("posts-page").value,
      hook: byId("posts-hook").value,
      cta: byId("posts-cta").value,
      topic: byId("posts-topic").value,
      tone: byId("posts-tone").value,
      q: byId("posts-q").value.trim().toLowerCase(),
    };
  }

  async append(posts, generation) {
    const rows = await Promise.all(posts.map((post) => this.row(post)));
    if (generation !== this.generation) return;
    byId("posts-body").append(...rows);
    this.loaded = this.loaded.concat(posts);
    const count = this.loaded.length;
    byId("posts-count").textContent = count ? `${formatNumber(count)} posts shown${this.cursor ? "; more available" : ""}.` : "";
    byId("posts-empty").hidden = count > 0;
    byId("posts-more").hidden = !this.cursor;
  }

  async row(post) {
    const metrics = post.metrics || {};
    const analysis = post.analysis || {};
    const pageId = post.platform && post.source ? `${post.platform}:${post.source}` : null;
    const topic = pageId ? await topicLabel(pageId, analysis.topic_id) : null;
    const text = typeof post.text === "string" ? post.text : "";
    const excerpt = text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS).trimEnd()}…` : text;
    const engagement = analysis.engagement ? analysis.engagement.normalised : null;
    return h(
      "tr",
      { dataset: { postId: post.id } },
      h("td", { class: "nowrap" }, timeElement(post.published_at)),
      h("td", { class: "post-text", dir: "auto" }, h("span", { class: "excerpt" }, excerpt || "(no text)"), post.url ? h("span", { class: "post-link" }, " ", safeLink(post.url, "open")) : null),
      h("td", { class: "num", dataset: { col: "reactions" } }, formatNumber(metrics.reactions)),
      h("td", { class: "num", dataset: { col: "comments" } }, formatNumber(metrics.comments)),
      h("td", { class: "num", dataset: { col: "shares" } }, formatNumber(metrics.shares)),
      h("td", { class: "num", dataset: { col: "engagement" } }, formatNumber(engagement, 2)),
      h("td", { dataset: { col: "hook" } }, labels(analysis.hooks)),
      h("td", { dataset: { col: "cta" } }, labels(analysis.cta)),
      h("td", { dataset: { col: "tone" } }, toneOf(analysis.tone)),
      h("td", { dataset: { col: "topic" } }, topic || "—"),
    );
  }

  async export(format) {
    showFieldError("posts-error", null);
    const params = { ...this.filters(), sort: this.sort.key, order: this.sort.order, format };
    try {
      await download("/v1/posts/export", params, `posts.${format}`);
    } catch (error) {
      showFieldError("posts-error", error);
    }
  }
}

function labels(found) {
  if (!Array.isArray(found) || found.length === 0) return "—";
  return found.slice(0, 2).map((item) => label(item.label)).join(", ");
}

/** The formality band, as the server's `tone` filter draws it (docs/posts.md), and the score. */
export function toneOf(tone) {
  if (!tone || typeof tone.formality !== "number") return "—";
  const score = tone.formality;
  const band = score > 0.6 ? "formal" : score >= 0.4 ? "neutral" : "casual";
  return `${band} (${score.toFixed(2)})`;
}

function matches(post, wanted) {
  const analysis = post.analysis || {};
  const has = (list, value) => Array.isArray(list) && list.some((item) => item.label === value);
  if (wanted.page_id && `${post.platform}:${post.source}` !== wanted.page_id) return false;
  if (wanted.hook && !has(analysis.hooks, wanted.hook)) return false;
  if (wanted.cta && !has(analysis.cta, wanted.cta)) return false;
  if (wanted.topic && String(analysis.topic_id) !== wanted.topic) return false;
  if (wanted.tone && !toneOf(analysis.tone).startsWith(`${wanted.tone} `)) return false;
  if (wanted.q && !String(post.text || "").toLowerCase().includes(wanted.q)) return false;
  return true;
}

function sortValue(post, key) {
  const metrics = post.metrics || {};
  const engagement = (post.analysis || {}).engagement || {};
  switch (key) {
    case "published_at":
      return post.published_at ? Date.parse(post.published_at) : null;
    case "engagement":
      return engagement.normalised ?? null;
    default:
      return typeof metrics[key] === "number" ? metrics[key] : null;
  }
}

/** The server's order: posts without the value last in both directions, then by id. */
function comparator({ key, order }) {
  const sign = order === "desc" ? -1 : 1;
  return (a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va === null || vb === null) return (va === null) - (vb === null) || String(a.id).localeCompare(String(b.id));
    return sign * (va - vb) || String(a.id).localeCompare(String(b.id));
  };
}
