"""One scrape request from message to stored posts, with the retry decision the consumer acts on."""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from datetime import datetime
from typing import Any

from pymongo.errors import PyMongoError

from postwriter.errors import PostWriterError, Timeout
from postwriter.models.job import EventType, JobStatus
from postwriter.observability.metrics import JOBS_IN_PROGRESS, SCRAPE_DURATION
from postwriter.services.events import EventSink
from postwriter.services.finish import finish_job, repair_from_final_event
from postwriter.services.page_scraper import JobCancelled, PageScraper
from postwriter.services.scrape_request import ScrapeRequest
from postwriter.settings import Settings
from postwriter.storage import jobs
from postwriter.storage.database import Database
from postwriter.storage.history import coverage

log = logging.getLogger(__name__)

__all__ = ["Outcome", "ScrapeRequest", "Scraper"]


class Outcome(enum.Enum):
    ACK = "ack"  # done: succeeded, cancelled, or failed for good with a reason on the job
    RETRY = "retry"  # transient: put back, within the queue's delivery limit


class Scraper:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        events: EventSink,
        pages: PageScraper,
    ) -> None:
        self._settings = settings
        self._db = db
        self._events = events
        self._pages = pages

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
            budget = self._settings.job_budget_s

            async def emit(type_: EventType, data: dict[str, Any]) -> None:
                await self._emit(request, type_, data)

            async with asyncio.timeout(budget):
                pages = await self._pages.run(request, emit, time.time() + budget)
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


def _jsonable(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in report.items()}
