"""Post routes: the filtered, sorted listing and its export, one post, its history."""

from __future__ import annotations

import asyncio
import logging
import math
from contextlib import aclosing
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pymongo.errors import PyMongoError

from postwriter.errors import InvalidRequest, NotFound, PostWriterError
from postwriter.storage.database import Document
from postwriter.storage.history import snapshots_of, velocity
from postwriter.storage.post_export import csv_chunk, jsonl_chunk
from postwriter.storage.post_query import SORTS, PostFilter, PostQuery, find_page, iterate_posts

from .jobs import public_post
from .keys import DATABASE, QUERY
from .validation import parse_instant

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

# A client that reads nothing for this long loses its export.
EXPORT_WRITE_TIMEOUT_S = 30.0
EXPORT_BATCH = 500
_CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


@routes.get("/v1/posts")
async def list_posts(request: web.Request) -> web.Response:
    params = request[QUERY]
    query = post_query(params)
    after = query.decode_cursor(params["cursor"]) if params.get("cursor") else None
    docs, next_position = await find_page(request.app[DATABASE], query, params["limit"], after)
    return web.json_response(
        {
            "posts": [public_post(d) for d in docs],
            "next_cursor": query.encode_cursor(next_position) if next_position else None,
        }
    )


# Registered before /v1/posts/{post_id}, which would otherwise take "export" for an id.
@routes.get("/v1/posts/export")
async def export_posts(request: web.Request) -> web.StreamResponse:
    params = request[QUERY]
    query = post_query(params)
    fmt: str = params["format"]
    batches = iterate_posts(request.app[DATABASE], query, params["max_rows"], EXPORT_BATCH)
    async with aclosing(batches):
        # The first batch before the headers: a database that is down still gets a 503.
        first: list[Document] = await anext(batches, [])
        response = web.StreamResponse(
            headers={
                "Content-Type": _CONTENT_TYPES[fmt],
                "Content-Disposition": f'attachment; filename="{_filename(fmt)}"',
                "Cache-Control": "no-store",
            }
        )
        await response.prepare(request)
        try:
            await _write(response, _chunk(fmt, first, header=True, bom=params["bom"]))
            async for batch in batches:
                await _write(response, _chunk(fmt, batch, header=False, bom=False))
        except (PyMongoError, PostWriterError, TimeoutError) as exc:
            # The status line is gone: cut the connection so the client sees a broken
            # transfer, not a file that looks complete.
            log.warning("post export aborted", extra={"error": type(exc).__name__})
            if request.transport is not None:
                request.transport.abort()
            return response
        except ConnectionResetError:
            return response
        await response.write_eof()
    return response


def _chunk(fmt: str, docs: list[Document], *, header: bool, bom: bool) -> bytes:
    if fmt == "csv":
        return csv_chunk(docs, header=header, bom=bom)
    return jsonl_chunk(docs, public_post)


async def _write(response: web.StreamResponse, data: bytes) -> None:
    if data:
        async with asyncio.timeout(EXPORT_WRITE_TIMEOUT_S):
            await response.write(data)


def _filename(fmt: str) -> str:
    return f"posts-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.{fmt}"


def post_query(params: dict[str, Any]) -> PostQuery:
    """The validated query parameters (see spec/paths/posts.yaml) as a PostQuery; the
    cross-field rules the document cannot say are checked here."""
    platform = source = None
    if page_id := params.get("page_id"):
        platform, _, source = page_id.partition(":")
        if not platform or not source:
            raise InvalidRequest("page_id is platform:source, e.g. facebook:acme", field="page_id")
    since = parse_instant(params.get("since"), "since")
    until = parse_instant(params.get("until"), "until")
    if since is not None and until is not None and since >= until:
        raise InvalidRequest("since must be before until", field="until")
    topic = params.get("topic")
    if topic is not None and source is None:
        raise InvalidRequest("topic ids are numbered per page: give page_id too", field="topic")
    min_engagement = params.get("min_engagement")
    if min_engagement is not None and not math.isfinite(min_engagement):
        raise InvalidRequest("min_engagement must be a finite number", field="min_engagement")
    post_filter = PostFilter(
        platform=platform,
        source=source,
        since=since,
        until=until,
        hook=params.get("hook"),
        cta=params.get("cta"),
        topic=topic,
        tone=params.get("tone"),
        min_engagement=min_engagement,
        marketing=params.get("marketing"),
        language=params.get("language"),
        text=params.get("q"),
        job_id=params.get("job_id"),
    )
    return PostQuery(post_filter, SORTS[params["sort"]], params["order"])


@routes.get("/v1/posts/{post_id}")
async def get_post(request: web.Request) -> web.Response:
    db = request.app[DATABASE]
    post_id = request.match_info["post_id"]
    doc = await db.posts.find_one({"_id": post_id}, projection={"job_ids": False})
    if doc is None:
        raise NotFound(f"no post {post_id}")
    return web.json_response(public_post(doc))


@routes.get("/v1/posts/{post_id}/history")
async def post_history(request: web.Request) -> web.Response:
    """Each scrape's figures for the post, and reactions per hour since posting."""
    db = request.app[DATABASE]
    post_id = request.match_info["post_id"]
    doc = await db.posts.find_one({"_id": post_id}, projection={"published_at": True})
    if doc is None:
        raise NotFound(f"no post {post_id}")
    snapshots = await snapshots_of(db, post_id)
    return web.json_response(
        {
            "post_id": post_id,
            "published_at": doc["published_at"].isoformat() if doc.get("published_at") else None,
            "snapshots": [
                {"at": s["at"].isoformat(), "job_id": s["job_id"], "metrics": s["metrics"]}
                for s in snapshots
            ],
            "velocity": velocity(doc.get("published_at"), snapshots),
        }
    )
