"""Idempotent writes and the gap-free event log, on the real MongoDB-wire server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from postwriter.models.job import JobStatus
from postwriter.models.post import Metrics, Post
from postwriter.settings import Settings
from postwriter.storage import jobs
from postwriter.storage.database import Database, open_database
from postwriter.storage.posts import count_job_posts, upsert_posts

pytestmark = pytest.mark.integration


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    async with open_database(settings) as database:
        yield database


def _post(n: int, reactions: int = 1) -> Post:
    return Post(
        platform="facebook",
        source="acme",
        external_id=f"id{n}",
        url=f"https://www.facebook.com/acme/posts/id{n}",
        text=f"post {n}\n\nsecond paragraph #tag",
        metrics=Metrics(reactions=reactions, comments=2),
    )


async def test_upserting_twice_stores_each_post_once(db: Database) -> None:
    posts = [_post(n) for n in range(5)]
    first = await upsert_posts(db, posts, "job-aaaaaaaa")
    again = await upsert_posts(db, posts, "job-aaaaaaaa")
    assert (first.new, first.updated) == (5, 0)
    assert (again.new, again.updated) == (0, 5)
    assert await db.posts.count_documents({}) == 5


async def test_a_later_job_updates_figures_and_keeps_first_seen(db: Database) -> None:
    await upsert_posts(db, [_post(1, reactions=1)], "job-aaaaaaaa")
    before = await db.posts.find_one({"external_id": "id1"})
    await upsert_posts(db, [_post(1, reactions=99), _post(2)], "job-bbbbbbbb")
    after = await db.posts.find_one({"external_id": "id1"})
    assert before is not None and after is not None
    assert after["metrics"]["reactions"] == 99
    assert after["first_seen_at"] == before["first_seen_at"]
    assert after["last_seen_at"] >= before["last_seen_at"]
    assert sorted(after["job_ids"]) == ["job-aaaaaaaa", "job-bbbbbbbb"]
    assert await count_job_posts(db, "job-bbbbbbbb") == (2, 1)


async def test_concurrent_writers_of_the_same_posts_do_not_duplicate(db: Database) -> None:
    posts = [_post(n) for n in range(20)]
    await asyncio.gather(*(upsert_posts(db, posts, f"job-{i:08d}") for i in range(4)))
    assert await db.posts.count_documents({}) == 20


async def test_event_seqs_are_gap_free_under_concurrency(db: Database) -> None:
    job_id = "job-cccccccc"
    await asyncio.gather(
        *(jobs.append_event(db, job_id, "posts.stored", {"n": i}) for i in range(15))
    )
    events = await jobs.events_after(db, job_id)
    assert [e.seq for e in events] == list(range(1, 16))
    assert sorted(e.data["n"] for e in events) == list(range(15))


async def test_keyed_events_are_written_once(db: Database) -> None:
    job_id = "job-dddddddd"
    first = await jobs.append_event(db, job_id, "job.queued", key="job.queued")
    second = await jobs.append_event(db, job_id, "job.queued", key="job.queued")
    assert first is not None and first.seq == 1
    assert second is None
    assert len(await jobs.events_after(db, job_id)) == 1


async def test_a_final_job_is_not_started_again(db: Database) -> None:
    doc = jobs.new_job_document("job-eeeeeeee", url="https://x.test/", adapter="auto", max_posts=5)
    _, created = await jobs.insert_job(db, doc)
    assert created
    assert (await jobs.insert_job(db, doc))[1] is False
    assert (await jobs.start_attempt(db, "job-eeeeeeee", 60) or {})["attempts"] == 1
    await jobs.record_final(db, "job-eeeeeeee", JobStatus.SUCCEEDED, counts={"pages": 1})
    assert await jobs.start_attempt(db, "job-eeeeeeee", 60) is None
    final = await jobs.get_job(db, "job-eeeeeeee")
    assert final is not None and final["status"] == "succeeded"


async def test_large_batches_are_split_and_counted(db: Database) -> None:
    posts = [_post(n) for n in range(230)]
    first = await upsert_posts(db, posts, "job-ffffffff")
    again = await upsert_posts(db, posts, "job-ffffffff")
    assert (first.new, first.updated) == (230, 0)
    assert (again.new, again.updated) == (0, 230)
    assert await db.posts.count_documents({}) == 230
