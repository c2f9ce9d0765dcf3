"""The SDK over real local HTTP: a scripted aiohttp server answers 429/503/errors, then 200."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from postwriter.sdk import (
    AsyncClient,
    BadRequest,
    Client,
    Conflict,
    RateLimited,
    RetryPolicy,
    ServiceUnavailable,
    TransportError,
    Unauthorized,
)

FAST = RetryPolicy(max_retries=3, backoff_base_s=0.01, backoff_max_s=0.05)
JOB = {"job_id": "job-0001", "status": "queued"}


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # Drop the connection instead of answering.
    hang_up: bool = False


@dataclass
class Script:
    """Replies handed out in order per (method, path); the last one repeats."""

    replies: dict[tuple[str, str], list[Reply]] = field(default_factory=dict)
    seen: list[dict[str, Any]] = field(default_factory=list)

    def on(self, method: str, path: str, *replies: Reply) -> None:
        self.replies[(method, path)] = list(replies)

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.seen if (r["method"], r["path"]) == (method, path))


SCRIPT = web.AppKey("script", Script)


async def _handle(request: web.Request) -> web.StreamResponse:
    script = request.app[SCRIPT]
    raw = await request.read()
    script.seen.append(
        {
            "method": request.method,
            "path": request.path,
            "raw_path": request.raw_path,
            "query": list(request.query.items()),
            "headers": dict(request.headers),
            "json": json.loads(raw) if raw else None,
        }
    )
    queue = script.replies.get((request.method, request.path))
    if not queue:
        return web.json_response(
            {"error": {"code": "not_found", "message": f"nothing at {request.path}"}}, status=404
        )
    reply = queue.pop(0) if len(queue) > 1 else queue[0]
    if reply.hang_up:
        assert request.transport is not None
        request.transport.close()
        return web.Response()
    if reply.body is None:
        return web.Response(status=reply.status, headers=reply.headers)
    if isinstance(reply.body, str):
        return web.Response(status=reply.status, text=reply.body, headers=reply.headers)
    return web.json_response(reply.body, status=reply.status, headers=reply.headers)


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Script]]:
    app = web.Application()
    app[SCRIPT] = Script()
    app.router.add_route("*", "/{tail:.*}", _handle)
    test_server = TestServer(app)
    await test_server.start_server()
    try:
        yield str(test_server.make_url("")).rstrip("/"), app[SCRIPT]
    finally:
        await test_server.close()


def _unavailable(**headers: str) -> Reply:
    body = {"error": {"code": "service_unavailable", "message": "database down"}}
    return Reply(503, body, headers)


def _limited(after: str) -> Reply:
    body = {"error": {"code": "rate_limited", "message": "slow down"}}
    return Reply(429, body, {"Retry-After": after})


async def test_429_then_503_then_200_is_retried_to_success(
    server: tuple[str, Script],
) -> None:
    url, script = server
    script.on("GET", "/v1/jobs/job-0001", _limited("0"), _unavailable(), Reply(200, JOB))
    async with AsyncClient(url, "key-1", retry=FAST) as client:
        job = await client.get_job("job-0001")
    assert job.job_id == "job-0001"
    assert script.count("GET", "/v1/jobs/job-0001") == 3
    assert all(r["headers"]["Authorization"] == "Bearer key-1" for r in script.seen)


async def test_retry_after_as_http_date_is_honoured(server: tuple[str, Script]) -> None:
    url, script = server
    past = format_datetime(datetime.now(UTC) - timedelta(seconds=5), usegmt=True)
    script.on("GET", "/v1/jobs", _limited(past), Reply(200, {"jobs": [JOB]}))
    async with AsyncClient(url, "k", retry=FAST) as client:
        jobs = await client.list_jobs(limit=5, status="queued")
    assert [j.job_id for j in jobs] == ["job-0001"]
    assert script.seen[-1]["query"] == [("limit", "5"), ("status", "queued")]


async def test_retries_are_bounded(server: tuple[str, Script]) -> None:
    url, script = server
    script.on("GET", "/v1/jobs/job-0001", _unavailable())
    async with AsyncClient(url, "k", retry=FAST) as client:
        with pytest.raises(ServiceUnavailable) as caught:
            await client.get_job("job-0001")
    assert caught.value.code == "service_unavailable"
    assert caught.value.message == "database down"
    assert script.count("GET", "/v1/jobs/job-0001") == 1 + FAST.max_retries


async def test_a_long_retry_after_is_not_waited_for(server: tuple[str, Script]) -> None:
    url, script = server
    script.on("GET", "/v1/jobs/job-0001", _limited("3600"), Reply(200, JOB))
    async with AsyncClient(url, "k", retry=FAST) as client:
        with pytest.raises(RateLimited) as caught:
            await client.get_job("job-0001")
    assert caught.value.retry_after == 3600.0
    assert script.count("GET", "/v1/jobs/job-0001") == 1


async def test_a_post_is_not_repeated_after_503_but_is_after_429(
    server: tuple[str, Script],
) -> None:
    url, script = server
    schedule = {"schedule_id": "s1", "name": "n"}
    script.on("POST", "/v1/schedules", _unavailable(), Reply(201, schedule))
    async with AsyncClient(url, "k", retry=FAST) as client:
        with pytest.raises(ServiceUnavailable):
            await client.create_schedule("n", "https://example.com/", "0 9 * * *")
        assert script.count("POST", "/v1/schedules") == 1
        script.on("POST", "/v1/schedules", _limited("0"), Reply(201, schedule))
        created = await client.create_schedule("n", "https://example.com/", "0 9 * * *")
    assert created.schedule_id == "s1"
    assert script.count("POST", "/v1/schedules") == 3


async def test_create_job_is_retried_with_one_idempotency_key(
    server: tuple[str, Script],
) -> None:
    url, script = server
    script.on("POST", "/v1/jobs", _unavailable(), Reply(hang_up=True), Reply(202, JOB))
    async with AsyncClient(url, "k", retry=FAST) as client:
        accepted = await client.create_job(
            "https://example.com/page", max_posts=5, correlation_id="crm-42"
        )
    sent = [r for r in script.seen if r["path"] == "/v1/jobs"]
    assert len(sent) == 3
    keys = {r["json"]["idempotency_key"] for r in sent}
    assert keys == {accepted.idempotency_key}
    assert sent[0]["json"] == {
        "url": "https://example.com/page",
        "max_posts": 5,
        "idempotency_key": accepted.idempotency_key,
    }
    assert sent[0]["headers"]["X-Correlation-ID"] == "crm-42"
    assert accepted.job_id == "job-0001" and accepted.status == "queued"


async def test_a_lost_connection_is_retried_only_when_safe(server: tuple[str, Script]) -> None:
    url, script = server
    script.on("GET", "/v1/jobs/job-0001", Reply(hang_up=True), Reply(200, JOB))
    script.on("POST", "/v1/dead-letters/d1/replay", Reply(hang_up=True), Reply(202, JOB))
    async with AsyncClient(url, "k", retry=FAST) as client:
        assert (await client.get_job("job-0001")).job_id == "job-0001"
        with pytest.raises(TransportError):
            await client.replay_dead_letter("d1")
    assert script.count("POST", "/v1/dead-letters/d1/replay") == 1


async def test_no_server_at_all_is_a_transport_error() -> None:
    async with AsyncClient("http://127.0.0.1:9", "k", retry=FAST, timeout=2) as client:
        with pytest.raises(TransportError):
            await client.get_job("job-0001")


async def test_errors_carry_code_message_and_field(server: tuple[str, Script]) -> None:
    url, script = server
    bad = {
        "error": {
            "code": "invalid_request",
            "message": "url: too short",
            "details": {"field": "url"},
        }
    }
    script.on("POST", "/v1/jobs", Reply(400, bad))
    conflict = {"error": {"code": "job_already_final", "message": "job already succeeded"}}
    script.on("DELETE", "/v1/jobs/job-0001", Reply(409, conflict))
    script.on("GET", "/v1/jobs", Reply(401, "<html>no</html>"))
    async with AsyncClient(url, "k", retry=FAST) as client:
        with pytest.raises(BadRequest) as bad_request:
            await client.create_job("x")
        with pytest.raises(Conflict) as final:
            await client.cancel_job("job-0001")
        with pytest.raises(Unauthorized) as unauthorized:
            await client.list_jobs()
    assert bad_request.value.field == "url" and bad_request.value.code == "invalid_request"
    assert final.value.code == "job_already_final" and final.value.status == 409
    assert unauthorized.value.code == "http_error"


async def test_ids_are_escaped_into_one_path_segment(server: tuple[str, Script]) -> None:
    url, script = server
    script.on("GET", "/v1/pages/facebook:acme/../x/topics", Reply(200, {"topics": []}))
    async with AsyncClient(url, "k", retry=FAST) as client:
        assert await client.get_page_topics("facebook:acme/../x") == []
        with pytest.raises(ValueError, match="non-empty"):
            await client.get_job("")
    assert script.seen[-1]["raw_path"] == "/v1/pages/facebook:acme%2F..%2Fx/topics"


async def test_cursor_pages_are_followed_to_the_end(server: tuple[str, Script]) -> None:
    url, script = server
    first = {"posts": [{"id": "p1"}, {"id": "p2"}], "next_cursor": "c2"}
    last = {"posts": [{"id": "p3"}], "next_cursor": None}
    script.on("GET", "/v1/posts", Reply(200, first), Reply(200, last))
    async with AsyncClient(url, "k", retry=FAST) as client:
        ids = [
            p.id async for p in client.iter_posts(page_size=2, sort="engagement", marketing=True)
        ]
    assert ids == ["p1", "p2", "p3"]
    queries = [dict(r["query"]) for r in script.seen]
    assert queries[0] == {"sort": "engagement", "marketing": "true", "limit": "2"}
    assert queries[1]["cursor"] == "c2"


async def test_export_streams_bytes_and_records(server: tuple[str, Script]) -> None:
    url, script = server
    lines = "\n".join(json.dumps({"id": f"p{i}", "text": "x" * 500}) for i in range(300)) + "\n"
    script.on(
        "GET", "/v1/posts/export", Reply(200, lines, {"Content-Type": "application/x-ndjson"})
    )
    async with AsyncClient(url, "k", retry=FAST) as client:
        chunks = [c async for c in client.export_posts(format="jsonl", page_id="facebook:a")]
        records = [r async for r in client.export_post_records(max_rows=300)]
    assert b"".join(chunks).decode() == lines
    assert [r["id"] for r in records] == [f"p{i}" for i in range(300)]
    assert dict(script.seen[0]["query"]) == {"format": "jsonl", "page_id": "facebook:a"}
    assert dict(script.seen[1]["query"]) == {"format": "jsonl", "max_rows": "300"}


async def test_the_sync_client_runs_the_same_calls_in_its_own_thread(
    server: tuple[str, Script],
) -> None:
    url, script = server
    script.on("GET", "/v1/jobs/job-0001", _unavailable(), Reply(200, JOB))
    first = {"posts": [{"id": "p1"}], "next_cursor": "c2"}
    script.on("GET", "/v1/posts", Reply(200, first), Reply(200, {"posts": [{"id": "p2"}]}))

    def blocking() -> tuple[str, list[str]]:
        with Client(url, "k", retry=FAST) as client:
            job = client.get_job("job-0001")
            with client.iter_posts(page_size=1) as posts:
                ids = [p.id for p in posts]
        # Closed: its thread has ended and it takes no more calls.
        assert not client._loop.thread.is_alive()
        with pytest.raises(RuntimeError, match="closed"):
            client.get_job("job-0001")
        return job.job_id, ids

    # The test's loop serves the HTTP; the sync client blocks a worker thread, not the loop.
    assert await asyncio.to_thread(blocking) == ("job-0001", ["p1", "p2"])


async def test_readiness_answers_rather_than_raises(server: tuple[str, Script]) -> None:
    url, script = server
    down = {"status": "unavailable", "checks": {"database": False, "broker": True}}
    script.on("GET", "/readyz", Reply(503, down))
    async with AsyncClient(url, "k", retry=FAST) as client:
        assert (await client.readiness())["checks"]["database"] is False
    assert script.count("GET", "/readyz") == 1
