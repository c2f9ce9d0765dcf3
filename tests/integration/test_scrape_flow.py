"""A scrape request travels API → RabbitMQ → Chromium → MongoDB → WebSocket, in process."""

from __future__ import annotations

import pytest

from postwriter.settings import Settings
from tests.fixtures.site.expected import expected_posts
from tests.integration.stack import AUTH, api_running, consumer_running, submit, watch

pytestmark = pytest.mark.integration


async def test_job_streams_events_in_order_and_stores_every_fixture_post(
    settings: Settings, fixture_site: str
) -> None:
    async with api_running(settings) as stack, consumer_running(settings):
        job_id = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee"})
        events = await watch(stack.client, job_id)

        types = [e["type"] for e in events]
        assert types[0] == "job.queued"
        assert types[1] == "job.started"
        assert "page.loaded" in types
        assert "posts.stored" in types
        assert types[-1] == "job.succeeded", events[-1]
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))

        expected = {p["external_id"]: p for p in expected_posts(fixture_site)}
        stored = await stack.db.posts.find({}).to_list()
        assert len(stored) == len(expected) == 24
        for doc in stored:
            want = expected[doc["external_id"]]
            for field in ("url", "text", "metrics", "hashtags", "is_sponsored", "source"):
                assert doc[field] == want[field], (doc["external_id"], field)
            assert doc["first_seen_at"] is not None and doc["job_id"] == job_id

        resp = await stack.client.get(f"/v1/jobs/{job_id}", headers=AUTH)
        job = await resp.json()
        assert job["status"] == "succeeded"
        assert job["counts"]["posts_found"] == 24
        assert job["counts"]["posts_new"] == 24


async def test_posts_are_paged_with_a_cursor(settings: Settings, fixture_site: str) -> None:
    async with api_running(settings) as stack, consumer_running(settings):
        job_id = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee", "max_posts": 10})
        events = await watch(stack.client, job_id)
        assert events[-1]["type"] == "job.succeeded"
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": "4", **({"cursor": cursor} if cursor else {})}
            resp = await stack.client.get(f"/v1/jobs/{job_id}/posts", params=params, headers=AUTH)
            page = await resp.json()
            seen.extend(p["external_id"] for p in page["posts"])
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == 10
