"""Job documents with conditional state transitions, and the per-job event log.

Every write here is safe to repeat: a redelivered message re-runs a job without changing
what already happened.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from postwriter.errors import ServiceUnavailable
from postwriter.models.job import ACTIVE_STATUSES, FINAL_EVENT_KEY, JobEvent, JobStatus
from postwriter.storage.database import Database, Document

_EVENT_RETRIES = 50


def _now() -> datetime:
    return datetime.now(UTC)


def new_job_document(
    job_id: str,
    *,
    url: str,
    adapter: str,
    max_posts: int,
    idempotency_key: str | None = None,
    principal: str | None = None,
    correlation_id: str | None = None,
    since: datetime | None = None,
    session_id: str | None = None,
    block_resources: bool = True,
    recipe_id: str | None = None,
    queued_deadline_s: float = 3600.0,
) -> Document:
    now = _now()
    return {
        "_id": job_id,
        "url": url,
        "adapter": adapter,
        "max_posts": max_posts,
        "since": since,
        "session_id": session_id,
        "block_resources": block_resources,
        "recipe_id": recipe_id,
        "status": JobStatus.QUEUED.value,
        "cancel_requested": False,
        "deadline_at": now + timedelta(seconds=queued_deadline_s),
        "coverage": None,
        "attempts": 0,
        "counts": {"posts_found": 0, "posts_new": 0, "posts_updated": 0, "pages": 0},
        "error": None,
        "idempotency_key": idempotency_key,
        "principal": principal,
        "correlation_id": correlation_id,
        "created_at": now,
        "updated_at": now,
        "started_at": None,
        "finished_at": None,
        "published_at": None,
    }


async def insert_job(db: Database, doc: Document) -> tuple[Document, bool]:
    """Insert unless a job with that id exists; return the stored job and whether it is new."""
    try:
        await db.jobs.insert_one(doc)
    except DuplicateKeyError:
        existing = await db.jobs.find_one({"_id": doc["_id"]})
        if existing is None:  # deleted in between: extremely unlikely, try once more
            await db.jobs.insert_one(doc)
            return doc, True
        return existing, False
    return doc, True


async def get_job(db: Database, job_id: str) -> Document | None:
    return await db.jobs.find_one({"_id": job_id})


async def mark_published(db: Database, job_id: str) -> None:
    await db.jobs.update_one(
        {"_id": job_id, "published_at": None}, {"$set": {"published_at": _now()}}
    )


async def start_attempt(db: Database, job_id: str, budget_s: float) -> Document | None:
    """queued|running → running. None when the job is final (a late redelivery) or cancelled.

    The deadline moves to the end of this attempt's budget (plus a minute of grace), so the
    reaper only fails a running job whose consumer has stopped caring for it.
    """
    now = _now()
    return await db.jobs.find_one_and_update(
        {
            "_id": job_id,
            "status": {"$in": list(ACTIVE_STATUSES)},
            "cancel_requested": {"$ne": True},
        },
        {
            "$set": {
                "status": JobStatus.RUNNING.value,
                "updated_at": now,
                "deadline_at": now + timedelta(seconds=budget_s + 60),
            },
            "$inc": {"attempts": 1},
        },
        return_document=ReturnDocument.AFTER,
    )


async def request_cancel(db: Database, job_id: str) -> Document | None:
    """Flag a queued or running job for cancellation; the job as it is now, or None."""
    return await db.jobs.find_one_and_update(
        {"_id": job_id, "status": {"$in": list(ACTIVE_STATUSES)}},
        {"$set": {"cancel_requested": True, "updated_at": _now()}},
        return_document=ReturnDocument.AFTER,
    )


async def cancel_requested(db: Database, job_id: str) -> bool:
    doc = await db.jobs.find_one({"_id": job_id}, projection={"cancel_requested": True})
    return bool(doc and doc.get("cancel_requested"))


async def overdue_jobs(db: Database, now: datetime, limit: int = 100) -> list[Document]:
    """Active jobs past their deadline: stuck in a state nobody is moving them out of."""
    found = db.jobs.find(
        {"status": {"$in": list(ACTIVE_STATUSES)}, "deadline_at": {"$lt": now}},
        projection={"_id": True, "status": True, "counts": True},
    )
    return await found.limit(limit).to_list()


async def set_started_at(db: Database, job_id: str) -> None:
    await db.jobs.update_one({"_id": job_id, "started_at": None}, {"$set": {"started_at": _now()}})


async def update_counts(db: Database, job_id: str, counts: dict[str, int]) -> None:
    await db.jobs.update_one(
        {"_id": job_id, "status": JobStatus.RUNNING.value},
        {"$set": {**{f"counts.{k}": v for k, v in counts.items()}, "updated_at": _now()}},
    )


async def record_final(
    db: Database,
    job_id: str,
    status: JobStatus,
    *,
    counts: dict[str, int] | None = None,
    error: dict[str, str] | None = None,
    coverage: dict[str, Any] | None = None,
) -> None:
    """Write a final state the caller has claimed (see services.finish.finish_job)."""
    now = _now()
    update: dict[str, Any] = {
        "status": status.value,
        "updated_at": now,
        "finished_at": now,
        "error": error,
    }
    if counts is not None:
        update.update({f"counts.{k}": v for k, v in counts.items()})
    if coverage is not None:
        update["coverage"] = coverage
    await db.jobs.update_one({"_id": job_id}, {"$set": update})


async def append_event(
    db: Database,
    job_id: str,
    type_: str,
    data: dict[str, Any] | None = None,
    *,
    key: str | None = None,
) -> JobEvent | None:
    """Append the next event of a job's log, gap-free.

    seq is the stored maximum plus one; the unique (job_id, seq) index makes concurrent
    writers retry instead of sharing a number. With `key`, the event is written at most once
    per job (None is returned when it already exists), which keeps redeliveries from
    repeating `job.queued` or a final event.
    """
    # StrEnum members would reach BSON as a subclass of str: store plain strings.
    type_ = str(type_)
    key = None if key is None else str(key)
    for _ in range(_EVENT_RETRIES):
        if key is not None and await db.events.find_one({"job_id": job_id, "key": key}):
            return None
        last = await db.events.find_one(
            {"job_id": job_id}, sort=[("seq", DESCENDING)], projection={"seq": True}
        )
        seq = (last["seq"] if last else 0) + 1
        event = JobEvent(job_id, seq, type_, _now(), data or {})
        doc = {
            "_id": f"{job_id}:{seq:010d}",
            "job_id": job_id,
            "seq": seq,
            "type": type_,
            "at": event.at,
            "data": event.data,
            "key": key if key is not None else f"#{seq}",
        }
        try:
            await db.events.insert_one(doc)
        except DuplicateKeyError:
            continue
        return event
    raise ServiceUnavailable(f"could not append an event to job {job_id}: too much contention")


async def events_after(
    db: Database, job_id: str, after_seq: int = 0, limit: int = 1000
) -> list[JobEvent]:
    found = db.events.find({"job_id": job_id, "seq": {"$gt": after_seq}}).sort("seq", ASCENDING)
    return [JobEvent.from_document(d) for d in await found.limit(limit).to_list()]


async def final_event(db: Database, job_id: str) -> JobEvent | None:
    doc = await db.events.find_one({"job_id": job_id, "key": FINAL_EVENT_KEY})
    return JobEvent.from_document(doc) if doc else None


def public_job(doc: Document) -> dict[str, Any]:
    """The job as the API shows it: no internal fields, ISO times."""

    def iso(value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime) else value

    return {
        "job_id": doc["_id"],
        "url": doc["url"],
        "adapter": doc["adapter"],
        "max_posts": doc["max_posts"],
        "since": iso(doc.get("since")),
        "session_id": doc.get("session_id"),
        "block_resources": doc.get("block_resources", True),
        "recipe_id": doc.get("recipe_id"),
        "status": doc["status"],
        "cancel_requested": doc.get("cancel_requested", False),
        "attempts": doc.get("attempts", 0),
        "counts": doc.get("counts", {}),
        "coverage": _iso_dict(doc.get("coverage")),
        "error": doc.get("error"),
        "deadline_at": iso(doc.get("deadline_at")),
        "schedule_id": doc.get("schedule_id"),
        "scheduled_for": iso(doc.get("scheduled_for")),
        "created_at": iso(doc.get("created_at")),
        "updated_at": iso(doc.get("updated_at")),
        "started_at": iso(doc.get("started_at")),
        "finished_at": iso(doc.get("finished_at")),
    }


def _iso_dict(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in value.items()}
