"""Create a job and publish its scrape request: the one path for the API and replays."""

from __future__ import annotations

from postwriter.messaging.broker import Broker
from postwriter.messaging.envelope import Envelope
from postwriter.messaging.topology import SCRAPE_ROUTING_KEY
from postwriter.models.job import EventType, JobStatus
from postwriter.observability.metrics import JOBS_SUBMITTED
from postwriter.services.events import EventSink
from postwriter.services.scrape_request import ScrapeRequest
from postwriter.storage import jobs
from postwriter.storage.database import Database, Document


async def submit_job(
    db: Database,
    events: EventSink,
    broker: Broker,
    request: ScrapeRequest,
    *,
    queued_deadline_s: float,
    idempotency_key: str | None = None,
    principal: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[Document, bool]:
    """Store the job (queued), log `job.queued`, publish; return the stored job and if new.

    An existing job (same id) is returned as it is, and published if an earlier attempt
    stored it but could not publish.
    """
    doc = jobs.new_job_document(
        request.job_id,
        url=request.url,
        adapter=request.adapter,
        max_posts=request.max_posts,
        idempotency_key=idempotency_key,
        principal=principal,
        correlation_id=request.correlation_id,
        since=request.since,
        session_id=request.session_id,
        block_resources=request.block_resources,
        recipe_id=request.recipe_id,
        queued_deadline_s=queued_deadline_s,
    )
    stored, created = await jobs.insert_job(db, doc)
    if created:
        JOBS_SUBMITTED.inc()
        data = {"url": request.url, "adapter": request.adapter}
        await events.emit(request.job_id, EventType.QUEUED, data, key=EventType.QUEUED)
    if stored.get("published_at") is None and stored["status"] == JobStatus.QUEUED:
        await publish_job(db, broker, stored, headers)
    return stored, created


async def publish_job(
    db: Database, broker: Broker, job: Document, headers: dict[str, str] | None = None
) -> None:
    payload = ScrapeRequest.from_job(job).to_payload()
    envelope = Envelope.new("scrape.request", payload, correlation_id=job.get("correlation_id"))
    # A failure raises ServiceUnavailable; the job stays queued and unpublished, so a retry
    # (same idempotency key) publishes it.
    await broker.publish(broker.topology.requests, envelope, SCRAPE_ROUTING_KEY, headers)
    await jobs.mark_published(db, job["_id"])
