"""The `webhook_deliveries` collection: one record per (webhook, event), with its attempts.

A delivery's `_id` is derived from the webhook and the event, so the insert is the
idempotent step: an AMQP message delivered twice finds the record there and creates
nothing. A pending delivery carries `next_attempt_at`; dispatchers pick the due ones.

Two dispatchers may see the same delivery due. The right to attempt it is claimed by
inserting `<delivery>:<attempt>:<due time in ms>` into `webhook_claims`: a unique insert is
atomic on MongoDB and FerretDB alike (a conditional update is not on FerretDB 1.24). The
winner then moves `next_attempt_at` past a lease, so nobody else sees it due while the POST
runs; if the winner dies, the lease runs out, the due time is new, and a new claim wins.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from postwriter.errors import InvalidRequest
from postwriter.storage.database import Database, Document

from .models import CLAIMS, DELIVERIES, DeliveryStatus

CLAIM_RETENTION = timedelta(days=1)
# Finished deliveries are purged after this (FerretDB has no TTL indexes).
DELIVERY_RETENTION = timedelta(days=30)
MAX_CURSOR_CHARS = 512


def encode_cursor(doc: Document) -> str:
    stamp = int(doc["created_at"].timestamp() * 1000)
    return base64.urlsafe_b64encode(f"{stamp}:{doc['_id']}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        stamp, _, delivery_id = raw.partition(":")
        created = datetime.fromtimestamp(int(stamp) / 1000, UTC)
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError, OSError):
        raise InvalidRequest("cursor is not one this API returned", field="cursor") from None
    if not delivery_id:
        raise InvalidRequest("cursor is not one this API returned", field="cursor")
    return created, delivery_id


class DeliveryStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    @property
    def collection(self) -> AsyncCollection[Document]:
        return self._db.db[DELIVERIES]

    @property
    def claims(self) -> AsyncCollection[Document]:
        return self._db.db[CLAIMS]

    async def ensure_indexes(self) -> None:
        """Plain indexes only (MongoDB 7 and FerretDB 1.24); uniqueness comes from `_id`."""
        await self.collection.create_index(
            [("webhook_id", ASCENDING), ("created_at", DESCENDING)], name="by_webhook"
        )
        await self.collection.create_index(
            [("status", ASCENDING), ("next_attempt_at", ASCENDING)], name="due"
        )

    async def create(
        self,
        *,
        delivery_id: str,
        webhook_id: str,
        event_type: str,
        body: str,
        job_id: str | None,
        now: datetime,
    ) -> bool:
        """Insert a pending delivery, due now; False if it exists already (a redelivery)."""
        doc: Document = {
            "_id": delivery_id,
            "webhook_id": webhook_id,
            "event_type": event_type,
            "job_id": job_id,
            "body": body,
            "status": DeliveryStatus.PENDING.value,
            "attempts": [],
            "next_attempt_at": now,
            "created_at": now,
            "finished_at": None,
        }
        try:
            await self.collection.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def get(self, delivery_id: str) -> Document | None:
        return await self.collection.find_one({"_id": delivery_id})

    async def page(
        self,
        webhook_id: str,
        limit: int,
        cursor: str | None = None,
        status: str | None = None,
    ) -> tuple[list[Document], str | None]:
        """A page of a webhook's deliveries, newest first, and the cursor of the next page."""
        query: dict[str, Any] = {"webhook_id": webhook_id}
        if status is not None:
            query["status"] = status
        if cursor:
            created, last_id = decode_cursor(cursor[:MAX_CURSOR_CHARS])
            query["$or"] = [
                {"created_at": {"$lt": created}},
                {"created_at": created, "_id": {"$lt": last_id}},
            ]
        found = self.collection.find(query, {"body": 0}).sort(
            [("created_at", DESCENDING), ("_id", DESCENDING)]
        )
        docs = await found.limit(limit + 1).to_list()
        more = len(docs) > limit
        docs = docs[:limit]
        return docs, encode_cursor(docs[-1]) if more and docs else None

    async def due(self, now: datetime, limit: int, exclude: set[str]) -> list[Document]:
        query: dict[str, Any] = {
            "status": DeliveryStatus.PENDING.value,
            "next_attempt_at": {"$lte": now},
        }
        if exclude:
            query["_id"] = {"$nin": sorted(exclude)}
        found = self.collection.find(query).sort("next_attempt_at", ASCENDING)
        return await found.limit(limit).to_list()

    async def next_due_at(self) -> datetime | None:
        doc = await self.collection.find_one(
            {"status": DeliveryStatus.PENDING.value},
            {"next_attempt_at": 1},
            sort=[("next_attempt_at", ASCENDING)],
        )
        when = doc.get("next_attempt_at") if doc else None
        return when if isinstance(when, datetime) else None

    async def claim(self, doc: Document, now: datetime, lease: timedelta) -> bool:
        """True if this caller won the right to make the delivery's next attempt.

        A claim whose winner died before moving the due time would block the delivery for
        good; so each further `lease` that the delivery stays due at the same time opens a
        new round with a new claim id.
        """
        due: datetime = doc["next_attempt_at"]
        attempt = len(doc.get("attempts") or []) + 1
        claim_id = f"{doc['_id']}:{attempt}:{int(due.timestamp() * 1000)}"
        rounds = int(max(0.0, (now - due).total_seconds()) // max(lease.total_seconds(), 1.0))
        if rounds:
            claim_id += f":r{rounds}"
        try:
            await self.claims.insert_one(
                {"_id": claim_id, "delivery_id": doc["_id"], "claimed_at": now}
            )
        except DuplicateKeyError:
            return False
        return True

    async def hold(self, delivery_id: str, until: datetime) -> None:
        """Move the due time past the attempt's lease (only the claim's winner calls this)."""
        await self.collection.update_one(
            {"_id": delivery_id, "status": DeliveryStatus.PENDING.value},
            {"$set": {"next_attempt_at": until}},
        )

    async def record(
        self,
        delivery_id: str,
        attempts: list[Document],
        status: DeliveryStatus,
        next_attempt_at: datetime | None,
        now: datetime,
    ) -> None:
        """Write the attempts so far and what comes next (only the claim's winner writes)."""
        final = status != DeliveryStatus.PENDING
        await self.collection.update_one(
            {"_id": delivery_id},
            {
                "$set": {
                    "attempts": attempts,
                    "status": status.value,
                    "next_attempt_at": None if final else next_attempt_at,
                    "finished_at": now if final else None,
                }
            },
        )

    async def pending_count(self) -> int:
        return await self.collection.count_documents({"status": DeliveryStatus.PENDING.value})

    async def purge(self, now: datetime) -> None:
        """Drop old claims and long-finished deliveries (the schedule stands in for TTL)."""
        await self.claims.delete_many({"claimed_at": {"$lt": now - CLAIM_RETENTION}})
        await self.collection.delete_many(
            {
                "status": {"$ne": DeliveryStatus.PENDING.value},
                "finished_at": {"$lt": now - DELIVERY_RETENTION},
            }
        )
