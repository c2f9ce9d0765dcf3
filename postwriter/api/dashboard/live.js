// Live job events over the WebSocket (docs/websocket.md): subscribe per job and resume from
// the last seq seen, so no event is missed or shown twice. While the socket is down the same
// events are read from GET /v1/jobs/{id}/events instead.

import { getJson } from "./api.js";

const PROTOCOL = "postwriter.v1";
const CONNECT_TIMEOUT_MS = 10000;
const TICK_MS = 5000;
const PING_EVERY_MS = 25000;
// The server polls a job's log only until its final event; `analysis.done` comes after it,
// so a job quiet for this long is subscribed again from its last seq.
const QUIET_RESUBSCRIBE_MS = 20000;
const DEFAULT_HEARTBEAT_S = 20;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10000;
// Closes that a retry with the same key and client cannot fix.
const FINAL_CLOSE_CODES = new Set([1008, 1009, 4401, 4403]);

export class LiveFeed {
  /**
   * onEvent(event): a job event {job_id, seq, type, at, data}, each once, in seq order.
   * onState(state, detail): "connecting" | "open" | "retrying" | "off" | "refused".
   * onProblem(message): an error the server reported about one request.
   */
  constructor({ onEvent, onState, onProblem }) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.onProblem = onProblem;
    this.lastSeq = new Map();
    this.lastEventAt = new Map();
    this.socket = null;
    this.key = null;
    this.retryMs = RETRY_MIN_MS;
    this.retryTimer = null;
    this.tickTimer = null;
    this.lastHeard = 0;
    this.lastPing = 0;
    this.silenceLimitMs = 3 * DEFAULT_HEARTBEAT_S * 1000;
    this.polling = false;
  }

  get connected() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  start(key) {
    this.stop();
    this.key = key;
    this.retryMs = RETRY_MIN_MS;
    this.tickTimer = window.setInterval(() => this.tick(), TICK_MS);
    this.connect();
  }

  stop() {
    this.key = null;
    window.clearTimeout(this.retryTimer);
    window.clearInterval(this.tickTimer);
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.close(1000, "signed out");
    }
    this.lastSeq.clear();
    this.lastEventAt.clear();
    this.onState("off");
  }

  /** Follow a job's events after `afterSeq` (0: its whole log). */
  watch(jobId, afterSeq = 0) {
    if (this.lastSeq.has(jobId)) return;
    this.lastSeq.set(jobId, afterSeq);
    this.lastEventAt.set(jobId, Date.now());
    this.subscribe(jobId);
  }

  unwatch(jobId) {
    if (!this.lastSeq.delete(jobId)) return;
    this.lastEventAt.delete(jobId);
    this.send({ op: "unsubscribe", job_id: jobId });
  }

  subscribe(jobId) {
    this.send({ op: "subscribe", job_id: jobId, after_seq: this.lastSeq.get(jobId) || 0 });
  }

  send(message) {
    if (this.connected) this.socket.send(JSON.stringify(message));
  }

  connect() {
    if (!this.key) return;
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    this.onState("connecting");
    let socket;
    try {
      // Browsers cannot set headers on a WebSocket: the key travels as a subprotocol.
      socket = new WebSocket(`${scheme}//${window.location.host}/v1/ws`, [PROTOCOL, `bearer.${this.key}`]);
    } catch (error) {
      this.onState("refused", String(error.message || error));
      return;
    }
    this.socket = socket;
    const opened = Date.now();
    socket.addEventListener("open", () => {
      if (socket !== this.socket) return;
      this.retryMs = RETRY_MIN_MS;
      this.lastHeard = Date.now();
      this.onState("open");
      for (const jobId of this.lastSeq.keys()) this.subscribe(jobId);
    });
    socket.addEventListener("message", (message) => {
      if (socket !== this.socket) return;
      this.lastHeard = Date.now();
      this.receive(message.data);
    });
    socket.addEventListener("close", (closed) => {
      if (socket !== this.socket) return;
      this.socket = null;
      if (!this.key) return;
      if (FINAL_CLOSE_CODES.has(closed.code)) {
        this.onState("refused", closed.reason || `closed with code ${closed.code}`);
        return;
      }
      this.onState("retrying");
      this.retryTimer = window.setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    });
    this.connectDeadline = opened + CONNECT_TIMEOUT_MS;
  }

  /** Every few seconds: a stuck handshake or a silent socket is closed; quiet jobs resumed;
   * without a socket, the events are read over HTTP. */
  tick() {
    const now = Date.now();
    const socket = this.socket;
    if (socket && socket.readyState === WebSocket.CONNECTING && now > this.connectDeadline) {
      socket.close();
    }
    if (!this.connected) {
      this.poll();
      return;
    }
    if (now - this.lastHeard > this.silenceLimitMs) {
      // Half-open: nothing arrives and no close would ever come.
      socket.close(4000, "silent");
      return;
    }
    if (now - this.lastPing > PING_EVERY_MS) {
      this.lastPing = now;
      this.send({ op: "ping" });
    }
    for (const [jobId, at] of this.lastEventAt) {
      if (now - at > QUIET_RESUBSCRIBE_MS) {
        this.lastEventAt.set(jobId, now);
        this.subscribe(jobId);
      }
    }
  }

  async poll() {
    if (this.polling || !this.key) return;
    this.polling = true;
    try {
      for (const [jobId, after] of [...this.lastSeq]) {
        const body = await getJson(`/v1/jobs/${encodeURIComponent(jobId)}/events`, { after_seq: after, limit: 100 });
        for (const event of body.events || []) this.deliver(event);
      }
    } catch {
      // the next tick tries again
    } finally {
      this.polling = false;
    }
  }

  receive(raw) {
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    if (!message || typeof message !== "object") return;
    if (Number.isInteger(message.seq)) {
      this.deliver(message);
      return;
    }
    if (message.type === "heartbeat" && typeof message.interval_s === "number") {
      this.silenceLimitMs = Math.max(3 * message.interval_s * 1000, 5000);
    } else if (message.type === "error" && message.error) {
      const code = message.error.code;
      if (code === "not_found" && message.job_id) this.unwatch(message.job_id);
      if (code !== "not_subscribed") this.onProblem(message.error.message || code);
    }
  }

  deliver(event) {
    if (typeof event.job_id !== "string" || typeof event.type !== "string") return;
    const last = this.lastSeq.get(event.job_id);
    // Not watched (any more), or already seen: a resumed replay may overlap.
    if (last === undefined || event.seq <= last) return;
    this.lastSeq.set(event.job_id, event.seq);
    this.lastEventAt.set(event.job_id, Date.now());
    this.onEvent({ ...event, data: event.data && typeof event.data === "object" ? event.data : {} });
  }
}
