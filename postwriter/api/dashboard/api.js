// The API client: the key (sessionStorage only), requests with a timeout, errors as ApiError.

const KEY_STORAGE = "postwriter.apiKey";
const REQUEST_TIMEOUT_MS = 30000;
const DOWNLOAD_TIMEOUT_MS = 300000;

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

export function storedKey() {
  try {
    return window.sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function storeKey(key) {
  window.sessionStorage.setItem(KEY_STORAGE, key);
}

export function forgetKey() {
  try {
    window.sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled: nothing was kept
  }
}

/** Build "/v1/x?a=1" from a path and a params object, skipping empty values. */
export function withQuery(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

async function send(path, { method = "GET", body, key, timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
  const headers = { Accept: "application/json" };
  const apiKey = key ?? storedKey();
  if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
  const init = { method, headers, signal: AbortSignal.timeout(timeoutMs), cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error && (error.name === "TimeoutError" || error.name === "AbortError")) {
      throw new ApiError(0, "timeout", `The server did not answer ${method} ${path} in time.`);
    }
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection.");
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

async function errorOf(response) {
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    // not JSON (a proxy's error page): fall back to the status line
  }
  const error = payload && typeof payload === "object" ? payload.error : null;
  if (error && typeof error.message === "string") {
    const apiError = new ApiError(response.status, error.code || "error", error.message, error.details);
    if (response.status === 401) window.dispatchEvent(new CustomEvent("pw:unauthorized", { detail: apiError }));
    return apiError;
  }
  const text = `The server answered ${response.status} ${response.statusText}`.trim();
  return new ApiError(response.status, "http_error", `${text}.`);
}

export async function getJson(path, params, options = {}) {
  const response = await send(withQuery(path, params), options);
  return response.json();
}

export async function postJson(path, body) {
  const response = await send(path, { method: "POST", body });
  return response.json();
}

export async function deleteJson(path) {
  const response = await send(path, { method: "DELETE" });
  return response.json();
}

/** Fetch a file with the key and hand it to the browser as a download. */
export async function download(path, params, filename) {
  const response = await send(withQuery(path, params), { timeoutMs: DOWNLOAD_TIMEOUT_MS });
  const blob = await response.blob();
  const name = filenameOf(response) || filename;
  const url = URL.createObjectURL(blob);
  try {
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    window.setTimeout(() => URL.revokeObjectURL(url), 60000);
  }
  return name;
}

function filenameOf(response) {
  const header = response.headers.get("Content-Disposition") || "";
  const match = /filename="?([^";]+)"?/i.exec(header);
  return match ? match[1] : null;
}

/** The server's OpenAPI document, or null if it does not serve one. */
export async function openApiDocument() {
  try {
    return await getJson("/v1/openapi.json");
  } catch {
    return null;
  }
}
