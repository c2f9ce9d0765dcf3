"""One scrape request from message to stored posts, with the retry decision the consumer acts on."""

from __future__ import annotations

import asyncio
import enum
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import PyMongoError

from postwriter.browser.pool import BrowserPool
from postwriter.browser.render import expand_truncated, guard_context, open_page, scroll_for_more
from postwriter.errors import PostWriterError, ServiceUnavailable, Timeout
from postwriter.extract.registry import extract_posts
from postwriter.messaging.envelope import Envelope
from postwriter.models.job import EventType, JobStatus, job_id_for_message
from postwriter.models.post import Post
from postwriter.observability.metrics import (
    JOBS_FINISHED,
    JOBS_IN_PROGRESS,
    PAGES_LOADED,
    POSTS_STORED,
    SCRAPE_DURATION,
)
from postwriter.security.egress import EgressPolicy
from postwriter.services.events import EventSink
from postwriter.settings import Settings
from postwriter.storage import jobs
from postwriter.storage.database import Database
from postwriter.storage.posts import count_job_posts, upsert_posts

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    ACK = "ack"  # done: succeeded, or failed for good with a reason on the job
    RETRY = "retry"  # transient: put back, within the queue's delivery limit


@dataclass(frozen=True, slots=True)
class ScrapeRequest:
    job_id: str
    url: str
    adapter: str
    max_posts: int
    correlation_id: str | None

    @classmethod
    def from_envelope(cls, envelope: Envelope) -> ScrapeRequest:
        payload = envelope.payload
        return cls(
            job_id=payload.get("job_id") or job_id_for_message(envelope.message_id),
            url=payload["url"],
            adapter=payload.get("adapter", "auto"),
            max_posts=int(payload.get("max_posts", 100)),
            correlation_id=envelope.correlation_id,
        )


class Scraper:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        events: EventSink,
        pool: BrowserPool,
        policy: EgressPolicy,
    ) -> None:
        self._settings = settings
        self._db = db
        self._events = events
        self._pool = pool
        self._policy = policy

    async def process(self, request: ScrapeRequest, *, deliveries: int) -> Outcome:
        """Run one delivery of a request. `deliveries` counts the earlier failed ones."""
        try:
            return await self._process(request, deliveries)
        except PyMongoError as exc:
            log.warning("database error", extra={"job_id": request.job_id, "error": str(exc)})
            return Outcome.RETRY

    async def _process(self, request: ScrapeRequest, deliveries: int) -> Outcome:
        await self._ensure_job(request)
        job = await jobs.start_attempt(self._db, request.job_id)
        if job is None:
            # Final already: a redelivery after the ack was lost. Make sure its event exists.
            await self._repair_final_event(request.job_id)
            return Outcome.ACK
        await jobs.set_started_at(self._db, request.job_id)
        await self._events.emit(
            request.job_id,
            EventType.STARTED,
            {"attempt": job["attempts"], "url": request.url},
            correlation_id=request.correlation_id,
        )
        JOBS_IN_PROGRESS.inc()
        started = asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout(self._settings.job_budget_s):
                counts = await self._scrape(request)
        except TimeoutError:
            await self._fail(request, Timeout("the job ran past its time budget"))
            return Outcome.ACK
        except PostWriterError as exc:
            attempts_left = self._settings.delivery_limit - deliveries
            if exc.retryable and attempts_left > 0:
                await self._events.emit(
                    request.job_id,
                    EventType.RETRYING,
                    {"error": exc.to_dict(), "attempts_left": attempts_left},
                    correlation_id=request.correlation_id,
                )
                await asyncio.sleep(min(2.0**deliveries, 30.0))
                return Outcome.RETRY
            await self._fail(request, exc)
            return Outcome.ACK
        finally:
            JOBS_IN_PROGRESS.dec()
            SCRAPE_DURATION.observe(asyncio.get_running_loop().time() - started)
        if await jobs.finish(self._db, request.job_id, JobStatus.SUCCEEDED, counts=counts):
            JOBS_FINISHED.labels(status="succeeded", code="").inc()
            await self._events.emit(
                request.job_id,
                EventType.SUCCEEDED,
                {"counts": counts},
                key=EventType.SUCCEEDED.value,
                correlation_id=request.correlation_id,
            )
        return Outcome.ACK

    async def _ensure_job(self, request: ScrapeRequest) -> None:
        """Requests published straight to the queue create their job here."""
        doc = jobs.new_job_document(
            request.job_id,
            url=request.url,
            adapter=request.adapter,
            max_posts=request.max_posts,
            correlation_id=request.correlation_id,
        )
        doc["published_at"] = doc["created_at"]
        _, created = await jobs.insert_job(self._db, doc)
        if created:
            await self._events.emit(
                request.job_id,
                EventType.QUEUED,
                {"url": request.url, "source": "amqp"},
                key=EventType.QUEUED.value,
                correlation_id=request.correlation_id,
            )

    async def _repair_final_event(self, job_id: str) -> None:
        job = await jobs.get_job(self._db, job_id)
        if job is None or await jobs.final_event(self._db, job_id) is not None:
            return
        if job["status"] == JobStatus.SUCCEEDED:
            await self._events.emit(
                job_id, EventType.SUCCEEDED, {"counts": job["counts"]}, key=EventType.SUCCEEDED
            )
        elif job["status"] == JobStatus.FAILED:
            await self._events.emit(
                job_id, EventType.FAILED, {"error": job["error"]}, key=EventType.FAILED
            )

    async def _fail(self, request: ScrapeRequest, exc: PostWriterError) -> None:
        error = {"code": exc.code, "message": exc.message}
        found, new = await count_job_posts(self._db, request.job_id)
        counts = {"posts_found": found, "posts_new": new, "posts_updated": found - new}
        log.info("job failed", extra={"job_id": request.job_id, "code": exc.code})
        if await jobs.finish(
            self._db, request.job_id, JobStatus.FAILED, counts=counts, error=error
        ):
            JOBS_FINISHED.labels(status="failed", code=exc.code).inc()
            await self._events.emit(
                request.job_id,
                EventType.FAILED,
                {"error": error, "counts": counts},
                key=EventType.FAILED.value,
                correlation_id=request.correlation_id,
            )

    async def _scrape(self, request: ScrapeRequest) -> dict[str, int]:
        await self._policy.check(request.url)
        fetched_at = datetime.now(UTC)
        stored: set[tuple[str, str, str]] = set()
        adapter = request.adapter
        pages = 0
        async with self._pool.context() as context:
            await guard_context(context, self._policy)
            page = await context.new_page()
            status = await open_page(page, request.url)
            self._pool.count_page()
            PAGES_LOADED.inc()
            pages += 1
            await self._events.emit(
                request.job_id,
                EventType.PAGE_LOADED,
                {"url": request.url, "status": status, "title": await page.title()},
                correlation_id=request.correlation_id,
            )

            async def store_visible() -> int:
                nonlocal adapter
                await expand_truncated(page)
                html = await page.content()
                adapter, posts = await asyncio.to_thread(
                    extract_posts, html, url=page.url, adapter=adapter, fetched_at=fetched_at
                )
                fresh = _unseen(posts, stored, request.max_posts)
                if fresh:
                    await self._store(request, fresh, stored)
                return len(stored)

            if request.adapter == "article":
                await store_visible()
            else:
                await scroll_for_more(
                    page,
                    want=request.max_posts,
                    idle_rounds=self._settings.scroll_idle_rounds,
                    wait_ms=self._settings.scroll_wait_ms,
                    max_wait_ms=int(self._settings.navigation_timeout_s * 1000),
                    on_round=store_visible,
                )
        found, new = await count_job_posts(self._db, request.job_id)
        return {
            "posts_found": found,
            "posts_new": new,
            "posts_updated": found - new,
            "pages": pages,
        }

    async def _store(
        self, request: ScrapeRequest, fresh: list[Post], stored: set[tuple[str, str, str]]
    ) -> None:
        try:
            result = await upsert_posts(self._db, fresh, request.job_id)
        except PyMongoError as exc:
            raise ServiceUnavailable(f"the database did not take the posts: {exc}") from None
        stored.update(p.key for p in fresh)
        POSTS_STORED.labels(result="new").inc(result.new)
        POSTS_STORED.labels(result="updated").inc(result.updated)
        data: dict[str, Any] = {
            "stored": len(fresh),
            "new": result.new,
            "total": len(stored),
            "max_posts": request.max_posts,
        }
        await jobs.update_counts(self._db, request.job_id, {"posts_found": len(stored)})
        await self._events.emit(
            request.job_id, EventType.POSTS_STORED, data, correlation_id=request.correlation_id
        )


def _unseen(posts: list[Post], stored: set[tuple[str, str, str]], limit: int) -> list[Post]:
    fresh: list[Post] = []
    for post in posts:
        if len(stored) + len(fresh) >= limit:
            break
        if post.key not in stored and all(p.key != post.key for p in fresh):
            fresh.append(post)
    return fresh
