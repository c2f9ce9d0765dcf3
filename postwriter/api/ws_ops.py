"""Client ops of WebSocket protocol v1, parsed from untrusted JSON into typed values.

Pure: no I/O. A malformed op raises `BadOp`; the connection answers with an `error` message
and counts it towards the invalid-op limit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .ws_protocol import (
    MAX_JOB_IDS_PER_OP,
    MAX_REQUEST_ID_LENGTH,
    MAX_SOURCE_LENGTH,
    RequestId,
)
from .ws_sources import source_key

JOB_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_TARGETS = ("job_id", "job_ids", "source")
_ALLOWED_KEYS = {
    "subscribe": {"op", "id", "after_seq", *_TARGETS},
    "unsubscribe": {"op", "id", *_TARGETS},
    "ping": {"op", "id"},
}


class BadOp(Exception):
    def __init__(self, message: str, request_id: RequestId = None) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id


@dataclass(frozen=True, slots=True)
class Subscribe:
    # Job id → after_seq, in the order the client gave them; empty for a source.
    jobs: dict[str, int]
    # The normalised source URL, or None for a job subscription.
    source: str | None
    request_id: RequestId


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    job_ids: tuple[str, ...]
    source: str | None
    request_id: RequestId


@dataclass(frozen=True, slots=True)
class Ping:
    request_id: RequestId


Op = Subscribe | Unsubscribe | Ping


def parse_op(text: str) -> Op:
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        # ValueError covers bad JSON and over-long integers; RecursionError deep nesting.
        raise BadOp("the message is not JSON") from None
    if not isinstance(raw, dict):
        raise BadOp("the message must be a JSON object")
    request_id = _request_id(raw.get("id"))
    name = raw.get("op")
    if not isinstance(name, str) or name not in _ALLOWED_KEYS:
        raise BadOp("op must be subscribe, unsubscribe or ping", request_id)
    unknown = sorted(set(raw) - _ALLOWED_KEYS[name])
    if unknown:
        raise BadOp(f"unknown field {unknown[0]!r} for op {name}", request_id)
    if name == "ping":
        return Ping(request_id)
    targets = [t for t in _TARGETS if t in raw]
    if len(targets) != 1:
        raise BadOp("give exactly one of job_id, job_ids or source", request_id)
    target = targets[0]
    if target == "source":
        if "after_seq" in raw:
            raise BadOp("after_seq goes with job_id or job_ids, not source", request_id)
        source = _source(raw["source"], request_id)
        if name == "subscribe":
            return Subscribe({}, source, request_id)
        return Unsubscribe((), source, request_id)
    ids = _job_ids(raw[target], target, request_id)
    if name == "unsubscribe":
        return Unsubscribe(tuple(ids), None, request_id)
    after = _after_seq(raw.get("after_seq"), ids, target, request_id)
    return Subscribe({job_id: after.get(job_id, 0) for job_id in ids}, None, request_id)


def _request_id(value: Any) -> RequestId:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadOp("id must be a string or an integer")
    if isinstance(value, str) and len(value) > MAX_REQUEST_ID_LENGTH:
        raise BadOp(f"id may be at most {MAX_REQUEST_ID_LENGTH} characters")
    if isinstance(value, int) and abs(value) > 2**53:
        raise BadOp("id is too large")
    return value


def _source(value: Any, request_id: RequestId) -> str:
    if not isinstance(value, str) or len(value) > MAX_SOURCE_LENGTH:
        raise BadOp(f"source must be a URL of at most {MAX_SOURCE_LENGTH} characters", request_id)
    key = source_key(value)
    if key is None:
        raise BadOp("source must be an http or https URL", request_id)
    return key


def _job_ids(value: Any, target: str, request_id: RequestId) -> list[str]:
    items = [value] if target == "job_id" else value
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_JOB_IDS_PER_OP:
        raise BadOp(f"job_ids must be a list of 1 to {MAX_JOB_IDS_PER_OP} job ids", request_id)
    ids: list[str] = []
    for item in items:
        if not isinstance(item, str) or not JOB_ID.match(item):
            raise BadOp(f"{target} must hold job ids (8-64 of A-Z a-z 0-9 _ -)", request_id)
        if item not in ids:
            ids.append(item)
    return ids


def _after_seq(value: Any, ids: list[str], target: str, request_id: RequestId) -> dict[str, int]:
    if value is None:
        return {}
    if target == "job_id":
        return {ids[0]: _seq(value, request_id)}
    if not isinstance(value, dict):
        raise BadOp("with job_ids, after_seq is an object: {job_id: seq}", request_id)
    for job_id in value:
        if job_id not in ids:
            raise BadOp(f"after_seq names {job_id!r}, which is not in job_ids", request_id)
    return {job_id: _seq(seq, request_id) for job_id, seq in value.items()}


def _seq(value: Any, request_id: RequestId) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
        raise BadOp("after_seq must be a whole number >= 0", request_id)
    return value
