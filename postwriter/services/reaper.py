"""Fail jobs stuck past their deadline: queued too long, or running with nobody running them."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from pymongo.errors import PyMongoError

from postwriter.models.job import EventType, JobStatus
from postwriter.observability.metrics import JOBS_FINISHED
from postwriter.services.events import EventSink
from postwriter.storage import jobs
from postwriter.storage.database import Database

log = logging.getLogger(__name__)
DEADLINE_CODE = "deadline_exceeded"


async def reap_once(db: Database, events: EventSink, now: datetime | None = None) -> int:
    """One sweep; returns how many jobs it failed. Safe to run in every replica at once."""
    now = now or datetime.now(UTC)
    reaped = 0
    for job in await jobs.overdue_jobs(db, now):
        was = job["status"]
        error = {
            "code": DEADLINE_CODE,
            "message": f"the job stayed {was} past its deadline; no consumer finished it",
        }
        if await jobs.finish(db, job["_id"], JobStatus.FAILED, error=error):
            reaped += 1
            JOBS_FINISHED.labels(status="failed", code=DEADLINE_CODE).inc()
            log.warning("reaped job", extra={"job_id": job["_id"], "was": was})
            data = {"error": error, "counts": job.get("counts", {})}
            await events.emit(job["_id"], EventType.FAILED, data, key=EventType.FAILED)
    return reaped


async def run_reaper(db: Database, events: EventSink, interval_s: float) -> None:
    """Sweep forever at `interval_s`; the owner cancels it on shutdown."""
    while True:
        try:
            await reap_once(db, events)
        except PyMongoError as exc:
            log.warning("reaper sweep failed", extra={"error": str(exc)})
        await asyncio.sleep(interval_s)
