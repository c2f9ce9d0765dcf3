"""Dead letters: parked in MongoDB so they can be listed, inspected and replayed.

RabbitMQ cannot browse a queue, so the dead-letter queue is drained into the
`dead_letters` collection (insert, then ack: nothing is lost, a crash in between only
archives a message twice under the same id). A replay publishes the request again as a new
job, so the failed job's history stays as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from aio_pika.abc import AbstractIncomingMessage
from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError

from postwriter.errors import InvalidMessage, NotFound, PostWriterError
from postwriter.messaging.broker import Broker
from postwriter.messaging.envelope import Envelope
from postwriter.models.job import new_job_id
from postwriter.services.events import EventSink
from postwriter.services.scrape_request import ScrapeRequest
from postwriter.services.submission import submit_job
from postwriter.storage.database import Database, Document

log = logging.getLogger(__name__)
GET_TIMEOUT_S = 5.0


class AlreadyReplayed(PostWriterError):
    code = "already_replayed"
    http_status = 409


class NotReplayable(PostWriterError):
    code = "not_replayable"
    http_status = 422


def _plain(value: Any) -> Any:
    """AMQP header values as JSON: bytes to text, times to ISO strings."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _reason(headers: dict[str, Any]) -> str:
    if "x-postwriter-error" in headers:
        return str(headers["x-postwriter-error"])
    deaths = headers.get("x-death") or []
    if deaths and isinstance(deaths[0], dict):
        return f"broker: {deaths[0].get('reason', 'unknown')}"
    return "unknown"


def _document(message: AbstractIncomingMessage) -> Document:
    headers = _plain(dict(message.headers or {}))
    body = message.body.decode("utf-8", "replace")
    deaths = headers.get("x-death") or []
    count = deaths[0].get("count", 0) if deaths and isinstance(deaths[0], dict) else 0
    key = f"{message.message_id}\x00{body}\x00{count}\x00{_reason(headers)}"
    return {
        "_id": hashlib.sha256(key.encode()).hexdigest()[:32],
        "message_id": message.message_id,
        "body": body,
        "headers": headers,
        "reason": _reason(headers),
        "archived_at": datetime.now(UTC),
        "replayed_at": None,
        "replayed_as": [],
    }


async def archive(broker: Broker, db: Database, limit: int = 500) -> int:
    """Move up to `limit` messages from the dead-letter queue into MongoDB."""
    moved = 0
    while moved < limit:
        message = await broker.topology.dead_queue.get(fail=False, timeout=GET_TIMEOUT_S)
        if message is None:
            break
        with contextlib.suppress(DuplicateKeyError):  # archived before an ack was lost
            await db.dead_letters.insert_one(_document(message))
        await message.ack()
        moved += 1
    return moved


def public(doc: Document, *, with_body: bool = False) -> dict[str, Any]:
    out = {
        "id": doc["_id"],
        "message_id": doc.get("message_id"),
        "reason": doc["reason"],
        "archived_at": doc["archived_at"].isoformat(),
        "replayed_at": doc["replayed_at"].isoformat() if doc.get("replayed_at") else None,
        "replayed_as": doc.get("replayed_as", []),
    }
    if with_body:
        out["body"] = doc["body"]
        out["headers"] = doc["headers"]
    return out


async def listing(db: Database, limit: int = 50) -> list[Document]:
    found = db.dead_letters.find({}).sort("archived_at", DESCENDING).limit(limit)
    return await found.to_list()


async def get(db: Database, letter_id: str) -> Document:
    doc = await db.dead_letters.find_one({"_id": letter_id})
    if doc is None:
        raise NotFound(f"no dead letter {letter_id}")
    return doc


async def replay(
    broker: Broker,
    db: Database,
    events: EventSink,
    letter_id: str,
    *,
    queued_deadline_s: float,
    force: bool = False,
) -> str:
    """Submit the parked request again as a new job; returns the new job id."""
    doc = await get(db, letter_id)
    try:
        envelope = Envelope.parse(doc["body"].encode(), expected_type="scrape.request")
        parked = ScrapeRequest.from_envelope(envelope)
    except InvalidMessage as exc:
        raise NotReplayable(f"the parked message is not a valid request: {exc.message}") from None
    claims = db.db["dead_letter_replays"]
    if not force:
        # The first replay is claimed by an insert: two at once cannot both go through.
        try:
            await claims.insert_one({"_id": letter_id})
        except DuplicateKeyError:
            raise AlreadyReplayed(
                f"dead letter {letter_id} was replayed already (force to repeat)"
            ) from None
    job_id = new_job_id()
    try:
        await submit_job(
            db,
            events,
            broker,
            replace(parked, job_id=job_id),
            queued_deadline_s=queued_deadline_s,
            headers={"x-postwriter-replay-of": letter_id},
        )
    except BaseException:
        if not force:  # not replayed after all: let the next try claim it
            await claims.delete_one({"_id": letter_id})
        raise
    await db.dead_letters.update_one(
        {"_id": letter_id},
        {"$set": {"replayed_at": datetime.now(UTC)}, "$push": {"replayed_as": job_id}},
    )
    log.info("replayed dead letter", extra={"letter": letter_id, "job_id": job_id})
    return job_id


def pretty(doc: Document) -> str:
    return json.dumps(public(doc, with_body=True), indent=2, ensure_ascii=False)
