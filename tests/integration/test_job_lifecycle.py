"""Cancellation, deadlines, coverage, engagement history and dead-letter replay."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import aio_pika
import pytest

from postwriter.messaging.topology import SCRAPE_ROUTING_KEY
from postwriter.services.events import EventSink
from postwriter.services.reaper import reap_once
from postwriter.settings import Settings
from postwriter.storage import jobs
from tests.fixtures.site.expected import expected_posts
from tests.integration.stack import AUTH, api_running, consumer_running, submit, watch

pytestmark = pytest.mark.integration


async def test_cancelling_a_queued_job_ends_it_at_once(
    settings: Settings, fixture_site: str
) -> None:
    async with api_running(settings) as stack:
        job_id = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee"})
        resp = await stack.client.delete(f"/v1/jobs/{job_id}", headers=AUTH)
        assert resp.status == 202
        assert (await resp.json())["status"] == "cancelled"
        again = await stack.client.delete(f"/v1/jobs/{job_id}", headers=AUTH)
        assert again.status == 202
        # The request still in the queue is acknowledged without running anything.
        async with consumer_running(settings):
            events = await watch(stack.client, job_id)
            await asyncio.sleep(1)
        assert [e["type"] for e in events] == ["job.queued", "job.cancelled"]
        assert await stack.db.posts.count_documents({}) == 0
        assert await stack.broker.topology.scrape_queue.get(fail=False) is None


async def test_cancelling_a_running_job_stops_at_the_next_page_and_keeps_its_posts(
    settings: Settings, fixture_site: str
) -> None:
    async with api_running(settings) as stack, consumer_running(settings):
        url = f"{fixture_site}/acmecoffee?delay_ms=1500"
        job_id = await submit(stack.client, {"url": url})
        events: list[dict[str, object]] = []
        async with asyncio.timeout(60):
            ws = await stack.client.ws_connect("/v1/ws", headers=AUTH)
            async with ws:
                await ws.send_json({"op": "subscribe", "job_id": job_id})
                async for msg in ws:
                    event = msg.json()
                    if "seq" not in event:
                        continue
                    events.append(event)
                    if event["type"] == "posts.stored" and len(events) < 6:
                        resp = await stack.client.delete(f"/v1/jobs/{job_id}", headers=AUTH)
                        assert resp.status == 202
                    if event["type"] in ("job.cancelled", "job.succeeded", "job.failed"):
                        break
        assert events[-1]["type"] == "job.cancelled"
        kept = await stack.db.posts.count_documents({"job_ids": job_id})
        assert 0 < kept < 24
        job = await (await stack.client.get(f"/v1/jobs/{job_id}", headers=AUTH)).json()
        assert job["status"] == "cancelled"
        assert job["counts"]["posts_found"] == kept
        resp = await stack.client.delete(f"/v1/jobs/{job_id}", headers=AUTH)
        assert resp.status == 202


async def test_a_finished_job_cannot_be_cancelled(settings: Settings, fixture_site: str) -> None:
    async with api_running(settings) as stack, consumer_running(settings):
        job_id = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee", "max_posts": 3})
        assert (await watch(stack.client, job_id))[-1]["type"] == "job.succeeded"
        resp = await stack.client.delete(f"/v1/jobs/{job_id}", headers=AUTH)
        assert resp.status == 409
        assert (await resp.json())["error"]["code"] == "job_already_final"


async def test_the_reaper_fails_jobs_past_their_deadline(settings: Settings) -> None:
    async with api_running(settings) as stack:
        doc = jobs.new_job_document(
            "stuckjob01", url="https://x.test/", adapter="auto", max_posts=5, queued_deadline_s=1
        )
        await jobs.insert_job(stack.db, doc)
        sink = EventSink(stack.db, stack.broker)
        assert await reap_once(stack.db, sink, datetime.now(UTC)) == 0
        later = datetime.now(UTC) + timedelta(seconds=5)
        assert await reap_once(stack.db, sink, later) == 1
        assert await reap_once(stack.db, sink, later) == 0
        job = await (await stack.client.get("/v1/jobs/stuckjob01", headers=AUTH)).json()
        assert job["status"] == "failed"
        assert job["error"]["code"] == "deadline_exceeded"
        events = await jobs.events_after(stack.db, "stuckjob01")
        assert [e.type for e in events] == ["job.failed"]


async def test_a_job_reports_its_coverage_and_posts_keep_their_history(
    settings: Settings, fixture_site: str
) -> None:
    async with api_running(settings) as stack, consumer_running(settings):
        first = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee"})
        assert (await watch(stack.client, first))[-1]["type"] == "job.succeeded"
        second = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee"})
        final = (await watch(stack.client, second))[-1]
        assert final["type"] == "job.succeeded"
        job = await (await stack.client.get(f"/v1/jobs/{second}", headers=AUTH)).json()
        assert job["counts"]["posts_found"] == 24
        assert job["counts"]["posts_new"] == 0 and job["counts"]["posts_updated"] == 24
        dates = sorted(p["published_at"] for p in expected_posts(fixture_site) if p["published_at"])
        cov = job["coverage"]
        assert datetime.fromisoformat(cov["oldest_published_at"]) == datetime.fromisoformat(
            dates[0]
        )
        assert datetime.fromisoformat(cov["newest_published_at"]) == datetime.fromisoformat(
            dates[-1]
        )
        assert final["data"]["coverage"] == cov

        page = await (
            await stack.client.get(f"/v1/jobs/{second}/posts?limit=1", headers=AUTH)
        ).json()
        post_id = page["posts"][0]["id"]
        history = await (
            await stack.client.get(f"/v1/posts/{post_id}/history", headers=AUTH)
        ).json()
        assert [s["job_id"] for s in history["snapshots"]] == [first, second]
        assert history["velocity"]["reactions_per_hour"] is not None
        missing = await stack.client.get("/v1/posts/nosuchpost/history", headers=AUTH)
        assert missing.status == 404


async def test_since_stops_the_scroll_and_skips_older_posts(
    settings: Settings, fixture_site: str
) -> None:
    dated = sorted(
        (p for p in expected_posts(fixture_site) if p["published_at"]),
        key=lambda p: p["published_at"],
        reverse=True,
    )
    since = dated[7]["published_at"]
    async with api_running(settings) as stack, consumer_running(settings):
        job_id = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee", "since": since})
        assert (await watch(stack.client, job_id))[-1]["type"] == "job.succeeded"
        stored = await stack.db.posts.find({"job_ids": job_id}).to_list()
        cutoff = datetime.fromisoformat(since)
        assert stored and all(
            d["published_at"] is None or d["published_at"] >= cutoff for d in stored
        )
        assert len([d for d in stored if d["published_at"]]) == 8
        bad = await stack.client.post(
            "/v1/jobs",
            json={"url": f"{fixture_site}/acmecoffee", "since": "2026-01-01"},
            headers=AUTH,
        )
        assert bad.status == 400 and (await bad.json())["error"]["details"]["field"] == "since"


async def test_dead_letters_are_listed_inspected_and_replayed(
    settings: Settings, fixture_site: str
) -> None:
    # A valid request parked by the broker (as after too many deliveries) and an invalid one.
    good = {
        "type": "scrape.request",
        "version": 1,
        "message_id": "parked-0001",
        "correlation_id": None,
        "created_at": datetime.now(UTC).isoformat(),
        "payload": {"url": f"{fixture_site}/acmecoffee", "max_posts": 4},
    }
    async with api_running(settings) as stack:
        dead = stack.broker.topology.dead
        await dead.publish(
            aio_pika.Message(json.dumps(good).encode(), message_id="parked-0001"), "scrape.requests"
        )
        await stack.broker.topology.requests.publish(aio_pika.Message(b"junk"), SCRAPE_ROUTING_KEY)
        async with consumer_running(settings):
            async with asyncio.timeout(30):
                while True:
                    listing = await (
                        await stack.client.get("/v1/dead-letters", headers=AUTH)
                    ).json()
                    if len(listing["dead_letters"]) == 2:
                        break
                    await asyncio.sleep(0.2)
            by_reason = {d["reason"].split(":")[0]: d for d in listing["dead_letters"]}
            junk = by_reason["body is not UTF-8 JSON"]
            parked = next(d for d in listing["dead_letters"] if d is not junk)
            shown = await (
                await stack.client.get(f"/v1/dead-letters/{junk['id']}", headers=AUTH)
            ).json()
            assert shown["body"] == "junk"
            assert shown["headers"]["x-postwriter-error"].startswith("body is not UTF-8 JSON")

            resp = await stack.client.post(f"/v1/dead-letters/{junk['id']}/replay", headers=AUTH)
            assert resp.status == 422 and (await resp.json())["error"]["code"] == "not_replayable"

            resp = await stack.client.post(f"/v1/dead-letters/{parked['id']}/replay", headers=AUTH)
            assert resp.status == 202
            new_job = (await resp.json())["job_id"]
            assert (await watch(stack.client, new_job))[-1]["type"] == "job.succeeded"
            assert await stack.db.posts.count_documents({"job_ids": new_job}) == 4
            again = await stack.client.post(f"/v1/dead-letters/{parked['id']}/replay", headers=AUTH)
            assert again.status == 409


async def test_racing_finishers_produce_one_final_state_and_one_final_event(
    settings: Settings,
) -> None:
    """Consumer, API and reaper may all try to end a job; exactly one of them does."""
    from postwriter.models.job import JobStatus
    from postwriter.services.finish import finish_job

    async with api_running(settings) as stack:
        sink = EventSink(stack.db, stack.broker)
        for round_ in range(5):
            job_id = f"racejob{round_:03d}"
            doc = jobs.new_job_document(job_id, url="https://x.test/", adapter="auto", max_posts=1)
            await jobs.insert_job(stack.db, doc)
            statuses = [JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED] * 2
            error = {"code": "x", "message": "y"}
            wins = await asyncio.gather(
                *(
                    finish_job(stack.db, sink, job_id, s, error=error if s == "failed" else None)
                    for s in statuses
                )
            )
            assert sum(wins) == 1
            events = await jobs.events_after(stack.db, job_id)
            assert len(events) == 1
            job = await jobs.get_job(stack.db, job_id)
            assert job is not None
            assert events[0].type == f"job.{job['status']}"
