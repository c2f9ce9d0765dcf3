"""The audit log: security events (failed auth, role denials, key changes, session imports)."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import PyMongoError

from .database import Database, Document

log = logging.getLogger(__name__)


async def record(
    db: Database,
    event: str,
    *,
    actor: str | None,
    ip: str | None = None,
    method: str | None = None,
    path: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one event. A database failure is logged, never raised: auditing must not turn a
    refusal into a 500, and the log line keeps the event."""
    doc: Document = {
        "_id": uuid.uuid4().hex,
        "at": datetime.now(UTC),
        "event": event,
        "actor": actor,
        "ip": ip,
        "method": method,
        "path": path,
        "details": details or {},
    }
    try:
        await db.audit.insert_one(doc)
    except PyMongoError:
        log.warning("audit write failed", extra={"event": event, "actor": actor, "path": path})


async def listing(
    db: Database,
    *,
    limit: int,
    event: str | None = None,
    actor: str | None = None,
    before: datetime | None = None,
) -> list[Document]:
    query: dict[str, Any] = {}
    if event is not None:
        query["event"] = event
    if actor is not None:
        query["actor"] = actor
    if before is not None:
        query["at"] = {"$lt": before}
    return await db.audit.find(query).sort([("at", -1), ("_id", -1)]).limit(limit).to_list()


def public_event(doc: Document) -> dict[str, Any]:
    return {
        "id": doc["_id"],
        "at": doc["at"].isoformat(),
        "event": doc["event"],
        "actor": doc.get("actor"),
        "ip": doc.get("ip"),
        "method": doc.get("method"),
        "path": doc.get("path"),
        "details": doc.get("details") or {},
    }
