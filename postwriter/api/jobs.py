"""Job routes: submit a scrape, read its state, page through its posts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from postwriter.errors import InvalidRequest, NotFound, PostWriterError
from postwriter.messaging.envelope import Envelope
from postwriter.messaging.topology import SCRAPE_ROUTING_KEY
from postwriter.models.job import EventType, JobStatus, job_id_for_key, new_job_id
from postwriter.observability.metrics import JOBS_SUBMITTED
from postwriter.storage import jobs
from postwriter.storage.database import Document
from postwriter.storage.posts import page_of_posts

from .keys import BROKER, DATABASE, EVENTS, POLICY, PRINCIPAL
from .validation import int_query, json_body

routes = web.RouteTableDef()


class IdempotencyConflict(PostWriterError):
    code = "idempotency_conflict"
    http_status = 409


@routes.post("/v1/jobs")
async def create_job(request: web.Request) -> web.Response:
    body = await json_body(request, "job.create.json")
    url = body["url"].strip()
    request.app[POLICY].check_static(url)
    adapter = body.get("adapter", "auto")
    max_posts = body.get("max_posts", 100)
    key = body.get("idempotency_key")
    principal: str = request[PRINCIPAL]
    job_id = job_id_for_key(principal, key) if key else new_job_id()
    db = request.app[DATABASE]
    doc = jobs.new_job_document(
        job_id,
        url=url,
        adapter=adapter,
        max_posts=max_posts,
        idempotency_key=key,
        principal=principal,
        correlation_id=request.headers.get("X-Correlation-ID", job_id)[:128],
    )
    stored, created = await jobs.insert_job(db, doc)
    if not created and (stored["url"], stored["adapter"], stored["max_posts"]) != (
        url,
        adapter,
        max_posts,
    ):
        raise IdempotencyConflict("this idempotency_key was used for a different job")
    if created:
        JOBS_SUBMITTED.inc()
        await request.app[EVENTS].emit(
            job_id, EventType.QUEUED, {"url": url, "adapter": adapter}, key=EventType.QUEUED
        )
    if stored.get("published_at") is None and stored["status"] == JobStatus.QUEUED:
        await _publish(request, stored)
    return web.json_response(
        {"job_id": job_id, "status": stored["status"]},
        status=202,
        headers={"Location": f"/v1/jobs/{job_id}"},
    )


async def _publish(request: web.Request, job: Document) -> None:
    payload = {"job_id": job["_id"], "url": job["url"], "adapter": job["adapter"]}
    payload["max_posts"] = job["max_posts"]
    envelope = Envelope.new("scrape.request", payload, correlation_id=job.get("correlation_id"))
    broker = request.app[BROKER]
    # A failure here answers 503; the job stays queued and a retry with the key publishes it.
    await broker.publish(broker.topology.requests, envelope, SCRAPE_ROUTING_KEY)
    await jobs.mark_published(request.app[DATABASE], job["_id"])


async def _job_or_404(request: web.Request) -> Document:
    job_id = request.match_info["job_id"]
    job = await jobs.get_job(request.app[DATABASE], job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job


@routes.get("/v1/jobs")
async def list_jobs(request: web.Request) -> web.Response:
    limit = int_query(request, "limit", 20, 1, 100)
    status = request.query.get("status")
    query: dict[str, Any] = {}
    if status is not None:
        if status not in {s.value for s in JobStatus}:
            raise InvalidRequest("unknown status", field="status")
        query["status"] = status
    found = request.app[DATABASE].jobs.find(query).sort("created_at", -1).limit(limit)
    return web.json_response({"jobs": [jobs.public_job(d) for d in await found.to_list()]})


@routes.get("/v1/jobs/{job_id}")
async def get_job(request: web.Request) -> web.Response:
    return web.json_response(jobs.public_job(await _job_or_404(request)))


@routes.get("/v1/jobs/{job_id}/posts")
async def job_posts(request: web.Request) -> web.Response:
    job = await _job_or_404(request)
    limit = int_query(request, "limit", 50, 1, 200)
    cursor = request.query.get("cursor")
    docs, next_cursor = await page_of_posts(request.app[DATABASE], job["_id"], limit, cursor)
    return web.json_response({"posts": [public_post(d) for d in docs], "next_cursor": next_cursor})


def public_post(doc: Document) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(doc["_id"])}
    for key, value in doc.items():
        if key in ("_id", "first_job_id"):
            continue
        out[key] = value.isoformat() if isinstance(value, datetime) else value
    return out
