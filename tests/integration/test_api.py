"""The API on real RabbitMQ and a real MongoDB-wire server: validation, auth, idempotency."""

from __future__ import annotations

import dataclasses
from typing import Any

import aiohttp
import pytest

from postwriter.messaging.envelope import Envelope
from postwriter.settings import Settings
from tests.e2e.processes import free_port
from tests.integration.stack import AUTH, api_running

TIMEOUT = aiohttp.ClientTimeout(total=10)

pytestmark = pytest.mark.integration


async def test_health_needs_no_key_and_metrics_have_their_own_port(settings: Settings) -> None:
    port = free_port()
    settings = dataclasses.replace(settings, metrics_port=port)
    async with api_running(settings) as stack:
        assert (await stack.client.get("/healthz")).status == 200
        ready = await stack.client.get("/readyz")
        assert ready.status == 200
        assert (await ready.json())["checks"] == {"database": True, "broker": True}
        # The API port serves no metrics (every route there but health needs a key).
        assert (await stack.client.get("/metrics")).status == 401
        url = f"http://127.0.0.1:{port}/metrics"
        async with aiohttp.ClientSession() as http, http.get(url, timeout=TIMEOUT) as metrics:
            assert "postwriter_http_requests_total" in await metrics.text()


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/jobs"), ("GET", "/v1/jobs"), ("GET", "/v1/jobs/abcdefgh"), ("GET", "/v1/ws")],
)
async def test_every_other_route_needs_a_key(settings: Settings, method: str, path: str) -> None:
    async with api_running(settings) as stack:
        for headers in (
            {},
            {"Authorization": "Bearer wrong-key-wrong-key"},
            {"Authorization": "Basic x"},
        ):
            resp = await stack.client.request(method, path, headers=headers)
            assert resp.status == 401
            assert (await resp.json())["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({}, 400, "invalid_request", "url"),
        ({"url": 5}, 400, "invalid_request", "url"),
        ({"url": "https://example.com", "max_posts": 0}, 400, "invalid_request", "max_posts"),
        ({"url": "https://example.com", "adapter": "nope"}, 400, "invalid_request", "adapter"),
        ({"url": "https://example.com", "colour": "red"}, 400, "invalid_request", None),
        ({"url": "file:///etc/passwd"}, 400, "blocked_destination", "url"),
        ({"url": "http://169.254.169.254/latest"}, 400, "blocked_destination", "url"),
        ({"url": "http://[::ffff:127.0.0.1]:80/"}, 400, "blocked_destination", "url"),
    ],
)
async def test_bad_job_bodies_get_a_stable_code(
    settings: Settings, body: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    async with api_running(settings) as stack:
        resp = await stack.client.post("/v1/jobs", json=body, headers=AUTH)
        assert resp.status == status
        error = (await resp.json())["error"]
        assert error["code"] == code
        if field:
            assert error["details"]["field"] == field or field in error["message"]
        assert await stack.db.jobs.count_documents({}) == 0


async def test_malformed_and_oversized_bodies(settings: Settings) -> None:
    async with api_running(settings) as stack:
        resp = await stack.client.post(
            "/v1/jobs", data=b"{oops", headers={**AUTH, "Content-Type": "application/json"}
        )
        assert resp.status == 400
        assert (await resp.json())["error"]["code"] == "invalid_request"
        big = b'{"url": "' + b"a" * (settings.max_body_bytes + 10) + b'"}'
        resp = await stack.client.post(
            "/v1/jobs", data=big, headers={**AUTH, "Content-Type": "application/json"}
        )
        assert resp.status == 413
        assert (await resp.json())["error"]["code"] == "payload_too_large"


async def test_a_job_is_stored_queued_and_published(settings: Settings, fixture_site: str) -> None:
    async with api_running(settings) as stack:
        url = f"{fixture_site}/acmecoffee"
        resp = await stack.client.post("/v1/jobs", json={"url": url, "max_posts": 7}, headers=AUTH)
        assert resp.status == 202
        body = await resp.json()
        assert body["status"] == "queued"
        assert resp.headers["Location"] == f"/v1/jobs/{body['job_id']}"

        message = await stack.broker.topology.scrape_queue.get(timeout=5, fail=True)
        assert message is not None
        await message.ack()
        envelope = Envelope.parse(message.body, expected_type="scrape.request")
        assert envelope.payload == {
            "job_id": body["job_id"],
            "url": url,
            "adapter": "auto",
            "max_posts": 7,
        }
        job = await (await stack.client.get(f"/v1/jobs/{body['job_id']}", headers=AUTH)).json()
        assert job["status"] == "queued" and job["max_posts"] == 7 and job["error"] is None


async def test_the_same_idempotency_key_returns_the_same_job(
    settings: Settings, fixture_site: str
) -> None:
    async with api_running(settings) as stack:
        body = {"url": f"{fixture_site}/acmecoffee", "idempotency_key": "order-42"}
        first = await (await stack.client.post("/v1/jobs", json=body, headers=AUTH)).json()
        second = await (await stack.client.post("/v1/jobs", json=body, headers=AUTH)).json()
        assert first["job_id"] == second["job_id"]
        assert await stack.db.jobs.count_documents({}) == 1
        assert await stack.broker.topology.scrape_queue.get(timeout=5, fail=False) is not None
        assert await stack.broker.topology.scrape_queue.get(timeout=5, fail=False) is None
        other = {**body, "max_posts": 3}
        resp = await stack.client.post("/v1/jobs", json=other, headers=AUTH)
        assert resp.status == 409
        assert (await resp.json())["error"]["code"] == "idempotency_conflict"


async def test_unknown_job_and_bad_paging(settings: Settings) -> None:
    async with api_running(settings) as stack:
        resp = await stack.client.get("/v1/jobs/doesnotexist", headers=AUTH)
        assert resp.status == 404
        assert (await resp.json())["error"]["code"] == "not_found"
        resp = await stack.client.get("/v1/jobs?limit=0", headers=AUTH)
        assert resp.status == 400
        resp = await stack.client.get("/nowhere", headers=AUTH)
        assert resp.status == 404
        assert (await resp.json())["error"]["code"] == "not_found"


async def test_websocket_rejects_bad_ops_and_unknown_jobs(settings: Settings) -> None:
    async with api_running(settings) as stack:
        ws = await stack.client.ws_connect(
            "/v1/ws", protocols=("postwriter.v1", f"bearer.{AUTH['Authorization'][7:]}")
        )
        async with ws:
            assert ws.protocol == "postwriter.v1"
            await ws.send_str("not json")
            assert (await ws.receive_json())["error"]["code"] == "invalid_request"
            await ws.send_json({"op": "subscribe", "job_id": "nosuchjob1"})
            assert (await ws.receive_json())["error"]["code"] == "not_found"
            await ws.send_json({"op": "dance"})
            assert (await ws.receive_json())["error"]["code"] == "invalid_request"


async def test_the_document_and_its_page_are_public_and_complete(settings: Settings) -> None:
    from postwriter.api import openapi

    async with api_running(settings) as stack:
        resp = await stack.client.get("/v1/openapi.json")
        assert resp.status == 200
        assert await resp.json() == openapi.document()
        etag = resp.headers["ETag"]
        again = await stack.client.get("/v1/openapi.json", headers={"If-None-Match": etag})
        assert again.status == 304 and await again.read() == b""
        stale = await stack.client.get("/v1/openapi.json", headers={"If-None-Match": '"old"'})
        assert stale.status == 200
        page = await stack.client.get("/v1/docs")
        assert page.status == 200 and page.content_type == "text/html"
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        html = await page.text()
        for op in openapi.operations().values():
            assert f"id='{op.operation_id}'" in html, op.operation_id
