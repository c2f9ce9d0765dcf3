"""WebSocket protocol v1: close codes, limits and the messages the server sends.

The reference for clients is docs/websocket.md; keep the two in step.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from postwriter.models.job import JobEvent

WS_PROTOCOL = "postwriter.v1"

# Close codes. 1xxx are RFC 6455; 4xxx are ours (4000-4999 is the application range).
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001  # the server is shutting down
CLOSE_POLICY = 1008  # binary frame, repeated invalid ops, too many subscriptions
CLOSE_TOO_BIG = 1009  # a client frame above MAX_CLIENT_MESSAGE (sent by aiohttp)
CLOSE_INTERNAL = 1011  # the event log could not be read: reconnect and resume
CLOSE_OVERFLOW = 1013  # "try again later": the client did not keep up with its events
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_RATE_LIMITED = 4429

# A client frame larger than this closes the connection with 1009.
MAX_CLIENT_MESSAGE = 16 * 1024
# Job ids one subscribe or unsubscribe may list.
MAX_JOB_IDS_PER_OP = 100
# Invalid ops (bad JSON, unknown op, bad fields) tolerated before closing with 1008.
MAX_INVALID_OPS = 10
MAX_SOURCE_LENGTH = 2048
MAX_REQUEST_ID_LENGTH = 64

RequestId = str | int | None


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def timestamp(at: datetime) -> str:
    # Milliseconds: what the log stores, so a replayed and a live copy of an event agree.
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


def event_message(event: JobEvent) -> str:
    """An event as sent: its `type` is the event type (always dotted, e.g. `job.started`)."""
    return encode(
        {
            "type": event.type,
            "job_id": event.job_id,
            "seq": event.seq,
            "at": timestamp(event.at),
            "data": event.data,
        }
    )


def _with_id(message: dict[str, Any], request_id: RequestId) -> dict[str, Any]:
    if request_id is not None:
        message["id"] = request_id
    return message


def subscribed_job(
    job_id: str, after_seq: int, source: str | None, request_id: RequestId
) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "subscribed", "job_id": job_id, "after_seq": after_seq}
    if source is not None:
        message["source"] = source
    return _with_id(message, request_id)


def subscribed_source(source: str, request_id: RequestId) -> dict[str, Any]:
    return _with_id({"type": "subscribed", "source": source}, request_id)


def unsubscribed_job(job_id: str, reason: str, request_id: RequestId) -> dict[str, Any]:
    return _with_id({"type": "unsubscribed", "job_id": job_id, "reason": reason}, request_id)


def unsubscribed_source(source: str, job_ids: list[str], request_id: RequestId) -> dict[str, Any]:
    message = {"type": "unsubscribed", "source": source, "job_ids": job_ids, "reason": "requested"}
    return _with_id(message, request_id)


def pong(request_id: RequestId) -> dict[str, Any]:
    return _with_id({"type": "pong", "at": timestamp(datetime.now(UTC))}, request_id)


def heartbeat(interval_s: float) -> dict[str, Any]:
    return {"type": "heartbeat", "at": timestamp(datetime.now(UTC)), "interval_s": interval_s}


def error(
    code: str, message: str, *, job_id: str | None = None, request_id: RequestId = None
) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "error", "error": {"code": code, "message": message}}
    if job_id is not None:
        out["job_id"] = job_id
    return _with_id(out, request_id)
