"""Follow one job's events over the WebSocket: reconnect, resume by seq, stop at its end."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any, Literal

import aiohttp

from .errors import Forbidden, NotFound, Unauthorized, WatchError, WatchTimeout
from .models import JobEvent
from .retry import RetryPolicy
from .transport import CONNECTION_ERRORS, Transport, describe

Until = Literal["final", "analysis.done"]
WS_PROTOCOL = "postwriter.v1"
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
# Closes that retrying cannot fix: a policy violation, a frame too large, an unsupported one.
FATAL_CLOSES = frozenset({1003, 1008, 1009})
ABORTED_EVENTS = frozenset({"job.failed", "job.cancelled"})
# Error replies that a later subscription may not meet (the event log was unreachable).
TRANSIENT_ERRORS = frozenset({"service_unavailable", "rate_limited"})
IDLE = "idle"
DEFAULT_RECONNECT = RetryPolicy(max_retries=8, backoff_base_s=0.25, backoff_max_s=10.0)


def event_of(message: dict[str, Any], job_id: str) -> JobEvent | None:
    """The job event a server message carries, if any.

    Reads both shapes: the event object itself (`{"job_id", "seq", "type", "at", "data"}`)
    and one wrapped as `{"type": "event", "event": {...}}`.
    """
    body: Any = message
    if message.get("type") == "event":
        inner = message.get("event")
        if isinstance(inner, dict):
            body = {"job_id": message.get("job_id"), **inner}
        elif isinstance(inner, str):
            body = {**message, "type": inner}
    if not isinstance(body, dict) or body.get("job_id") != job_id:
        return None
    seq, kind = body.get("seq"), body.get("type")
    if isinstance(seq, bool) or not isinstance(seq, int) or not isinstance(kind, str):
        return None
    return JobEvent.from_json(body)


class JobWatch:
    """`async for event in watch`: every event of a job after `after_seq`, in seq order,
    each once, across reconnects; the iteration ends after the job's final event
    (`until="final"`) or after `analysis.done` (`until="analysis.done"`; a failed or
    cancelled job ends at its final event, as no analysis follows).

    `timeout` bounds the whole watch (WatchTimeout). Close it with `aclose()` (or use
    `async with`) when leaving the loop early; the client closes any left open.
    """

    def __init__(
        self,
        transport: Transport,
        job_id: str,
        *,
        after_seq: int = 0,
        until: Until = "final",
        timeout: float | None = None,
        reconnect: RetryPolicy = DEFAULT_RECONNECT,
        idle_s: float = 60.0,
        resubscribe_s: float = 5.0,
        heartbeat_s: float = 20.0,
        on_close: Callable[[JobWatch], None] | None = None,
    ) -> None:
        if until not in ("final", "analysis.done"):
            raise ValueError("until must be 'final' or 'analysis.done'")
        if after_seq < 0:
            raise ValueError("after_seq must be >= 0")
        self.job_id = job_id
        self.last_seq = after_seq
        self.until = until
        self.reconnects = 0
        self._transport = transport
        self._timeout = timeout
        self._reconnect = reconnect
        self._idle_s = idle_s
        self._resubscribe_s = resubscribe_s
        self._heartbeat_s = heartbeat_s
        self._on_close = on_close
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._deadline: float | None = None
        self._failures = 0
        self._final_seen = False
        self._done = False

    def __aiter__(self) -> JobWatch:
        return self

    async def __aenter__(self) -> JobWatch:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def __anext__(self) -> JobEvent:
        if self._done:
            raise StopAsyncIteration
        loop = asyncio.get_running_loop()
        if self._deadline is None and self._timeout is not None:
            self._deadline = loop.time() + self._timeout
        try:
            async with asyncio.timeout_at(self._deadline) as budget:
                event = await self._next_event()
        except TimeoutError as exc:
            await self.aclose()
            if budget.expired():
                raise WatchTimeout(
                    f"job {self.job_id}: no end within {self._timeout} s (last seq {self.last_seq})"
                ) from exc
            raise
        except BaseException:
            await self.aclose()
            raise
        if self._is_last(event):
            await self.aclose()
        return event

    async def aclose(self) -> None:
        """Stop watching and close the socket; the iteration ends."""
        self._done = True
        await self._drop_socket()
        if self._on_close is not None:
            self._on_close(self)

    def _is_last(self, event: JobEvent) -> bool:
        if event.is_final:
            self._final_seen = True
            return self.until == "final" or event.type in ABORTED_EVENTS
        return self.until == "analysis.done" and event.type == "analysis.done"

    async def _next_event(self) -> JobEvent:
        while True:
            if self._ws is None:
                await self._connect()
            assert self._ws is not None
            message = await self._receive(self._ws)
            if isinstance(message, str):
                # The socket is gone or quiet: a new one resumes from the last seq seen.
                await self._drop_socket()
                if message != IDLE:
                    await self._pause(message)
                continue
            if message.get("type") == "error" and (problem := self._error(message)):
                await self._drop_socket()
                await self._pause(problem)
                continue
            if message.get("type") == "heartbeat":
                self._heard_heartbeat(message.get("interval_s"))
                continue
            event = event_of(message, self.job_id)
            if event is None or event.seq <= self.last_seq:
                continue  # a control message, another job, or a repeat after a resume
            if event.seq > self.last_seq + 1:
                # A hole: resubscribe from the last seq seen, the server replays from its log.
                await self._drop_socket()
                await self._pause(f"seq {event.seq} after {self.last_seq}")
                continue
            self.last_seq = event.seq
            self._failures = 0
            return event

    async def _connect(self) -> None:
        while True:
            try:
                async with asyncio.timeout(self._transport.timeout):
                    ws = await self._transport.session.ws_connect(
                        self._transport.url("/v1/ws"),
                        headers=self._transport.auth_headers(),
                        protocols=(WS_PROTOCOL,),
                        heartbeat=self._heartbeat_s,
                    )
                    try:
                        await ws.send_json(
                            {"op": "subscribe", "job_id": self.job_id, "after_seq": self.last_seq}
                        )
                    except BaseException:
                        await _close_quietly(ws)
                        raise
                self._ws = ws
                return
            except aiohttp.WSServerHandshakeError as exc:
                if exc.status == 401:
                    raise Unauthorized(401, "unauthorized", exc.message) from exc
                if exc.status == 403:
                    raise Forbidden(403, "forbidden", exc.message) from exc
                if exc.status < 500 and exc.status not in (408, 429):
                    raise WatchError(f"WebSocket refused: {exc.status} {exc.message}") from exc
                problem = f"{exc.status} {exc.message}"
            except CONNECTION_ERRORS as exc:
                problem = describe(exc)
            await self._pause(problem)

    async def _pause(self, problem: str) -> None:
        """Wait before the next connection; give up after too many failures in a row."""
        wait = self._reconnect.delay(self._failures)
        if wait is None:
            raise WatchError(
                f"job {self.job_id}: gave up after {self._failures} failed reconnects: {problem}"
            )
        self._failures += 1
        self.reconnects += 1
        await asyncio.sleep(wait)

    async def _receive(self, ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any] | str:
        """The next JSON message, or why the socket must be replaced (IDLE: quiet too long)."""
        # After the final event, a lost `analysis.done` publish only comes back by a new
        # subscription (the server replays from its log): resubscribe when it is quiet.
        idle = self._resubscribe_s if self._final_seen else self._idle_s
        while True:
            try:
                msg = await ws.receive(timeout=idle)
            except TimeoutError:
                return IDLE
            except CONNECTION_ERRORS as exc:
                return describe(exc)
            if msg.type == aiohttp.WSMsgType.TEXT:
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                if isinstance(data, dict):
                    return data
                continue
            if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING):
                self._check_close(ws.close_code, msg.extra)
                return f"closed by the server ({ws.close_code})"
            if msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                return "connection lost"

    def _heard_heartbeat(self, interval: Any) -> None:
        # Three missed heartbeats mean a dead link even if TCP has not noticed yet.
        if isinstance(interval, int | float) and not isinstance(interval, bool) and interval > 0:
            self._idle_s = max(3.0 * float(interval), 1.0)

    def _check_close(self, code: int | None, reason: Any) -> None:
        text = reason if isinstance(reason, str) and reason else f"close code {code}"
        if code == CLOSE_UNAUTHORIZED:
            raise Unauthorized(401, "unauthorized", text)
        if code == CLOSE_FORBIDDEN:
            raise Forbidden(403, "forbidden", text)
        if code in FATAL_CLOSES:
            raise WatchError(f"the server closed the WebSocket: {text}", close_code=code)

    def _error(self, message: dict[str, Any]) -> str | None:
        """Raise for an error that ends the watch; a transient one is returned (retry later),
        one about another job ignored."""
        error = message.get("error")
        error = error if isinstance(error, dict) else {}
        about = message.get("job_id", error.get("job_id"))
        if about not in (None, self.job_id):
            return None
        code = str(error.get("code", "error"))
        text = str(error.get("message", "the server refused the subscription"))
        if code in TRANSIENT_ERRORS:
            return f"{code}: {text}"
        if code == "not_found":
            raise NotFound(404, code, text)
        raise WatchError(text, code=code)

    async def _drop_socket(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            await _close_quietly(ws)


async def _close_quietly(ws: aiohttp.ClientWebSocketResponse) -> None:
    # A peer that does not answer the close handshake must not hold us: bounded, then gone.
    with contextlib.suppress(Exception):
        async with asyncio.timeout(2.0):
            await ws.close()
