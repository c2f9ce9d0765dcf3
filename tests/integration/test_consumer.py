"""The scrape consumer on real RabbitMQ, MongoDB-wire server and Chromium."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from datetime import UTC, datetime

import aio_pika
import pytest

from postwriter.messaging.envelope import schema
from postwriter.messaging.topology import SCRAPE_ROUTING_KEY
from postwriter.models.job import job_id_for_message
from postwriter.settings import Settings
from postwriter.storage.database import Database
from tests.integration.stack import AUTH, api_running, consumer_running, submit, watch

pytestmark = pytest.mark.integration


async def _wait_for_status(db: Database, job_id: str, timeout: float = 90) -> dict[str, object]:
    async with asyncio.timeout(timeout):
        while True:
            job = await db.jobs.find_one({"_id": job_id})
            if job is not None and job["status"] in ("succeeded", "failed"):
                return job
            await asyncio.sleep(0.2)


async def test_a_request_published_from_the_documented_schema_succeeds(
    settings: Settings, fixture_site: str
) -> None:
    """An integration publishes with a plain AMQP client, following docs/messages.md."""
    message_id = uuid.uuid4().hex
    body = {
        "type": "scrape.request",
        "version": 1,
        "message_id": message_id,
        "correlation_id": "crm-sync-7",
        "created_at": datetime.now(UTC).isoformat(),
        "payload": {"url": f"{fixture_site}/acmecoffee", "max_posts": 12},
    }
    # The request validates against the schema files shipped for integrators.
    from jsonschema import Draft202012Validator

    Draft202012Validator(schema("envelope.v1.json")).validate(body)
    Draft202012Validator(schema("scrape.request.v1.json")).validate(body["payload"])

    async with api_running(settings) as stack, consumer_running(settings):
        await stack.broker.topology.requests.publish(
            aio_pika.Message(json.dumps(body).encode(), content_type="application/json"),
            SCRAPE_ROUTING_KEY,
        )
        job_id = job_id_for_message(message_id)
        job = await _wait_for_status(stack.db, job_id)
        assert job["status"] == "succeeded", job
        assert await stack.db.posts.count_documents({"job_ids": job_id}) == 12
        events = await watch(stack.client, job_id)
        assert [e["type"] for e in events][:2] == ["job.queued", "job.started"]
        assert events[-1]["type"] == "job.succeeded"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"definitely not json", "not UTF-8 JSON"),
        (json.dumps({"type": "scrape.request", "version": 1}).encode(), "envelope"),
        (
            json.dumps(
                {
                    "type": "scrape.request",
                    "version": 1,
                    "message_id": "0123456789",
                    "created_at": "2026-11-25T00:00:00+00:00",
                    "payload": {"url": "gopher://x.test/"},
                }
            ).encode(),
            "payload url",
        ),
    ],
)
async def test_bad_messages_are_dead_lettered_with_a_reason_and_work_goes_on(
    settings: Settings, fixture_site: str, body: bytes, reason: str
) -> None:
    async with api_running(settings) as stack, consumer_running(settings):
        await stack.broker.topology.requests.publish(aio_pika.Message(body), SCRAPE_ROUTING_KEY)
        dead = None
        async with asyncio.timeout(30):
            while dead is None:
                dead = await stack.broker.topology.dead_queue.get(fail=False)
                await asyncio.sleep(0.1)
        await dead.ack()
        assert dead.body == body
        assert reason in str((dead.headers or {})["x-postwriter-error"])

        job_id = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee", "max_posts": 3})
        events = await watch(stack.client, job_id)
        assert events[-1]["type"] == "job.succeeded"


async def test_a_failing_page_fails_its_job_readably_and_others_go_on(
    settings: Settings, fixture_site: str
) -> None:
    async with api_running(settings) as stack, consumer_running(settings):
        broken = await submit(stack.client, {"url": f"{fixture_site}/broken"})
        good = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee", "max_posts": 6})
        broken_events, good_events = await asyncio.gather(
            watch(stack.client, broken), watch(stack.client, good)
        )
        assert broken_events[-1]["type"] == "job.failed"
        error = broken_events[-1]["data"]["error"]
        assert error["code"] == "page_load_failed"
        assert "HTTP 500" in error["message"]
        assert good_events[-1]["type"] == "job.succeeded"
        job = await (await stack.client.get(f"/v1/jobs/{broken}", headers=AUTH)).json()
        assert job["status"] == "failed" and job["error"]["code"] == "page_load_failed"


async def test_a_name_that_resolves_to_a_private_address_fails_the_job(
    settings: Settings, fixture_site: str
) -> None:
    port = fixture_site.rsplit(":", 1)[1]
    host = socket.gethostname()  # resolves to this machine: loopback or a private address
    async with api_running(settings) as stack, consumer_running(settings):
        job_id = await submit(stack.client, {"url": f"http://{host}:{port}/acmecoffee"})
        events = await watch(stack.client, job_id)
        assert events[-1]["type"] == "job.failed"
        assert events[-1]["data"]["error"]["code"] == "blocked_destination"
        assert await stack.db.posts.count_documents({}) == 0


async def test_an_article_page_is_read_from_its_json_ld(
    settings: Settings, fixture_site: str
) -> None:
    from tests.fixtures.site.expected import expected_articles

    want = expected_articles(fixture_site)[0]
    async with api_running(settings) as stack, consumer_running(settings):
        job_id = await submit(stack.client, {"url": want["url"], "adapter": "auto"})
        events = await watch(stack.client, job_id)
        assert events[-1]["type"] == "job.succeeded", events[-1]
        doc = await stack.db.posts.find_one({"job_ids": job_id})
        assert doc is not None
        assert doc["platform"] == "web"
        assert doc["metrics"] == want["metrics"]
        assert doc["text"] == want["text"]


async def test_a_navigation_timeout_is_retried_and_the_job_then_succeeds(
    settings: Settings, fixture_site: str
) -> None:
    from dataclasses import replace

    impatient = replace(settings, navigation_timeout_s=2.0)
    async with api_running(impatient) as stack, consumer_running(impatient):
        job_id = await submit(stack.client, {"url": f"{fixture_site}/flaky/{uuid.uuid4().hex}"})
        events = await watch(stack.client, job_id)
        types = [e["type"] for e in events]
        assert types[-1] == "job.succeeded", events[-1]
        retrying = [e for e in events if e["type"] == "job.retrying"]
        assert len(retrying) == 1
        assert retrying[0]["data"]["error"]["code"] == "timeout"
        assert types.count("job.started") == 2
        job = await (await stack.client.get(f"/v1/jobs/{job_id}", headers=AUTH)).json()
        assert job["attempts"] == 2 and job["counts"]["posts_found"] == 24


async def test_a_transient_failure_that_persists_fails_the_job_within_the_delivery_limit(
    settings: Settings, fixture_site: str
) -> None:
    from dataclasses import replace

    impatient = replace(settings, navigation_timeout_s=1.0, delivery_limit=2)
    async with api_running(impatient) as stack, consumer_running(impatient):
        job_id = await submit(stack.client, {"url": f"{fixture_site}/slow"})
        events = await watch(stack.client, job_id)
        assert [e["type"] for e in events].count("job.retrying") == 2
        assert events[-1]["type"] == "job.failed"
        assert events[-1]["data"]["error"]["code"] == "timeout"
        job = await (await stack.client.get(f"/v1/jobs/{job_id}", headers=AUTH)).json()
        assert job["attempts"] == 3
        # Failed for good by the consumer itself: nothing was left to the broker's limit.
        assert await stack.broker.topology.dead_queue.get(fail=False) is None
