// Pages and their topics, fetched once and shared by the posts table and the insights panel.

import { getJson } from "./api.js";

const topicsByPage = new Map();
let pagesPromise = null;

/** Every analysed page: [{page_id, name, followers, posts_analysed, ...}]. */
export function pages() {
  if (pagesPromise === null) {
    pagesPromise = getJson("/v1/pages").then(
      (body) => body.pages || [],
      (error) => {
        pagesPromise = null;
        throw error;
      },
    );
  }
  return pagesPromise;
}

/** A page's topics; an empty list when the page has none (yet). */
export async function topicsOf(pageId) {
  if (!topicsByPage.has(pageId)) {
    const pending = getJson(`/v1/pages/${encodeURIComponent(pageId)}/topics`).then(
      (body) => body.topics || [],
      (error) => {
        topicsByPage.delete(pageId);
        if (error.status === 404) return [];
        throw error;
      },
    );
    topicsByPage.set(pageId, pending);
  }
  return topicsByPage.get(pageId);
}

export async function topicLabel(pageId, topicId) {
  if (topicId === null || topicId === undefined) return null;
  try {
    const topic = (await topicsOf(pageId)).find((t) => t.topic_id === topicId);
    return topic ? topic.label : `topic ${topicId}`;
  } catch {
    return `topic ${topicId}`;
  }
}

/** Analysis changed pages and topics: read them again on next use. */
export function forgetAnalysis() {
  topicsByPage.clear();
  pagesPromise = null;
}

export function pageLabel(page) {
  const name = page.name ? `${page.name} (${page.page_id})` : page.page_id;
  return name;
}
