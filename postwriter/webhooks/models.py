"""What webhooks and deliveries look like: stored fields, public JSON, payload bodies."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from postwriter.models.job import EventType, JobEvent
from postwriter.storage.database import Document

WEBHOOKS = "webhooks"
DELIVERIES = "webhook_deliveries"
# One insert per (delivery, attempt, due time): the claim that lets one dispatcher send it.
CLAIMS = "webhook_claims"

EVENT_TYPES = (
    EventType.SUCCEEDED.value,
    EventType.FAILED.value,
    EventType.ANALYSIS_DONE.value,
)
PING_TYPE = "webhook.ping"
MAX_WEBHOOKS = 100
MAX_URL_CHARS = 2048
MAX_DESCRIPTION_CHARS = 500
MAX_SOURCES = 50
USER_AGENT = "PostWriter-Webhooks/1"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def new_webhook_id() -> str:
    return uuid.uuid4().hex


def delivery_id_for(webhook_id: str, event_key: str) -> str:
    """The one delivery of an event to a webhook: a redelivered event finds the same id."""
    return hashlib.sha256(f"delivery\x00{webhook_id}\x00{event_key}".encode()).hexdigest()[:32]


def event_key(event: JobEvent) -> str:
    """An event's identity: its job and its place in the job's log."""
    return f"{event.job_id}:{event.seq}"


def secret_aad(webhook_id: str) -> bytes:
    """Binds a sealed secret to its webhook: a record moved to another webhook will not open."""
    return b"postwriter.webhook.secret.v1\x00" + webhook_id.encode("utf-8")


def ms(moment: datetime) -> datetime:
    """BSON dates keep milliseconds; truncate so what is returned equals what is read back."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def utcnow() -> datetime:
    return ms(datetime.now(UTC))


def iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def source_matches(sources: list[str], url: str | None) -> bool:
    """No sources: every job. Otherwise the job's URL equals one or starts with it."""
    if not sources:
        return True
    return url is not None and any(url.startswith(prefix) for prefix in sources)


def event_body(delivery_id: str, webhook_id: str, event: JobEvent, job: Document | None) -> str:
    """The JSON a receiver gets for a job event (byte-identical on every attempt)."""
    body = {
        "id": delivery_id,
        "type": event.type,
        "occurred_at": event.at.isoformat(),
        "webhook_id": webhook_id,
        "job": {
            "job_id": event.job_id,
            "seq": event.seq,
            "url": job.get("url") if job else None,
            "adapter": job.get("adapter") if job else None,
            "status": job.get("status") if job else None,
        },
        "data": event.data,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str)


def ping_body(delivery_id: str, webhook_id: str, at: datetime) -> str:
    body = {
        "id": delivery_id,
        "type": PING_TYPE,
        "occurred_at": at.isoformat(),
        "webhook_id": webhook_id,
        "job": None,
        "data": {"message": "a test delivery from PostWriter"},
    }
    return json.dumps(body, separators=(",", ":"))


def public_webhook(doc: Document) -> dict[str, Any]:
    secret = doc.get("secret") or {}
    return {
        "webhook_id": doc["_id"],
        "url": doc["url"],
        "events": list(doc.get("events") or []),
        "sources": list(doc.get("sources") or []),
        "description": doc.get("description") or "",
        "enabled": bool(doc.get("enabled")),
        "created_at": iso(doc.get("created_at")),
        "updated_at": iso(doc.get("updated_at")),
        "created_by": doc.get("created_by"),
        "secret_rotated_at": iso(secret.get("rotated_at")),
        "previous_secret_expires_at": iso(secret.get("previous_expires_at")),
    }


def public_attempt(attempt: Document) -> dict[str, Any]:
    return {
        "attempt": attempt["attempt"],
        "started_at": iso(attempt.get("started_at")),
        "duration_ms": attempt.get("duration_ms"),
        "status_code": attempt.get("status_code"),
        "error": attempt.get("error"),
        "message": attempt.get("message"),
    }


def public_delivery(doc: Document) -> dict[str, Any]:
    return {
        "delivery_id": doc["_id"],
        "webhook_id": doc["webhook_id"],
        "event_type": doc["event_type"],
        "job_id": doc.get("job_id"),
        "status": doc["status"],
        "attempt_count": len(doc.get("attempts") or []),
        "attempts": [public_attempt(a) for a in doc.get("attempts") or []],
        "next_attempt_at": iso(doc.get("next_attempt_at"))
        if doc["status"] == DeliveryStatus.PENDING
        else None,
        "created_at": iso(doc.get("created_at")),
        "finished_at": iso(doc.get("finished_at")),
    }
