"""One scrape request from message to stored posts, with the retry decision the consumer acts on."""

from __future__ import annotations

import asyncio
import enum
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from playwright.async_api import Error as PlaywrightError
from pymongo.errors import PyMongoError

from postwriter.browser.pool import BrowserPool
from postwriter.browser.render import expand_truncated, guard_context, open_page, scroll_for_more
from postwriter.errors import (
    BrowserCrashed,
    PageLoadFailed,
    PostWriterError,
    ServiceUnavailable,
    Timeout,
)
from postwriter.extract.registry import extract_posts
from postwriter.models.job import EventType, JobStatus
from postwriter.models.post import Post
from postwriter.observability.metrics import (
    JOBS_IN_PROGRESS,
    PAGES_LOADED,
    POSTS_STORED,
    SCRAPE_DURATION,
)
from postwriter.security.egress import EgressPolicy
from postwriter.services.events import EventSink
from postwriter.services.finish import finish_job, repair_from_final_event
from postwriter.services.scrape_request import ScrapeRequest
from postwriter.settings import Settings
from postwriter.storage import jobs
from postwriter.storage.database import Database
from postwriter.storage.history import coverage, record_snapshots
from postwriter.storage.posts import upsert_posts

log = logging.getLogger(__name__)

__all__ = ["Outcome", "ScrapeRequest", "Scraper"]


class Outcome(enum.Enum):
    ACK = "ack"  # done: succeeded, cancelled, or failed for good with a reason on the job
    RETRY = "retry"  # transient: put back, within the queue's delivery limit


class JobCancelled(Exception):
    """Raised between pages when the job's cancel flag is set."""


@dataclass
class _Attempt:
    request: ScrapeRequest
    fetched_at: datetime
    adapter: str
    stored: set[tuple[str, str, str]] = field(default_factory=set)
    pages: int = 0


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
        job = await jobs.start_attempt(self._db, request.job_id, self._settings.job_budget_s)
        if job is None:
            # Final already (a redelivery after the ack was lost), or cancelled while queued.
            await self._settle_without_running(request)
            return Outcome.ACK
        await jobs.set_started_at(self._db, request.job_id)
        await self._emit(
            request, EventType.STARTED, {"attempt": job["attempts"], "url": request.url}
        )
        JOBS_IN_PROGRESS.inc()
        started = asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout(self._settings.job_budget_s):
                pages = await self._scrape(request)
        except JobCancelled:
            await self._finish(request, JobStatus.CANCELLED)
            return Outcome.ACK
        except TimeoutError:
            await self._finish(
                request, JobStatus.FAILED, Timeout("the job ran past its time budget")
            )
            return Outcome.ACK
        except PostWriterError as exc:
            attempts_left = self._settings.delivery_limit - deliveries
            if exc.retryable and attempts_left > 0:
                data = {"error": exc.to_dict(), "attempts_left": attempts_left}
                await self._emit(request, EventType.RETRYING, data)
                await asyncio.sleep(min(2.0**deliveries, 30.0))
                return Outcome.RETRY
            await self._finish(request, JobStatus.FAILED, exc)
            return Outcome.ACK
        finally:
            JOBS_IN_PROGRESS.dec()
            SCRAPE_DURATION.observe(asyncio.get_running_loop().time() - started)
        await self._finish(request, JobStatus.SUCCEEDED, pages=pages)
        return Outcome.ACK

    async def _emit(
        self, request: ScrapeRequest, type_: EventType, data: dict[str, Any], key: str | None = None
    ) -> None:
        await self._events.emit(
            request.job_id, type_, data, key=key, correlation_id=request.correlation_id
        )

    async def _ensure_job(self, request: ScrapeRequest) -> None:
        """Requests published straight to the queue create their job here."""
        doc = jobs.new_job_document(
            request.job_id,
            url=request.url,
            adapter=request.adapter,
            max_posts=request.max_posts,
            correlation_id=request.correlation_id,
            since=request.since,
            session_id=request.session_id,
            block_resources=request.block_resources,
            recipe_id=request.recipe_id,
            queued_deadline_s=self._settings.queued_deadline_s,
        )
        doc["published_at"] = doc["created_at"]
        _, created = await jobs.insert_job(self._db, doc)
        if created:
            data = {"url": request.url, "source": "amqp"}
            await self._emit(request, EventType.QUEUED, data, key=EventType.QUEUED)

    async def _settle_without_running(self, request: ScrapeRequest) -> None:
        job = await jobs.get_job(self._db, request.job_id)
        if job is None:
            return
        if job["status"] in (JobStatus.QUEUED, JobStatus.RUNNING) and job.get("cancel_requested"):
            await self._finish(request, JobStatus.CANCELLED)
            return
        await repair_from_final_event(self._db, request.job_id)

    async def _finish(
        self,
        request: ScrapeRequest,
        status: JobStatus,
        exc: PostWriterError | None = None,
        pages: int = 0,
    ) -> None:
        report = await coverage(self._db, request.job_id)
        counts = {k: report.pop(k) for k in ("posts_found", "posts_new", "posts_updated")}
        if pages:
            counts["pages"] = pages
        error = None
        if exc is not None:
            error = {"code": exc.code, "message": exc.message}
            log.info("job failed", extra={"job_id": request.job_id, "code": exc.code})
        await finish_job(
            self._db,
            self._events,
            request.job_id,
            status,
            counts=counts,
            error=error,
            coverage=report,
            data={"coverage": _jsonable(report)},
            correlation_id=request.correlation_id,
        )

    async def _scrape(self, request: ScrapeRequest) -> int:
        """Render, scroll, extract and store; returns the pages loaded."""
        await self._policy.check(request.url)
        attempt = _Attempt(request, datetime.now(UTC), request.adapter)
        try:
            async with self._pool.context() as context:
                await guard_context(
                    context,
                    self._policy,
                    block_heavy=request.block_resources,
                    proxied=self._pool.proxied,
                )
                page = await context.new_page()
                status = await open_page(page, request.url)
                self._pool.count_page()
                PAGES_LOADED.inc()
                attempt.pages += 1
                title = await page.title()
                data = {"url": request.url, "status": status, "title": title}
                await self._emit(request, EventType.PAGE_LOADED, data)

                async def store_visible() -> int:
                    if await jobs.cancel_requested(self._db, request.job_id):
                        raise JobCancelled
                    await expand_truncated(page)
                    return await self._store_round(attempt, await page.content(), page.url)

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
        except PlaywrightError as exc:
            if not self._pool.connected:
                raise BrowserCrashed("Chromium went away during the job") from None
            raise PageLoadFailed(f"the browser failed on the page: {exc.message}") from None
        return attempt.pages

    async def _store_round(self, attempt: _Attempt, html: str, url: str) -> int:
        """Store what is visible now; the count seen so far (max_posts once `since` is passed)."""
        request = attempt.request
        attempt.adapter, posts = await asyncio.to_thread(
            extract_posts, html, url=url, adapter=attempt.adapter, fetched_at=attempt.fetched_at
        )
        reached_since = False
        if request.since is not None:
            dated = [p for p in posts if p.published_at is not None]
            reached_since = any(p.published_at < request.since for p in dated)  # type: ignore[operator]
            posts = [p for p in posts if p.published_at is None or p.published_at >= request.since]
        fresh = _unseen(posts, attempt.stored, request.max_posts)
        if fresh:
            await self._store(attempt, fresh)
        return request.max_posts if reached_since else len(attempt.stored)

    async def _store(self, attempt: _Attempt, fresh: list[Post]) -> None:
        request = attempt.request
        try:
            result = await upsert_posts(self._db, fresh, request.job_id)
            await record_snapshots(self._db, fresh, request.job_id, attempt.fetched_at)
        except PyMongoError as exc:
            raise ServiceUnavailable(f"the database did not take the posts: {exc}") from None
        attempt.stored.update(p.key for p in fresh)
        POSTS_STORED.labels(result="new").inc(result.new)
        POSTS_STORED.labels(result="updated").inc(result.updated)
        data: dict[str, Any] = {
            "stored": len(fresh),
            "new": result.new,
            "total": len(attempt.stored),
            "max_posts": request.max_posts,
        }
        await jobs.update_counts(self._db, request.job_id, {"posts_found": len(attempt.stored)})
        await self._emit(request, EventType.POSTS_STORED, data)


def _unseen(posts: list[Post], stored: set[tuple[str, str, str]], limit: int) -> list[Post]:
    fresh: list[Post] = []
    keys: set[tuple[str, str, str]] = set()
    for post in posts:
        if len(stored) + len(fresh) >= limit:
            break
        if post.key not in stored and post.key not in keys:
            fresh.append(post)
            keys.add(post.key)
    return fresh


def _jsonable(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in report.items()}
