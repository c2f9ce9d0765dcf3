"""Schedules on real RabbitMQ and MongoDB-wire: one job and one message per tick."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from postwriter.messaging.broker import Broker, open_broker
from postwriter.messaging.envelope import Envelope
from postwriter.schedules import store
from postwriter.schedules.runner import Scheduler, tick_job_id
from postwriter.security.egress import EgressPolicy
from postwriter.settings import Settings
from postwriter.storage import jobs
from postwriter.storage.database import Database, Document, open_database

pytestmark = pytest.mark.integration

URL = "https://www.example.com/acme"
T0 = datetime(2030, 1, 7, 9, 2, 30, tzinfo=UTC)  # fake time: tests never wait for the clock
REPLICAS = 3


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Crash(BaseException):
    """Stands for the process dying: nothing in the scheduler catches it."""


class CrashBeforePublish(Scheduler):
    async def publish(self, job: Document) -> None:
        raise Crash


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    async with open_database(settings) as database:
        await store.ensure_indexes(database)
        yield database


@pytest.fixture
async def broker(settings: Settings) -> AsyncIterator[Broker]:
    async with open_broker(settings) as opened:
        yield opened


@pytest.fixture
async def replicas(
    settings: Settings, db: Database, broker: Broker
) -> AsyncIterator[tuple[FakeClock, list[Scheduler]]]:
    """Scheduler replicas, each with its own MongoDB client and AMQP connection."""
    clock = FakeClock(T0)
    async with AsyncExitStack() as stack:
        runners = []
        for _ in range(REPLICAS):
            own_db = await stack.enter_async_context(open_database(settings, indexes=False))
            own_broker = await stack.enter_async_context(open_broker(settings))
            runners.append(Scheduler(settings, own_db, own_broker, clock=clock))
        await runners[0].ensure_indexes()
        yield clock, runners


async def create(db: Database, settings: Settings, **fields: Any) -> Document:
    now = fields.pop("now", T0)
    values: dict[str, Any] = {"name": "acme hourly", "url": URL, "cron_expr": "*/5 * * * *"}
    values.update(fields)
    return await store.create_schedule(db, EgressPolicy(settings.egress_allow), now=now, **values)


async def drain(broker: Broker) -> list[Envelope]:
    """Every message waiting in the scrape queue (nobody consumes it in these tests)."""
    found = []
    queue = broker.topology.scrape_queue
    while (message := await queue.get(fail=False, no_ack=True, timeout=5)) is not None:
        found.append(Envelope.parse(message.body, expected_type="scrape.request"))
    return found


async def scheduled_jobs(db: Database, schedule_id: str) -> list[Document]:
    return await db.jobs.find({"schedule_id": schedule_id}).sort("created_at", 1).to_list()


async def all_tick(runners: list[Scheduler]) -> None:
    await asyncio.gather(*(r.tick() for r in runners))


async def test_three_replicas_publish_each_tick_once(
    settings: Settings, db: Database, broker: Broker, replicas: tuple[FakeClock, list[Scheduler]]
) -> None:
    clock, runners = replicas
    schedule = await create(db, settings, max_posts=25)
    assert schedule["next_run_at"] == datetime(2030, 1, 7, 9, 5, tzinfo=UTC)

    await all_tick(runners)  # 09:02:30: nothing is due yet
    assert await scheduled_jobs(db, schedule["_id"]) == []

    ticks = [datetime(2030, 1, 7, 9, m, tzinfo=UTC) for m in (5, 10, 15)]
    for due in ticks:
        clock.now = due + timedelta(seconds=3)
        reports = await asyncio.gather(*(r.tick() for r in runners))
        assert sum(len(r.fired) for r in reports) == 1
        assert sum(r.claimed_elsewhere for r in reports) <= REPLICAS - 1
        assert sum(r.failed for r in reports) == 0

    found = await scheduled_jobs(db, schedule["_id"])
    assert [j["_id"] for j in found] == [tick_job_id(schedule["_id"], due) for due in ticks]
    assert [j["scheduled_for"] for j in found] == ticks
    newest_first = await store.jobs_of_schedule(db, schedule["_id"])
    assert [j["_id"] for j in newest_first] == [j["_id"] for j in reversed(found)]
    assert all(j["published_at"] is not None and j["status"] == "queued" for j in found)
    messages = await drain(broker)
    assert sorted(m.payload["job_id"] for m in messages) == sorted(j["_id"] for j in found)
    assert messages[0].payload == {
        "job_id": messages[0].payload["job_id"],
        "url": URL,
        "adapter": "auto",
        "max_posts": 25,
    }
    for job in found:
        events = await jobs.events_after(db, job["_id"])
        assert [e.type for e in events] == ["job.queued"]
        assert events[0].data["schedule_id"] == schedule["_id"]
    stored = await store.get_schedule(db, schedule["_id"])
    assert stored is not None
    assert stored["last_run_at"] == ticks[-1]
    assert stored["last_job_id"] == found[-1]["_id"]
    assert stored["next_run_at"] == datetime(2030, 1, 7, 9, 20, tzinfo=UTC)


async def test_missed_ticks_run_once_then_resume(
    settings: Settings, db: Database, broker: Broker, replicas: tuple[FakeClock, list[Scheduler]]
) -> None:
    clock, runners = replicas
    schedule = await create(db, settings)
    clock.now = T0 + timedelta(hours=3, minutes=1)  # 09:02:30 + 3h01: 36 ticks were missed
    await all_tick(runners)
    await all_tick(runners)
    found = await scheduled_jobs(db, schedule["_id"])
    assert len(found) == 1
    assert found[0]["scheduled_for"] == datetime(2030, 1, 7, 9, 5, tzinfo=UTC)
    stored = await store.get_schedule(db, schedule["_id"])
    assert stored is not None
    assert stored["next_run_at"] == datetime(2030, 1, 7, 12, 5, tzinfo=UTC)
    assert len(await drain(broker)) == 1


async def test_a_winner_that_dies_before_publishing_is_repaired_once_by_the_sweep(
    settings: Settings, db: Database, broker: Broker, replicas: tuple[FakeClock, list[Scheduler]]
) -> None:
    clock, runners = replicas
    schedule = await create(db, settings)
    due = schedule["next_run_at"]
    clock.now = due + timedelta(seconds=1)
    doomed = CrashBeforePublish(settings, db, broker, clock=clock)
    with pytest.raises(Crash):
        await doomed.tick()
    job_id = tick_job_id(schedule["_id"], due)
    job = await jobs.get_job(db, job_id)
    assert job is not None and job["published_at"] is None
    assert await drain(broker) == []

    # Still within the grace: the winner might be alive, so nobody republishes.
    clock.now = due + timedelta(seconds=runners[0].republish_after_s / 2)
    assert all(r.republished == [] for r in await asyncio.gather(*(r.tick() for r in runners)))
    assert await drain(broker) == []

    # A job submitted through the API is not the sweep's, however old and unpublished.
    api_job = jobs.new_job_document("api-job-0001", url=URL, adapter="auto", max_posts=5)
    api_job.update(created_at=due)
    await jobs.insert_job(db, api_job)

    clock.now = due + timedelta(seconds=runners[0].republish_after_s + 2)
    reports = await asyncio.gather(*(r.sweep(clock.now) for r in runners))
    assert sorted(len(r) for r in reports) == [0] * (REPLICAS - 1) + [1]
    messages = await drain(broker)
    assert [m.payload["job_id"] for m in messages] == [job_id]
    job = await jobs.get_job(db, job_id)
    assert job is not None and job["published_at"] is not None
    assert [e.type for e in await jobs.events_after(db, job_id)] == ["job.queued"]

    # Published now: later sweeps leave it alone.
    clock.now += timedelta(seconds=3 * runners[0].republish_after_s)
    await asyncio.gather(*(r.sweep(clock.now) for r in runners))
    assert await drain(broker) == []


async def test_a_job_inserted_before_a_crash_is_not_published_twice(
    settings: Settings, db: Database, broker: Broker, replicas: tuple[FakeClock, list[Scheduler]]
) -> None:
    """The winner died between the job insert and advancing the schedule."""
    clock, runners = replicas
    schedule = await create(db, settings)
    due = schedule["next_run_at"]
    job_id = tick_job_id(schedule["_id"], due)
    doc = jobs.new_job_document(job_id, url=URL, adapter="auto", max_posts=100)
    doc.update(created_at=due, schedule_id=schedule["_id"], scheduled_for=due)
    await jobs.insert_job(db, doc)

    clock.now = due + timedelta(seconds=1)
    reports = await asyncio.gather(*(r.tick() for r in runners))
    assert sum(len(r.fired) for r in reports) == 0
    assert sum(r.claimed_elsewhere for r in reports) >= 1
    assert await drain(broker) == []
    stored = await store.get_schedule(db, schedule["_id"])
    assert stored is not None and stored["next_run_at"] == due + timedelta(minutes=5)

    clock.now = due + timedelta(seconds=runners[0].republish_after_s + 1)
    await asyncio.gather(*(r.sweep(clock.now) for r in runners))
    assert [m.payload["job_id"] for m in await drain(broker)] == [job_id]


async def test_a_disabled_schedule_never_fires(
    settings: Settings, db: Database, broker: Broker, replicas: tuple[FakeClock, list[Scheduler]]
) -> None:
    clock, runners = replicas
    off = await create(db, settings, enabled=False)
    assert off["next_run_at"] is None
    paused = await create(db, settings, name="paused")
    await store.disable_schedule(db, paused["_id"], now=T0)
    for hours in (1, 2, 30):
        clock.now = T0 + timedelta(hours=hours)
        await all_tick(runners)
    assert await db.jobs.count_documents({}) == 0
    assert await drain(broker) == []

    resumed = await store.enable_schedule(db, paused["_id"], now=clock.now)
    assert resumed["next_run_at"] == clock.now.replace(second=0) + timedelta(minutes=3)
    clock.now = resumed["next_run_at"]
    await all_tick(runners)
    assert len(await scheduled_jobs(db, paused["_id"])) == 1
    assert await scheduled_jobs(db, off["_id"]) == []


async def test_the_scheduler_process_publishes_and_stops_on_request(
    settings: Settings, db: Database, broker: Broker
) -> None:
    from producers.scheduler import main

    now = datetime.now(UTC)
    schedule = await create(db, settings, now=now - timedelta(minutes=10))
    fast = dataclasses.replace(settings, scheduler_interval_s=0.2)
    stop = asyncio.Event()
    process = asyncio.create_task(main(fast, stop))
    try:
        async with asyncio.timeout(30):
            while not await scheduled_jobs(db, schedule["_id"]):
                await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.wait_for(process, 10)
    messages = await drain(broker)
    assert [m.payload["job_id"] for m in messages] == [
        j["_id"] for j in await scheduled_jobs(db, schedule["_id"])
    ]
    stored = await store.get_schedule(db, schedule["_id"])
    assert stored is not None and stored["next_run_at"] > now
