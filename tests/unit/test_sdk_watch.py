"""`watch()` against a scripted local WebSocket server: resume, gaps, ends, refusals.

The real server never drops a socket on cue, so the reconnect paths are driven here by a
small aiohttp server that follows the protocol of docs/websocket.md; the integration tests
watch real jobs on the real stack.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from postwriter.sdk import (
    AsyncClient,
    Client,
    NotFound,
    RetryPolicy,
    Unauthorized,
    WatchError,
    WatchTimeout,
)
from postwriter.sdk.watch import JobWatch

JOB = "job-12345678"
TYPES = ["job.queued", "job.started", "page.loaded", "posts.stored", "job.succeeded"]
FAST_RECONNECT = RetryPolicy(max_retries=3, backoff_base_s=0.01, backoff_max_s=0.02)

Plan = Callable[[web.WebSocketResponse, int], Awaitable[None]]


def event(seq: int, kind: str | None = None, job_id: str = JOB) -> dict[str, Any]:
    kind = kind or TYPES[min(seq, len(TYPES)) - 1]
    return {
        "job_id": job_id,
        "seq": seq,
        "type": kind,
        "at": "2026-11-25T10:00:00+00:00",
        "data": {},
    }


@dataclass
class Fake:
    """One plan per connection, in order; records each subscription's after_seq."""

    plans: list[Plan] = field(default_factory=list)
    after_seqs: list[int] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)


FAKE = web.AppKey("fake", Fake)


async def _ws(request: web.Request) -> web.WebSocketResponse:
    fake = request.app[FAKE]
    fake.headers.append(dict(request.headers))
    ws = web.WebSocketResponse(protocols=("postwriter.v1",))
    await ws.prepare(request)
    index = len(fake.after_seqs)
    msg = await ws.receive()
    assert msg.type == WSMsgType.TEXT
    op = json.loads(msg.data)
    assert op["op"] == "subscribe" and op["job_id"] == JOB
    fake.after_seqs.append(op["after_seq"])
    await ws.send_json({"type": "subscribed", "job_id": JOB, "after_seq": op["after_seq"]})
    plan = fake.plans[min(index, len(fake.plans) - 1)]
    await plan(ws, op["after_seq"])
    if not ws.closed:
        # Wait for the client to hang up (or the test to end).
        async for _ in ws:
            pass
    fake.closed.set()
    return ws


@pytest.fixture
async def fake_server() -> AsyncIterator[tuple[str, Fake]]:
    app = web.Application()
    app[FAKE] = Fake()
    app.router.add_get("/v1/ws", _ws)
    server = TestServer(app)
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), app[FAKE]
    finally:
        await server.close()


def sends(*seqs: int, close: int | None = None, types: dict[int, str] | None = None) -> Plan:
    async def plan(ws: web.WebSocketResponse, after: int) -> None:
        for seq in seqs:
            await ws.send_json(event(seq, (types or {}).get(seq)))
        if close is not None:
            await ws.close(code=close, message=b"bye")

    return plan


async def _collect(url: str, **options: Any) -> list[int]:
    async with AsyncClient(url, "key-1") as client:
        watch = client.watch(JOB, reconnect=FAST_RECONNECT, timeout=30, **options)
        return [e.seq async for e in watch]


async def test_a_dropped_socket_resumes_after_the_last_seq_without_repeats(
    fake_server: tuple[str, Fake],
) -> None:
    url, fake = fake_server
    fake.plans = [sends(1, 2, 3, close=1011), sends(2, 3, 4, 5)]
    assert await _collect(url) == [1, 2, 3, 4, 5]
    assert fake.after_seqs == [0, 3]
    assert fake.headers[0]["Authorization"] == "Bearer key-1"
    assert "postwriter.v1" in fake.headers[0]["Sec-WebSocket-Protocol"]


async def test_a_gap_is_filled_by_resubscribing(fake_server: tuple[str, Fake]) -> None:
    url, fake = fake_server
    fake.plans = [sends(1, 3), sends(2, 3, 4, 5)]
    assert await _collect(url) == [1, 2, 3, 4, 5]
    assert fake.after_seqs == [0, 1]


async def test_resume_from_a_given_seq(fake_server: tuple[str, Fake]) -> None:
    url, fake = fake_server
    fake.plans = [sends(3, 4, 5)]
    assert await _collect(url, after_seq=2) == [3, 4, 5]
    assert fake.after_seqs == [2]


async def test_control_messages_other_jobs_and_wrapped_events(
    fake_server: tuple[str, Fake],
) -> None:
    url, fake = fake_server

    async def plan(ws: web.WebSocketResponse, after: int) -> None:
        await ws.send_json({"type": "heartbeat", "at": "2026-11-25T10:00:00+00:00"})
        await ws.send_json(event(1, job_id="other-job-1"))
        await ws.send_json({"type": "event", "job_id": JOB, "event": event(1)})
        await ws.send_str("not json")
        await ws.send_json({"type": "pong"})
        await ws.send_json(event(2))
        await ws.send_json({"type": "event", "event": event(3, "job.cancelled")})

    fake.plans = [plan]
    async with AsyncClient(url, "k") as client:
        seen = [(e.seq, e.type) async for e in client.watch(JOB, timeout=30)]
    assert seen == [(1, "job.queued"), (2, "job.started"), (3, "job.cancelled")]


async def test_until_analysis_done_resubscribes_when_quiet_after_the_final_event(
    fake_server: tuple[str, Fake],
) -> None:
    url, fake = fake_server
    # The first socket goes quiet after job.succeeded (the live analysis.done was lost);
    # the log has it, so a new subscription gets it.
    fake.plans = [sends(1, 2, types={2: "job.succeeded"}), sends(3, types={3: "analysis.done"})]
    async with AsyncClient(url, "k") as client:
        watch = JobWatch(client._http, JOB, until="analysis.done", timeout=30, resubscribe_s=0.2)
        kinds = [e.type async for e in watch]
    assert kinds == ["job.queued", "job.succeeded", "analysis.done"]
    assert fake.after_seqs == [0, 2]


async def test_a_failed_job_ends_the_watch_even_when_waiting_for_analysis(
    fake_server: tuple[str, Fake],
) -> None:
    url, fake = fake_server
    fake.plans = [sends(1, 2, types={2: "job.failed"})]
    async with AsyncClient(url, "k") as client:
        kinds = [e.type async for e in client.watch(JOB, until="analysis.done", timeout=30)]
    assert kinds == ["job.queued", "job.failed"]


async def test_refusals_raise(fake_server: tuple[str, Fake]) -> None:
    url, fake = fake_server

    async def unknown(ws: web.WebSocketResponse, after: int) -> None:
        await ws.send_json(
            {"type": "error", "job_id": JOB, "error": {"code": "not_found", "message": "no job"}}
        )

    fake.plans = [unknown]
    with pytest.raises(NotFound, match="no job"):
        await _collect(url)
    fake.plans, fake.after_seqs = [sends(close=4401)], []
    with pytest.raises(Unauthorized):
        await _collect(url)
    fake.plans, fake.after_seqs = [sends(close=1008)], []
    with pytest.raises(WatchError) as policy:
        await _collect(url)
    assert policy.value.close_code == 1008


async def test_a_transient_error_reply_is_retried(fake_server: tuple[str, Fake]) -> None:
    url, fake = fake_server

    async def unavailable(ws: web.WebSocketResponse, after: int) -> None:
        error = {"code": "service_unavailable", "message": "event log unavailable"}
        await ws.send_json({"type": "error", "error": error})

    fake.plans = [unavailable, sends(1, 2, 3, 4, 5)]
    assert await _collect(url) == [1, 2, 3, 4, 5]
    assert fake.after_seqs == [0, 0]


async def test_reconnects_without_progress_are_bounded(fake_server: tuple[str, Fake]) -> None:
    url, fake = fake_server
    fake.plans = [sends(1, close=1011), sends(close=1011)]
    with pytest.raises(WatchError, match="gave up"):
        await _collect(url)
    # The first socket and three reconnects (max_retries=3) that bring nothing new.
    assert fake.after_seqs == [0, 1, 1, 1]


async def test_the_total_timeout_ends_a_watch(fake_server: tuple[str, Fake]) -> None:
    url, fake = fake_server
    fake.plans = [sends(1)]
    async with AsyncClient(url, "k") as client:
        watch = client.watch(JOB, timeout=0.5)
        assert (await anext(watch)).seq == 1
        with pytest.raises(WatchTimeout, match="last seq 1"):
            await anext(watch)


async def test_leaving_early_and_closing_the_client_closes_the_socket(
    fake_server: tuple[str, Fake],
) -> None:
    url, fake = fake_server
    fake.plans = [sends(1, 2)]
    async with AsyncClient(url, "k") as client:
        async for e in client.watch(JOB):
            assert e.seq == 1
            break
    await asyncio.wait_for(fake.closed.wait(), 10)


async def test_the_sync_client_watches_with_a_plain_iterator(
    fake_server: tuple[str, Fake],
) -> None:
    url, fake = fake_server
    fake.plans = [sends(1, 2, close=1001), sends(3, 4, 5)]

    def blocking() -> list[int]:
        with Client(url, "k") as client:
            return [e.seq for e in client.watch(JOB, timeout=30)]

    assert await asyncio.to_thread(blocking) == [1, 2, 3, 4, 5]
