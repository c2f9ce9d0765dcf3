// The dashboard's entry: sign in and out, what the server offers, and the wiring between panels.

import { ApiError, forgetKey, getJson, openApiDocument, storeKey, storedKey } from "./api.js";
import { announce, busy, byId, clearAppError, showAppError, showFieldError } from "./dom.js";
import { Generate } from "./generate.js";
import { Insights } from "./insights.js";
import { Jobs } from "./jobs.js";
import { LiveFeed } from "./live.js";
import { CTAS, HOOKS, Posts } from "./posts.js";
import { forgetAnalysis, pages } from "./topics.js";

const LIVE_TEXT = {
  connecting: "Live updates: connecting…",
  open: "Live updates: on",
  retrying: "Live updates: reconnecting…",
  off: "Live updates: off",
  refused: "Live updates: refused (checking every few seconds instead)",
};

class Dashboard {
  constructor(caps) {
    this.signedIn = false;
    this.live = new LiveFeed({
      onEvent: (event) => this.jobs.handleEvent(event),
      onState: (state, detail) => this.liveState(state, detail),
      onProblem: (message) => showAppError(new Error(`Live updates: ${message}`)),
    });
    this.jobs = new Jobs(this.live, {
      onSucceeded: () => this.posts.load(),
      onAnalysed: () => this.analysisChanged(),
      onShowPosts: (jobId) => this.showJobPosts(jobId),
      onListed: (jobs) => this.posts.setJobs(jobs),
    });
    this.posts = new Posts(caps);
    this.insights = new Insights();
    this.generate = new Generate();
    byId("sign-in-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const button = event.submitter || byId("sign-in-form").querySelector("button[type=submit]");
      busy(button, () => this.signIn(byId("api-key").value.trim()));
    });
    byId("sign-out").addEventListener("click", () => this.signOut("Signed out."));
    byId("app-error-close").addEventListener("click", () => clearAppError());
    window.addEventListener("pw:unauthorized", (event) => {
      if (this.signedIn) this.signOut(null, `Your key is no longer accepted: ${event.detail.message}`);
    });
  }

  async start() {
    const key = storedKey();
    if (key) await this.signIn(key, true);
    else this.showSignIn();
  }

  showSignIn(message = null) {
    byId("app").hidden = true;
    byId("section-nav").hidden = true;
    byId("account").hidden = true;
    byId("sign-in").hidden = false;
    showFieldError("sign-in-error", message === null ? null : new Error(message));
    const input = byId("api-key");
    input.value = "";
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    input.focus();
  }

  async signIn(key, resumed = false) {
    showFieldError("sign-in-error", null);
    if (key.length < 8) {
      this.showSignIn("Enter the API key you were given (at least 8 characters).");
      return;
    }
    try {
      // Any read a viewer may do proves the key; the answer is used right after anyway.
      await getJson("/v1/jobs", { limit: 1 }, { key });
    } catch (error) {
      const why = error instanceof ApiError && error.status === 401 ? "The API key was not accepted" : "Could not sign in";
      this.showSignIn(`${why}: ${error.message}`);
      if (error instanceof ApiError && error.status === 401) forgetKey();
      return;
    }
    storeKey(key);
    this.signedIn = true;
    byId("sign-in").hidden = true;
    byId("api-key").value = "";
    byId("app").hidden = false;
    byId("section-nav").hidden = false;
    byId("account").hidden = false;
    if (!resumed) announce("Signed in.");
    byId("main").focus();
    this.live.start(key);
    await Promise.all([this.jobs.load(), this.refreshPages()]);
    await Promise.all([this.posts.load(), this.insights.load()]);
  }

  signOut(announcement, error = null) {
    this.signedIn = false;
    this.live.stop();
    forgetKey();
    // Nothing read with the key stays on screen.
    this.jobs.reset();
    this.posts.clear();
    this.insights.reset();
    this.generate.reset();
    forgetAnalysis();
    clearAppError();
    this.showSignIn(error);
    if (announcement) announce(announcement);
  }

  async refreshPages() {
    try {
      const found = await pages();
      this.posts.setPages(found);
      this.insights.setPages(found);
      this.generate.setPages(found);
    } catch (error) {
      showAppError(error);
    }
  }

  async analysisChanged() {
    forgetAnalysis();
    await this.refreshPages();
    await Promise.all([this.insights.load(), this.posts.load()]);
  }

  async showJobPosts(jobId) {
    await this.posts.showJob(jobId);
    const heading = byId("posts-title");
    heading.setAttribute("tabindex", "-1");
    heading.focus();
    heading.scrollIntoView({ block: "start" });
  }

  liveState(state, detail) {
    const node = byId("live-state");
    node.dataset.state = state;
    node.textContent = LIVE_TEXT[state] || state;
    if (state === "refused" && detail && this.signedIn) showAppError(new Error(`Live updates were refused: ${detail}`));
  }
}

/** What this server offers, from its OpenAPI document; a probe where it serves none. */
async function capabilities() {
  const caps = { listPosts: false, exportPosts: false, sorts: [], postParams: new Set(), hooks: HOOKS, ctas: CTAS };
  const doc = await openApiDocument();
  const paths = (doc && doc.paths) || {};
  const list = paths["/v1/posts"] && paths["/v1/posts"].get;
  if (list) {
    caps.listPosts = true;
    for (const item of list.parameters || []) {
      const param = resolve(doc, item);
      if (!param || !param.name) continue;
      caps.postParams.add(param.name);
      const schema = resolve(doc, param.schema);
      const values = schema && schema.enum;
      if (param.name === "sort" && values) caps.sorts = values;
      if (param.name === "hook" && values) caps.hooks = values;
      if (param.name === "cta" && values) caps.ctas = values;
    }
  }
  caps.exportPosts = Boolean(paths["/v1/posts/export"] && paths["/v1/posts/export"].get);
  if (!doc) {
    // No document: assume the listing as planned; a 404 on first use shows the message.
    caps.listPosts = true;
    caps.exportPosts = true;
    caps.sorts = ["published_at", "reactions", "comments", "shares", "engagement"];
    caps.postParams = new Set(["page_id", "job_id", "hook", "cta", "topic"]);
  }
  return caps;
}

/** Follow a local `$ref` ("#/components/...") in the document. */
function resolve(doc, node) {
  let current = node;
  for (let hops = 0; current && typeof current.$ref === "string" && hops < 10; hops += 1) {
    if (!current.$ref.startsWith("#/")) return null;
    current = current.$ref
      .slice(2)
      .split("/")
      .reduce((at, part) => (at && typeof at === "object" ? at[part.replaceAll("~1", "/").replaceAll("~0", "~")] : undefined), doc);
  }
  return current || null;
}

window.addEventListener("error", (event) => showAppError(event.error || new Error(event.message)));
window.addEventListener("unhandledrejection", (event) => showAppError(event.reason));

async function main() {
  try {
    const dashboard = new Dashboard(await capabilities());
    byId("boot").hidden = true;
    await dashboard.start();
  } catch (error) {
    byId("boot").hidden = true;
    showAppError(error);
  }
}

main();
