"""Job routes: submit a scrape, read its state, page through its posts."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from postwriter.errors import InvalidRequest, NotFound, PostWriterError
from postwriter.models.job import JobStatus, job_id_for_key, new_job_id
from postwriter.services.finish import finish_job
from postwriter.services.scrape_request import ScrapeRequest, as_stored
from postwriter.services.submission import submit_job
from postwriter.storage import jobs
from postwriter.storage.database import Document
from postwriter.storage.posts import page_of_posts

from .jsonable import jsonable
from .keys import BODY, BROKER, DATABASE, EVENTS, POLICY, PRINCIPAL, QUERY, SETTINGS
from .validation import parse_instant

routes = web.RouteTableDef()


class IdempotencyConflict(PostWriterError):
    code = "idempotency_conflict"
    http_status = 409


class JobAlreadyFinal(PostWriterError):
    code = "job_already_final"
    http_status = 409


@routes.post("/v1/jobs")
async def create_job(request: web.Request) -> web.Response:
    body = request[BODY]
    url = body["url"].strip()
    request.app[POLICY].check_static(url)
    since = parse_instant(body.get("since"), "since")
    if body.get("adapter") == "recipe" and not body.get("recipe_id"):
        raise InvalidRequest("adapter 'recipe' needs a recipe_id", field="recipe_id")
    if body.get("recipe_id") and body.get("adapter") != "recipe":
        raise InvalidRequest("recipe_id goes with adapter 'recipe'", field="recipe_id")
    key = body.get("idempotency_key")
    principal = request[PRINCIPAL].id
    job_id = job_id_for_key(principal, key) if key else new_job_id()
    spec = ScrapeRequest(
        job_id=job_id,
        url=url,
        adapter=body.get("adapter", "auto"),
        max_posts=body.get("max_posts", 100),
        correlation_id=request.headers.get("X-Correlation-ID", job_id)[:128],
        since=as_stored(since) if since is not None else None,
        session_id=body.get("session_id"),
        block_resources=body.get("block_resources", True),
        recipe_id=body.get("recipe_id"),
    )
    stored, created = await submit_job(
        request.app[DATABASE],
        request.app[EVENTS],
        request.app[BROKER],
        spec,
        queued_deadline_s=request.app[SETTINGS].queued_deadline_s,
        idempotency_key=key,
        principal=principal,
    )
    if not created and ScrapeRequest.from_job(stored).to_payload() != spec.to_payload():
        raise IdempotencyConflict("this idempotency_key was used for a different job")
    return web.json_response(
        {"job_id": job_id, "status": stored["status"]},
        status=202,
        headers={"Location": f"/v1/jobs/{job_id}"},
    )


@routes.delete("/v1/jobs/{job_id}")
async def cancel_job(request: web.Request) -> web.Response:
    """Cancel: a queued job ends now; a running one stops at its next page, keeping its posts."""
    job = await _job_or_404(request)
    db = request.app[DATABASE]
    if JobStatus(job["status"]).is_final:
        if job["status"] == JobStatus.CANCELLED:
            return web.json_response(jobs.public_job(job), status=202)
        raise JobAlreadyFinal(f"job {job['_id']} already {job['status']}")
    flagged = await jobs.request_cancel(db, job["_id"])
    if flagged is not None and flagged["status"] == JobStatus.QUEUED:
        counts = {"posts_found": 0, "posts_new": 0, "posts_updated": 0}
        await finish_job(db, request.app[EVENTS], job["_id"], JobStatus.CANCELLED, counts=counts)
    current = await jobs.get_job(db, job["_id"])
    assert current is not None
    return web.json_response(jobs.public_job(current), status=202)


async def _job_or_404(request: web.Request) -> Document:
    job_id = request.match_info["job_id"]
    job = await jobs.get_job(request.app[DATABASE], job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job


@routes.get("/v1/jobs")
async def list_jobs(request: web.Request) -> web.Response:
    params = request[QUERY]
    limit = params["limit"]
    query: dict[str, Any] = {}
    if "status" in params:
        query["status"] = params["status"]
    found = request.app[DATABASE].jobs.find(query).sort("created_at", -1).limit(limit)
    return web.json_response({"jobs": [jobs.public_job(d) for d in await found.to_list()]})


@routes.get("/v1/jobs/{job_id}")
async def get_job(request: web.Request) -> web.Response:
    return web.json_response(jobs.public_job(await _job_or_404(request)))


@routes.get("/v1/jobs/{job_id}/posts")
async def job_posts(request: web.Request) -> web.Response:
    job = await _job_or_404(request)
    params = request[QUERY]
    limit, cursor = params["limit"], params.get("cursor")
    docs, next_cursor = await page_of_posts(request.app[DATABASE], job["_id"], limit, cursor)
    return web.json_response({"posts": [public_post(d) for d in docs], "next_cursor": next_cursor})


@routes.get("/v1/jobs/{job_id}/events")
async def job_events(request: web.Request) -> web.Response:
    job = await _job_or_404(request)
    params = request[QUERY]
    events = await jobs.events_after(
        request.app[DATABASE], job["_id"], params["after_seq"], params["limit"]
    )
    return web.json_response({"events": [e.to_json() for e in events]})


def public_post(doc: Document) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(doc["_id"])}
    for key, value in doc.items():
        if key not in ("_id", "first_job_id"):
            out[key] = jsonable(value)
    return out
