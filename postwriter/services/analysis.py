"""Marketing analysis of stored posts: per-post features, then per-page aggregates.

Per post (on `posts.stored`): cleaned text, language, marketing or not, hooks, calls to
action, tone. Per page (on `job.succeeded`): engagement scores and outliers, effects,
topics, the voice vector and templates. Every write is keyed (post id, page id, template
id), so running it again changes nothing that is already right.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from postwriter.analysis.classify import classify
from postwriter.analysis.cleaning import clean_text
from postwriter.analysis.engagement import effects, score_posts
from postwriter.analysis.templates import mine_templates
from postwriter.analysis.tone import tone, voice
from postwriter.analysis.topics import find_topics
from postwriter.storage.database import Database, Document

log = logging.getLogger(__name__)
ANALYSIS_VERSION = 1
MAX_PAGE_POSTS = 20000


def _text_hash(text: str) -> str:
    return hashlib.sha256(f"v{ANALYSIS_VERSION}\x00{text}".encode()).hexdigest()[:16]


def analyse_post(post: Document) -> dict[str, Any]:
    """The features of one post (pure); `skipped` says why when there is no usable text."""
    text = post.get("text") or ""
    result = classify(text)
    cleaned = clean_text(text)
    features: dict[str, Any] = {
        "version": ANALYSIS_VERSION,
        "text_hash": _text_hash(text),
        "clean_text": cleaned,
        **result.to_json(),
        "tone": tone(cleaned, result.language) if not result.skipped else None,
        "analysed_at": datetime.now(UTC),
    }
    return features


@dataclass(frozen=True, slots=True)
class Aggregate:
    page: dict[str, Any]
    templates: list[dict[str, Any]]


def aggregate(posts: list[Document], followers: int | None, source: str) -> Aggregate:
    """Pure and CPU-bound: scores (written into each post's analysis), effects, topics,
    voice and templates of one page's analysed posts."""
    scores = score_posts(posts, followers)
    by_id = {s.external_id: s for s in scores}
    topics = find_topics(posts, scores)
    topic_of = {post_id: t.topic_id for t in topics for post_id in t.post_ids}
    for post in posts:
        score = by_id.get(post["external_id"])
        post["analysis"]["engagement"] = score.to_json() if score else None
        post["analysis"]["topic_id"] = topic_of.get(post["external_id"])
    templates = mine_templates(posts, source=source)
    tones = [p["analysis"]["tone"] for p in posts if p["analysis"].get("tone")]
    page = {
        "followers": followers,
        "posts_analysed": len(posts),
        "marketing_posts": sum(
            1 for p in posts if (p["analysis"].get("is_marketing") or {}).get("value")
        ),
        "voice": voice(tones),
        "effects": {k: [e.to_json() for e in v] for k, v in effects(posts, scores).items()},
        "topics": [t.to_json() for t in topics],
        "outliers": [s.external_id for s in scores if s.outlier],
    }
    return Aggregate(page, [t.to_json() for t in templates])


@dataclass(frozen=True, slots=True)
class PageReport:
    page_id: str
    posts: int
    topics: int
    templates: int


def page_id(platform: str, source: str) -> str:
    return f"{platform}:{source}"


class Analyzer:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def analyse_job_posts(self, job_id: str) -> int:
        """Analyse the job's posts that are new or whose text changed; returns how many."""
        found = self._db.posts.find(
            {"job_ids": job_id}, projection={"text": True, "analysis.text_hash": True}
        )
        changed = [
            post
            for post in await found.to_list()
            if (post.get("analysis") or {}).get("text_hash") != _text_hash(post.get("text") or "")
        ]
        features = await asyncio.to_thread(lambda: [analyse_post(p) for p in changed])
        for post, feature in zip(changed, features, strict=True):
            await self._db.posts.update_one({"_id": post["_id"]}, {"$set": {"analysis": feature}})
        return len(changed)

    async def pages_of_job(self, job_id: str) -> list[tuple[str, str]]:
        docs = await self._db.posts.find(
            {"job_ids": job_id}, projection={"platform": True, "source": True}
        ).to_list()
        return sorted({(d["platform"], d["source"]) for d in docs})

    async def refresh_page(self, platform: str, source: str) -> PageReport:
        """Recompute a page's scores, effects, topics, voice and templates from its posts."""
        pid = page_id(platform, source)
        posts = (
            await self._db.posts.find(
                {"platform": platform, "source": source, "analysis": {"$exists": True}},
                projection={"job_ids": False, "first_job_id": False},
            )
            .limit(MAX_PAGE_POSTS)
            .to_list()
        )
        page = await self._db.pages.find_one({"_id": pid}) or {}
        # CPU work (NMF, template mining) off the event loop: heartbeats keep flowing.
        result = await asyncio.to_thread(aggregate, posts, page.get("followers"), source)
        for post in posts:
            await self._db.posts.update_one(
                {"_id": post["_id"]},
                {
                    "$set": {
                        "analysis.engagement": post["analysis"].get("engagement"),
                        "analysis.topic_id": post["analysis"].get("topic_id"),
                    }
                },
            )
        await self._store_templates(platform, source, result.templates)
        report = {
            "platform": platform,
            "source": source,
            **result.page,
            "analysed_at": datetime.now(UTC),
        }
        await self._db.pages.update_one({"_id": pid}, {"$set": report}, upsert=True)
        return PageReport(pid, len(posts), len(result.page["topics"]), len(result.templates))

    async def _store_templates(
        self, platform: str, source: str, templates: list[dict[str, Any]]
    ) -> None:
        """Upsert by stable template id; drop the page's templates that no longer exist."""
        now = datetime.now(UTC)
        keep = []
        for template in templates:
            keep.append(template["template_id"])
            await self._db.templates.update_one(
                {"_id": template["template_id"]},
                {
                    "$set": {**template, "platform": platform, "updated_at": now},
                    "$setOnInsert": {"created_at": now},
                },
                upsert=True,
            )
        await self._db.templates.delete_many(
            {"platform": platform, "source": source, "_id": {"$nin": keep}}
        )
