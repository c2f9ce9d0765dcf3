"""Idempotent post writes keyed by (platform, source, external_id)."""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import OperationFailure

from postwriter.errors import InvalidRequest, ServiceUnavailable
from postwriter.models.post import Post
from postwriter.storage.database import Database, Document

DUPLICATE_KEY = 11000
_RACE_RETRIES = 8
# FerretDB 1.24 (SQLite) stalls on one `update` command of about 100 updates; MongoDB
# caps a command at 16 MiB. 50 posts a command stays far from both.
UPSERT_BATCH = 50
_CURSOR = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True, slots=True)
class UpsertResult:
    new: int
    updated: int


def _updates(posts: Sequence[Post], job_id: str, now: datetime) -> list[dict[str, Any]]:
    updates = []
    for post in posts:
        doc = post.to_document()
        doc["last_seen_at"] = now
        doc["job_id"] = job_id
        updates.append(
            {
                # Filtering on _id, not the three key fields: FerretDB answers _id lookups
                # from its primary key but scans the collection for anything else.
                "q": {"_id": post_id(*post.key)},
                "u": {
                    "$set": doc,
                    "$setOnInsert": {"first_seen_at": now, "first_job_id": job_id},
                    "$addToSet": {"job_ids": job_id},
                },
                "upsert": True,
            }
        )
    return updates


async def upsert_posts(db: Database, posts: Sequence[Post], job_id: str) -> UpsertResult:
    """Insert new posts, refresh known ones. Running it twice changes nothing more."""
    now = datetime.now(UTC)
    new = updated = 0
    for start in range(0, len(posts), UPSERT_BATCH):
        result = await _upsert_batch(db, _updates(posts[start : start + UPSERT_BATCH], job_id, now))
        new, updated = new + result.new, updated + result.updated
    return UpsertResult(new, updated)


async def _upsert_batch(db: Database, updates: list[dict[str, Any]]) -> UpsertResult:
    """One `update` command, its reply read by hand.

    FerretDB answers a batch that lost an insert race with a write error and no counts (the
    batch is rolled back), which PyMongo's bulk_write cannot merge. Either server: the loser
    retries and now updates the winner's documents.
    """
    new = updated = 0
    for _ in range(_RACE_RETRIES):
        reply = await db.db.command({"update": db.posts.name, "updates": updates, "ordered": False})
        upserted = len(reply.get("upserted") or [])
        new += upserted
        updated += int(reply.get("n", upserted)) - upserted
        errors = reply.get("writeErrors") or []
        if not errors:
            return UpsertResult(new=new, updated=updated)
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise OperationFailure(f"post upsert failed: {errors[0].get('errmsg')}", 2, reply)
        if "n" in reply:  # MongoDB applied the rest: redo only the losers
            updates = [updates[e["index"]] for e in errors]
        await asyncio.sleep(random.uniform(0.005, 0.05))
    raise ServiceUnavailable("post upsert kept losing insert races; try again")


def post_id(platform: str, source: str, external_id: str) -> str:
    """The document id: a digest of the natural key, the same in every run and process."""
    digest = hashlib.sha256(f"{platform}\x00{source}\x00{external_id}".encode())
    return digest.hexdigest()[:32]


def decode_cursor(cursor: str) -> str:
    if not _CURSOR.fullmatch(cursor):
        raise InvalidRequest("cursor is not one this API returned", field="cursor")
    return cursor


async def page_of_posts(
    db: Database, job_id: str, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """One page of a job's posts in a stable order, and the cursor of the next page."""
    query: dict[str, Any] = {"job_ids": job_id}
    if cursor:
        query["_id"] = {"$gt": decode_cursor(cursor)}
    found = db.posts.find(query, projection={"job_ids": False}).sort("_id", ASCENDING)
    docs = await found.limit(limit + 1).to_list()
    more = len(docs) > limit
    docs = docs[:limit]
    next_cursor = str(docs[-1]["_id"]) if more and docs else None
    return docs, next_cursor


async def count_job_posts(db: Database, job_id: str) -> tuple[int, int]:
    """Posts seen by a job, and how many of them it was first to store (exact across retries)."""
    found = await db.posts.count_documents({"job_ids": job_id})
    new = await db.posts.count_documents({"first_job_id": job_id})
    return found, new
