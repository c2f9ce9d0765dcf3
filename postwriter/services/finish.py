"""The one way a job reaches a final state: succeeded, failed or cancelled.

The claim is the insert of the job's single final event (unique `(job_id, key)`): atomic on
MongoDB and FerretDB alike, whereas FerretDB's conditional updates can let two writers both
"win". Whoever inserts the event owns the transition and writes it on the job document; a
crash in between is repaired from the event by `repair_from_final_event`.
"""

from __future__ import annotations

from typing import Any

from postwriter.models.job import FINAL_EVENT_KEY, FINAL_EVENTS, JobStatus
from postwriter.observability.metrics import JOBS_FINISHED
from postwriter.services.events import EventSink
from postwriter.storage import jobs
from postwriter.storage.database import Database

_STATUS_OF_EVENT = {event.value: status for status, event in FINAL_EVENTS.items()}


async def finish_job(
    db: Database,
    events: EventSink,
    job_id: str,
    status: JobStatus,
    *,
    counts: dict[str, int] | None = None,
    error: dict[str, str] | None = None,
    coverage: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    correlation_id: str | None = None,
) -> bool:
    """True when this call made the job final; False when it was final already."""
    job = await jobs.get_job(db, job_id)
    if job is None or JobStatus(job["status"]).is_final:
        return False
    payload: dict[str, Any] = dict(data or {})
    if counts is not None:
        payload["counts"] = counts
    if error is not None:
        payload["error"] = error
    event = await jobs.append_event(db, job_id, FINAL_EVENTS[status], payload, key=FINAL_EVENT_KEY)
    if event is None:
        return False
    await jobs.record_final(db, job_id, status, counts=counts, error=error, coverage=coverage)
    JOBS_FINISHED.labels(status=status.value, code=error["code"] if error else "").inc()
    await events.publish(event, correlation_id)
    return True


async def repair_from_final_event(db: Database, job_id: str) -> bool:
    """An active job whose final event exists: write the state the event recorded."""
    job = await jobs.get_job(db, job_id)
    event = await jobs.final_event(db, job_id)
    if job is None or event is None or JobStatus(job["status"]).is_final:
        return False
    await jobs.record_final(
        db,
        job_id,
        _STATUS_OF_EVENT[event.type],
        counts=event.data.get("counts"),
        error=event.data.get("error"),
        coverage=event.data.get("coverage"),
    )
    return True
