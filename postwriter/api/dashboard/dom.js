// DOM helpers. Text from the API (post texts, URLs, error messages) is untrusted: it only
// ever goes in as text nodes or vetted attributes, never as markup.

/** Create an element: h("td", {class: "num"}, "12", child). */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}

/** A link only for http(s) URLs; anything else (javascript:, data:) becomes plain text. */
export function safeLink(url, text) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") {
      return h("a", { href: parsed.href, rel: "noopener noreferrer", target: "_blank" }, text);
    }
  } catch {
    // not a URL: fall through
  }
  return document.createTextNode(text);
}

/** Tell screen-reader users what changed, once, without moving focus. */
export function announce(message) {
  const region = byId("announcer");
  region.textContent = "";
  // A fresh node after a tick makes repeated identical messages heard again.
  window.setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/** Show an error next to a form or section; `null` clears it. */
export function showFieldError(id, error) {
  const node = byId(id);
  if (error === null) {
    node.hidden = true;
    node.textContent = "";
    return;
  }
  node.textContent = describeError(error);
  node.hidden = false;
}

/** Show an error at the top of the page. */
export function showAppError(error) {
  byId("app-error-text").textContent = describeError(error);
  byId("app-error").hidden = false;
}

export function clearAppError() {
  byId("app-error").hidden = true;
  byId("app-error-text").textContent = "";
}

export function describeError(error) {
  if (error && typeof error.message === "string" && error.message) return error.message;
  return String(error || "Something went wrong.");
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatDate(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "—" : dateFormat.format(date);
}

export function timeElement(iso) {
  return iso ? h("time", { datetime: iso }, formatDate(iso)) : document.createTextNode("—");
}

const numberFormat = new Intl.NumberFormat();

export function formatNumber(value, digits = 0) {
  if (typeof value !== "number" || !Number.isFinite(value)) return "—";
  return digits ? value.toFixed(digits) : numberFormat.format(value);
}

/** "social_proof" → "social proof". */
export function label(value) {
  return typeof value === "string" && value ? value.replaceAll("_", " ") : "—";
}

export function fillSelect(select, options, keepFirst = true) {
  const current = select.value;
  const first = keepFirst ? select.options[0] : null;
  select.replaceChildren(...(first ? [first] : []));
  for (const [value, text] of options) select.append(h("option", { value }, text));
  if ([...select.options].some((o) => o.value === current)) select.value = current;
}

/** Disable a form's submit button while `work` runs, so a double click sends once. */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}
