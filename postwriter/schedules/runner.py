"""Firing due schedules: one job and one publish per tick, however many schedulers run.

FerretDB 1.24 does not make a conditional update atomic: several clients that race on
`update_one({_id, next_run_at: due}, ...)` can all see it apply (measured: 5 racers, up to 5
"winners"). A unique `_id` insert is atomic on MongoDB and FerretDB alike, so the claim on a
tick is the insert of its job, whose id is derived from `(schedule_id, due tick)`. Only the
replica whose insert created the job publishes it. The schedule's `next_run_at` is then
advanced with a conditional update, which every replica may attempt: it is idempotent.

Crash safety. A replica that dies after inserting the job leaves it queued and unpublished;
the sweep republishes such jobs once they are older than `republish_after_s`, claiming each
republish round with another unique insert (`schedule_sweeps`), so replicas do not publish
it twice. A replica that dies before the insert leaves the schedule due: the next pass
fires the same tick (same job id).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError, PyMongoError

from postwriter.errors import InvalidMessage, PostWriterError
from postwriter.messaging.broker import Broker
from postwriter.messaging.envelope import Envelope
from postwriter.messaging.topology import SCRAPE_ROUTING_KEY
from postwriter.models.job import EventType, JobStatus
from postwriter.schedules import cron
from postwriter.schedules.store import collection as schedules
from postwriter.services.events import EventSink
from postwriter.services.finish import finish_job
from postwriter.services.scrape_request import ScrapeRequest
from postwriter.settings import Settings
from postwriter.storage import jobs
from postwriter.storage.database import Database, Document

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
SWEEPS = "schedule_sweeps"
PRINCIPAL = "scheduler"
DUE_BATCH = 100
SWEEP_BATCH = 50


def utcnow() -> datetime:
    return datetime.now(UTC)


def tick_job_id(schedule_id: str, due: datetime) -> str:
    """The job of one tick: every replica derives the same id, so only one insert wins."""
    stamp = int(due.astimezone(UTC).timestamp())
    return hashlib.sha256(f"schedule\x00{schedule_id}\x00{stamp}".encode()).hexdigest()[:32]


@dataclass
class TickReport:
    """What one pass did on this replica."""

    fired: list[str] = field(default_factory=list)  # jobs created and published here
    claimed_elsewhere: int = 0  # due ticks whose job another replica created
    republished: list[str] = field(default_factory=list)  # unpublished jobs swept here
    failed: int = 0  # schedules that raised (retried on the next pass or by the sweep)


class Scheduler:
    """One scheduler replica. `tick()` is one pass; `run()` loops until `stop` is set."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        broker: Broker,
        *,
        clock: Clock = utcnow,
        republish_after_s: float | None = None,
        events: EventSink | None = None,
    ) -> None:
        self._settings = settings
        self._db = db
        self._broker = broker
        self._clock = clock
        self._events = events or EventSink(db, broker)
        # One schedule's fire (a few database writes and a confirmed publish) ends within
        # this budget or is cancelled: the sweep never races a live winner.
        self.fire_budget_s = 4 * settings.db_timeout_s + settings.publish_timeout_s
        self.republish_after_s = (
            republish_after_s
            if republish_after_s is not None
            else max(60.0, 2 * self.fire_budget_s)
        )
        self._last_sweep: datetime | None = None

    @property
    def sweeps(self) -> AsyncCollection[Document]:
        return self._db.db[SWEEPS]

    async def ensure_indexes(self) -> None:
        await self.sweeps.create_index([("job_id", ASCENDING)], name="by_job")

    # -- the loop ---------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Pass, then wait `scheduler_interval_s` (or until stopped); errors never end it."""
        interval = self._settings.scheduler_interval_s
        pass_budget = max(interval, self.fire_budget_s) * 4
        while not stop.is_set():
            try:
                async with asyncio.timeout(pass_budget):
                    report = await self.tick()
                if report.fired or report.republished or report.failed:
                    log.info(
                        "scheduler pass",
                        extra={
                            "fired": len(report.fired),
                            "republished": len(report.republished),
                            "failed": report.failed,
                        },
                    )
            except (PostWriterError, PyMongoError, TimeoutError) as exc:
                log.warning("scheduler pass failed", extra={"error": str(exc)})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    async def tick(self) -> TickReport:
        """Fire every due schedule once, then sweep if it is time to."""
        now = self._clock()
        report = TickReport()
        for doc in await self.due(now):
            try:
                async with asyncio.timeout(self.fire_budget_s):
                    job_id = await self.fire(doc, now)
            except (PostWriterError, PyMongoError, TimeoutError) as exc:
                report.failed += 1
                log.warning(
                    "schedule not fired",
                    extra={"schedule_id": doc["_id"], "error": str(exc) or type(exc).__name__},
                )
                continue
            if job_id is None:
                report.claimed_elsewhere += 1
            else:
                report.fired.append(job_id)
        if self._sweep_due(now):
            self._last_sweep = now
            report.republished = await self.sweep(now)
        return report

    def _sweep_due(self, now: datetime) -> bool:
        if self._last_sweep is None or now < self._last_sweep:
            return True
        return now - self._last_sweep >= timedelta(seconds=self.republish_after_s / 2)

    async def due(self, now: datetime) -> list[Document]:
        found = (
            schedules(self._db)
            .find({"enabled": True, "next_run_at": {"$lte": now}})
            .sort("next_run_at", ASCENDING)
            .limit(DUE_BATCH)
        )
        return await found.to_list()

    # -- one tick of one schedule -----------------------------------------------------------

    async def fire(self, schedule: Document, now: datetime) -> str | None:
        """Claim the tick `schedule['next_run_at']`; publish its job if the claim is ours.

        Returns the job id when this replica created and published it, None when another
        replica holds the claim. Missed ticks (the scheduler was down) collapse into one:
        the stored tick runs, and the next one is the first tick after `now`.
        """
        schedule_id: str = schedule["_id"]
        due: datetime = schedule["next_run_at"]
        try:
            following = cron.next_after(schedule["cron"], schedule["timezone"], max(now, due))
        except (PostWriterError, ValueError) as exc:
            await self._park(schedule, now, str(exc))
            return None
        job_id = tick_job_id(schedule_id, due)
        doc = jobs.new_job_document(
            job_id,
            url=schedule["url"],
            adapter=schedule["adapter"],
            max_posts=schedule["max_posts"],
            principal=PRINCIPAL,
            correlation_id=job_id,
            session_id=schedule.get("session_id"),
            recipe_id=schedule.get("recipe_id"),
            block_resources=schedule.get("block_resources", True),
            queued_deadline_s=self._settings.queued_deadline_s,
        )
        # The scheduler's clock, not the wall clock, dates its jobs (tests inject one).
        doc.update(created_at=now, updated_at=now, schedule_id=schedule_id, scheduled_for=due)
        if "deadline_at" in doc:
            doc["deadline_at"] = now + timedelta(seconds=self._settings.queued_deadline_s)
        stored, created = await jobs.insert_job(self._db, doc)
        # Idempotent; the claim itself was the insert above.
        await schedules(self._db).update_one(
            {"_id": schedule_id, "enabled": True, "next_run_at": due},
            {
                "$set": {
                    "next_run_at": following,
                    "last_run_at": due,
                    "last_job_id": job_id,
                    "updated_at": now,
                }
            },
        )
        if not created:
            return None
        await self._events.emit(
            job_id,
            EventType.QUEUED,
            {
                "url": stored["url"],
                "adapter": stored["adapter"],
                "schedule_id": schedule_id,
                "scheduled_for": due.isoformat(),
            },
            key=EventType.QUEUED,
            correlation_id=job_id,
        )
        await self.publish(stored)
        return job_id

    async def _park(self, schedule: Document, now: datetime, reason: str) -> None:
        """A stored schedule that can no longer be evaluated is disabled, not retried forever."""
        log.error("schedule disabled", extra={"schedule_id": schedule["_id"], "error": reason})
        await schedules(self._db).update_one(
            {"_id": schedule["_id"], "next_run_at": schedule["next_run_at"]},
            {"$set": {"enabled": False, "next_run_at": None, "updated_at": now}},
        )

    async def publish(self, job: Document) -> None:
        """Publish the job's `scrape.request` with confirms, then mark it published."""
        payload = ScrapeRequest.from_job(job).to_payload()
        envelope = Envelope.new("scrape.request", payload, correlation_id=job.get("correlation_id"))
        try:
            # The consumer would dead-letter what breaks the schema: fail the job here instead.
            Envelope.parse(envelope.to_bytes(), expected_type="scrape.request")
        except InvalidMessage as exc:
            await self._fail(job["_id"], exc.message)
            return
        await self._broker.publish(self._broker.topology.requests, envelope, SCRAPE_ROUTING_KEY)
        await jobs.mark_published(self._db, job["_id"])

    async def _fail(self, job_id: str, reason: str) -> None:
        error = {"code": "invalid_request", "message": f"scheduled request rejected: {reason}"}
        log.error("scheduled job failed", extra={"job_id": job_id, "error": reason})
        await finish_job(self._db, self._events, job_id, JobStatus.FAILED, error=error)

    # -- repair -----------------------------------------------------------------------------

    async def sweep(self, now: datetime) -> list[str]:
        """Republish scheduled jobs left queued and unpublished by a replica that died.

        Each republish round of a job is claimed by inserting `<job_id>:<round>` into
        `schedule_sweeps`; a round starts only when the previous one is older than
        `republish_after_s`. Jobs older than `queued_deadline_s` are the reaper's.
        """
        cutoff = now - timedelta(seconds=self.republish_after_s)
        oldest = now - timedelta(seconds=self._settings.queued_deadline_s)
        found = (
            self._db.jobs.find(
                {
                    "schedule_id": {"$ne": None},
                    "status": JobStatus.QUEUED.value,
                    "published_at": None,
                    "created_at": {"$lte": cutoff, "$gte": oldest},
                }
            )
            .sort("created_at", ASCENDING)
            .limit(SWEEP_BATCH)
        )
        republished: list[str] = []
        for job in await found.to_list():
            try:
                async with asyncio.timeout(self.fire_budget_s):
                    if await self._republish(job, now, cutoff):
                        republished.append(job["_id"])
            except (PostWriterError, PyMongoError, TimeoutError) as exc:
                log.warning("republish failed", extra={"job_id": job["_id"], "error": str(exc)})
        with contextlib.suppress(PyMongoError):
            await self.sweeps.delete_many({"at": {"$lt": oldest}})
        return republished

    async def _republish(self, job: Document, now: datetime, cutoff: datetime) -> bool:
        job_id: str = job["_id"]
        last = await self.sweeps.find_one({"job_id": job_id}, sort=[("round", DESCENDING)])
        if last is not None and last["at"] > cutoff:
            return False  # the previous round is recent: give its publish time to land
        round_ = (last["round"] if last else 0) + 1
        try:
            await self.sweeps.insert_one(
                {"_id": f"{job_id}:{round_:04d}", "job_id": job_id, "round": round_, "at": now}
            )
        except DuplicateKeyError:
            return False  # another replica took this round
        current = await jobs.get_job(self._db, job_id)
        if (
            current is None
            or current.get("published_at") is not None
            or current["status"] != JobStatus.QUEUED.value
        ):
            return False
        log.info("republishing scheduled job", extra={"job_id": job_id, "round": round_})
        # The winner may have died before appending job.queued (keyed: written at most once).
        await self._events.emit(
            job_id,
            EventType.QUEUED,
            {
                "url": current["url"],
                "adapter": current["adapter"],
                "schedule_id": current.get("schedule_id"),
            },
            key=EventType.QUEUED,
            correlation_id=job_id,
        )
        await self.publish(current)
        return True
