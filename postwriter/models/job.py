"""Jobs, their states, and the events of their log."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


class EventType(StrEnum):
    QUEUED = "job.queued"
    STARTED = "job.started"
    PAGE_LOADED = "page.loaded"
    POSTS_STORED = "posts.stored"
    RETRYING = "job.retrying"
    SUCCEEDED = "job.succeeded"
    FAILED = "job.failed"
    CANCELLED = "job.cancelled"
    ANALYSIS_DONE = "analysis.done"


FINAL_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})
ACTIVE_STATUSES = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)
FINAL_EVENTS = {
    JobStatus.SUCCEEDED: EventType.SUCCEEDED,
    JobStatus.FAILED: EventType.FAILED,
    JobStatus.CANCELLED: EventType.CANCELLED,
}
# Every final event is logged under this one key: whichever of succeeded, failed or
# cancelled is written first is the only one (FerretDB's conditional updates can let two
# writers both "win" a state change; its unique indexes cannot be raced).
FINAL_EVENT_KEY = "final"
ADAPTERS = ("auto", "facebook", "article", "feed", "recipe")


def new_job_id() -> str:
    return uuid.uuid4().hex


def job_id_for_key(principal: str, idempotency_key: str) -> str:
    """The same client and key always name the same job, so a retried POST finds it."""
    digest = hashlib.sha256(f"{principal}\x00{idempotency_key}".encode()).hexdigest()
    return digest[:32]


def job_id_for_message(message_id: str) -> str:
    """A request published without a job id gets one derived from its message id."""
    return hashlib.sha256(f"msg\x00{message_id}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class JobEvent:
    job_id: str
    seq: int
    type: str
    at: datetime
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "seq": self.seq,
            "type": self.type,
            "at": self.at.isoformat(),
            "data": self.data,
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> JobEvent:
        return cls(doc["job_id"], doc["seq"], doc["type"], doc["at"], doc.get("data") or {})
