"""Engagement over time: one metrics snapshot per post per job, and what they say."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import OperationFailure

from postwriter.models.post import Post
from postwriter.storage.database import Database, Document
from postwriter.storage.posts import DUPLICATE_KEY, UPSERT_BATCH, post_id


async def record_snapshots(db: Database, posts: Sequence[Post], job_id: str, at: datetime) -> None:
    """Append each post's figures as seen by this job; a redelivered job adds nothing more."""
    for start in range(0, len(posts), UPSERT_BATCH):
        updates = []
        for post in posts[start : start + UPSERT_BATCH]:
            pid = post_id(*post.key)
            snapshot = {
                "post_id": pid,
                "job_id": job_id,
                "at": at,
                "metrics": post.metrics.to_dict(),
            }
            updates.append(
                {"q": {"_id": f"{pid}:{job_id}"}, "u": {"$setOnInsert": snapshot}, "upsert": True}
            )
        reply = await db.db.command(
            {"update": db.snapshots.name, "updates": updates, "ordered": False}
        )
        errors = [e for e in reply.get("writeErrors") or [] if e.get("code") != DUPLICATE_KEY]
        if errors:
            raise OperationFailure(f"snapshot write failed: {errors[0].get('errmsg')}", 2, reply)


async def snapshots_of(db: Database, pid: str, limit: int = 500) -> list[Document]:
    found = db.snapshots.find({"post_id": pid}, projection={"_id": False, "post_id": False})
    return await found.sort("at", ASCENDING).limit(limit).to_list()


def velocity(published_at: datetime | None, snapshots: Sequence[Document]) -> dict[str, Any]:
    """Reactions per hour since posting, and between the last two snapshots."""
    out: dict[str, Any] = {"reactions_per_hour": None, "recent_reactions_per_hour": None}
    points = [(s["at"], s["metrics"].get("reactions")) for s in snapshots]
    points = [(at, r) for at, r in points if r is not None]
    if not points:
        return out
    last_at, last_reactions = points[-1]
    if published_at is not None:
        hours = (last_at - published_at).total_seconds() / 3600
        if hours > 0:
            out["reactions_per_hour"] = round(last_reactions / hours, 3)
    if len(points) >= 2:
        prev_at, prev_reactions = points[-2]
        hours = (last_at - prev_at).total_seconds() / 3600
        if hours > 0:
            out["recent_reactions_per_hour"] = round((last_reactions - prev_reactions) / hours, 3)
    return out


async def coverage(db: Database, job_id: str) -> dict[str, Any]:
    """What a job covered: posts found, new, updated, and the window of their dates."""
    docs = await db.posts.find(
        {"job_ids": job_id}, projection={"published_at": True, "first_job_id": True}
    ).to_list()
    dates = [d["published_at"] for d in docs if d.get("published_at") is not None]
    new = sum(1 for d in docs if d.get("first_job_id") == job_id)
    return {
        "posts_found": len(docs),
        "posts_new": new,
        "posts_updated": len(docs) - new,
        "oldest_published_at": min(dates) if dates else None,
        "newest_published_at": max(dates) if dates else None,
        "undated": len(docs) - len(dates),
    }
