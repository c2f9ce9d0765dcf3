"""Jobs and posts: submit scrapes, follow them, read and export what they stored."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal

from .errors import UnexpectedResponse
from .models import Job, JobAccepted, JobEvent, Listing, Post, PostHistory
from .shapes import body, listing
from .transport import Transport, path_part

Adapter = Literal["auto", "facebook", "article", "feed", "recipe"]
JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
EXPORT_CHUNK = 64 * 1024
MAX_RECORD_BYTES = 16 * 1024 * 1024


class JobsArea:
    _http: Transport

    async def create_job(
        self,
        url: str,
        *,
        adapter: Adapter | None = None,
        max_posts: int | None = None,
        since: datetime | str | None = None,
        session_id: str | None = None,
        recipe_id: str | None = None,
        block_resources: bool | None = None,
        idempotency_key: str | None = None,
        correlation_id: str | None = None,
    ) -> JobAccepted:
        """Queue a scrape of one page or feed; answers at once with the job id.

        Every call carries an idempotency key (a new random one unless given), so the SDK
        can retry it after a lost answer without making a second job. Pass your own key to
        make a retry of your own, later, name the same job.
        """
        key = idempotency_key or uuid.uuid4().hex
        data = await self._http.request(
            "POST",
            "/v1/jobs",
            json=body(
                url=url,
                adapter=adapter,
                max_posts=max_posts,
                since=since,
                session_id=session_id,
                recipe_id=recipe_id,
                block_resources=block_resources,
                idempotency_key=key,
            ),
            headers={"X-Correlation-ID": correlation_id} if correlation_id else None,
            repeat_safe=True,
        )
        return dataclasses.replace(JobAccepted.from_json(data), idempotency_key=key)

    async def list_jobs(
        self, *, limit: int | None = None, status: JobStatus | None = None
    ) -> Listing[Job]:
        """The newest jobs first."""
        data = await self._http.request(
            "GET", "/v1/jobs", params={"limit": limit, "status": status}
        )
        return listing(Job, data, "jobs")

    async def get_job(self, job_id: str) -> Job:
        return Job.from_json(await self._http.request("GET", f"/v1/jobs/{path_part(job_id)}"))

    async def cancel_job(self, job_id: str) -> Job:
        """Cancel: a queued job ends now, a running one at its next page (keeping its posts).

        A job that already succeeded or failed raises Conflict (`job_already_final`).
        """
        return Job.from_json(await self._http.request("DELETE", f"/v1/jobs/{path_part(job_id)}"))

    async def list_job_posts(
        self, job_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Listing[Post]:
        """One page of the posts a job found; pass `next_cursor` back for the next one."""
        data = await self._http.request(
            "GET",
            f"/v1/jobs/{path_part(job_id)}/posts",
            params={"limit": limit, "cursor": cursor},
        )
        return listing(Post, data, "posts")

    async def iter_job_posts(self, job_id: str, *, page_size: int = 100) -> AsyncIterator[Post]:
        """Every post a job found, following the cursors."""
        cursor: str | None = None
        while True:
            page = await self.list_job_posts(job_id, limit=page_size, cursor=cursor)
            for post in page:
                yield post
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def list_job_events(
        self, job_id: str, *, after_seq: int | None = None, limit: int | None = None
    ) -> Listing[JobEvent]:
        """A job's stored events with `seq > after_seq`, in order (for polling clients)."""
        data = await self._http.request(
            "GET",
            f"/v1/jobs/{path_part(job_id)}/events",
            params={"after_seq": after_seq, "limit": limit},
        )
        return listing(JobEvent, data, "events")

    # ------------------------------------------------------------------ posts

    async def list_posts(
        self,
        /,
        *,
        page_id: str | None = None,
        job_id: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        hook: str | None = None,
        cta: str | None = None,
        topic: int | None = None,
        tone: str | None = None,
        min_engagement: float | None = None,
        marketing: bool | None = None,
        language: str | None = None,
        q: str | None = None,
        sort: str | None = None,
        order: Literal["asc", "desc"] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        **more_filters: Any,
    ) -> Listing[Post]:
        """One page of stored posts, filtered and sorted (filters combine with AND).

        Pass `next_cursor` back as `cursor`, with the same filters and sort, for the next
        page. `more_filters` are sent as they are, for query parameters newer than this SDK.
        """
        params = {
            "page_id": page_id,
            "job_id": job_id,
            "since": since,
            "until": until,
            "hook": hook,
            "cta": cta,
            "topic": topic,
            "tone": tone,
            "min_engagement": min_engagement,
            "marketing": marketing,
            "language": language,
            "q": q,
            "sort": sort,
            "order": order,
            "limit": limit,
            "cursor": cursor,
            **more_filters,
        }
        return listing(Post, await self._http.request("GET", "/v1/posts", params=params), "posts")

    async def iter_posts(self, /, *, page_size: int = 100, **filters: Any) -> AsyncIterator[Post]:
        """Every post `list_posts(**filters)` would page through, following the cursors."""
        cursor: str | None = None
        while True:
            page = await self.list_posts(limit=page_size, cursor=cursor, **filters)
            for post in page:
                yield post
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def export_posts(
        self,
        /,
        *,
        format: Literal["csv", "jsonl"] = "csv",
        max_rows: int | None = None,
        bom: bool | None = None,
        **filters: Any,
    ) -> AsyncIterator[bytes]:
        """The export file as it streams in, chunk by chunk (takes `list_posts` filters).

        Write the chunks to a file as they come: memory stays bounded however many posts.
        """
        params = {"format": format, "max_rows": max_rows, "bom": bom, **filters}
        async with self._http.stream("GET", "/v1/posts/export", params=params) as resp:
            async for chunk in resp.content.iter_chunked(EXPORT_CHUNK):
                yield chunk

    async def export_post_records(self, /, **filters: Any) -> AsyncIterator[dict[str, Any]]:
        """Each exported post as a dict (a `jsonl` export read line by line)."""
        filters.pop("format", None)
        params = {"format": "jsonl", **filters}
        async with self._http.stream("GET", "/v1/posts/export", params=params) as resp:
            pending = b""
            async for chunk in resp.content.iter_chunked(EXPORT_CHUNK):
                *lines, pending = (pending + chunk).split(b"\n")
                if len(pending) > MAX_RECORD_BYTES:
                    raise UnexpectedResponse("an export line is larger than any post")
                for line in lines:
                    if line.strip():
                        yield _record(line)
            if pending.strip():
                yield _record(pending)

    async def get_post(self, post_id: str) -> Post:
        return Post.from_json(await self._http.request("GET", f"/v1/posts/{path_part(post_id)}"))

    async def get_post_history(self, post_id: str) -> PostHistory:
        """Each scrape's figures for the post, oldest first, and reactions per hour."""
        data = await self._http.request("GET", f"/v1/posts/{path_part(post_id)}/history")
        return PostHistory.from_json(data)


def _record(line: bytes) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise UnexpectedResponse("an export line is not JSON") from exc
    if not isinstance(record, dict):
        raise UnexpectedResponse("an export line is not a JSON object")
    return record
