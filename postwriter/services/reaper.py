"""Fail jobs stuck past their deadline: queued too long, or running with nobody running them."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from pymongo.errors import PyMongoError

from postwriter.models.job import JobStatus
from postwriter.services.events import EventSink
from postwriter.services.finish import finish_job, repair_from_final_event
from postwriter.storage import jobs
from postwriter.storage.database import Database

log = logging.getLogger(__name__)
DEADLINE_CODE = "deadline_exceeded"


async def reap_once(db: Database, events: EventSink, now: datetime | None = None) -> int:
    """One sweep; returns how many jobs it failed. Safe to run in every replica at once."""
    now = now or datetime.now(UTC)
    reaped = 0
    for job in await jobs.overdue_jobs(db, now):
        if await repair_from_final_event(db, job["_id"]):
            continue  # it did finish; only the job document lagged behind
        was = job["status"]
        error = {
            "code": DEADLINE_CODE,
            "message": f"the job stayed {was} past its deadline; no consumer finished it",
        }
        if await finish_job(
            db, events, job["_id"], JobStatus.FAILED, error=error, counts=job.get("counts")
        ):
            reaped += 1
            log.warning("reaped job", extra={"job_id": job["_id"], "was": was})
    return reaped


async def run_reaper(db: Database, events: EventSink, interval_s: float) -> None:
    """Sweep forever at `interval_s`; the owner cancels it on shutdown."""
    while True:
        try:
            await reap_once(db, events)
        except PyMongoError as exc:
            log.warning("reaper sweep failed", extra={"error": str(exc)})
        await asyncio.sleep(interval_s)
