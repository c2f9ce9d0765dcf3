"""The browser side of a scrape: politeness, session cookies, render, scroll, extract, store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Response
from pymongo.errors import PyMongoError

from postwriter.browser.pool import BrowserPool
from postwriter.browser.render import expand_truncated, guard_context, open_page, scroll_for_more
from postwriter.errors import (
    Blocked,
    BrowserCrashed,
    Challenge,
    LoginRequired,
    PageLoadFailed,
    ServiceUnavailable,
)
from postwriter.extract.feed import decode_feed
from postwriter.extract.page_info import page_followers, page_name
from postwriter.extract.recipe import Recipe
from postwriter.extract.registry import extract_posts
from postwriter.extract.timeline import older_than, published_since
from postwriter.models.job import EventType
from postwriter.models.post import Post
from postwriter.observability.metrics import PAGES_LOADED, POSTS_STORED
from postwriter.politeness.pages import classify_page
from postwriter.politeness.ratelimit import DomainRateLimiter
from postwriter.politeness.robots import RobotsCache
from postwriter.security.egress import EgressPolicy
from postwriter.services.scrape_request import ScrapeRequest
from postwriter.sessions.browser import apply_session
from postwriter.sessions.vault import SessionInfo, SessionVault
from postwriter.settings import Settings
from postwriter.storage import jobs
from postwriter.storage.database import Database
from postwriter.storage.history import record_snapshots
from postwriter.storage.posts import upsert_posts
from postwriter.storage.recipes import load_recipe

ROBOTS_AGENT = "PostWriter"
SINGLE_PAGE_ADAPTERS = frozenset({"article", "feed"})
Emit = Callable[[EventType, dict[str, Any]], Awaitable[None]]


class JobCancelled(Exception):
    """Raised between pages when the job's cancel flag is set."""


@dataclass
class _Attempt:
    request: ScrapeRequest
    fetched_at: datetime
    adapter: str
    stored: set[tuple[str, str, str]] = field(default_factory=set)
    pages: int = 0
    session: SessionInfo | None = None
    recipe: Recipe | None = None
    followers: int | None = None
    page_name: str | None = None
    page_noted: bool = False


class PageScraper:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        pool: BrowserPool,
        policy: EgressPolicy,
        *,
        limiter: DomainRateLimiter,
        robots: RobotsCache,
        vault: SessionVault,
    ) -> None:
        self._settings = settings
        self._db = db
        self._pool = pool
        self._policy = policy
        self._limiter = limiter
        self._robots = robots
        self._vault = vault

    async def run(self, request: ScrapeRequest, emit: Emit, deadline: float) -> int:
        """Scrape one job's page; returns pages loaded. `deadline` is a time.time() value."""
        await self._policy.check(request.url)
        if request.session_id is None:
            # A logged-in session reads the team's own pages; robots.txt is for crawlers.
            await self._robots.check(request.url, ROBOTS_AGENT)
        attempt = _Attempt(request, datetime.now(UTC), request.adapter)
        if request.recipe_id is not None:
            attempt.recipe = await load_recipe(self._db, request.recipe_id)
        granted = await self._limiter.acquire(request.url, deadline=deadline)
        try:
            await self._render(attempt, emit)
        except (Blocked, Challenge) as exc:
            await self._limiter.penalise(request.url, exc.code)
            raise
        except LoginRequired as exc:
            if attempt.session is not None and request.session_id is not None:
                revision = attempt.session.revision
                await self._vault.mark_stale(request.session_id, exc.message, revision=revision)
            raise
        await self._limiter.reward(request.url, granted_at=granted)
        session = attempt.session
        if session is not None and session.status == "stale" and request.session_id:
            # The cookies got through after all (a wall can be passing): trust them again.
            await self._vault.mark_active(request.session_id, revision=session.revision)
        return attempt.pages

    async def _render(self, attempt: _Attempt, emit: Emit) -> None:
        request = attempt.request
        try:
            async with self._pool.context() as context:
                if request.session_id is not None:
                    attempt.session = await apply_session(self._vault, context, request.session_id)
                await guard_context(
                    context,
                    self._policy,
                    block_heavy=request.block_resources,
                    proxied=self._pool.proxied,
                )
                page = await context.new_page()
                response = await open_page(page, request.url, raise_for_status=False)
                self._pool.count_page()
                PAGES_LOADED.inc()
                attempt.pages += 1
                body = await _document_text(page, response)
                _refuse_unusable(body, page.url, response.status)
                # Engagement per follower needs the page's follower count, read once here.
                attempt.followers = page_followers(body)
                attempt.page_name = page_name(body)
                title = await page.title()
                await emit(
                    EventType.PAGE_LOADED,
                    {"url": request.url, "status": response.status, "title": title},
                )
                await self._read(attempt, page, response, body, emit)
        except PlaywrightError as exc:
            if not self._pool.connected:
                raise BrowserCrashed("Chromium went away during the job") from None
            raise PageLoadFailed(f"the browser failed on the page: {exc.message}") from None

    async def _read(
        self, attempt: _Attempt, page: Page, response: Response, body: str, emit: Emit
    ) -> None:
        request = attempt.request
        if _is_feed(response):
            # A feed is read from the bytes the server sent, not the browser's XML viewer.
            await self._store_round(attempt, body, page.url, emit)
            return

        async def store_visible() -> int:
            if await jobs.cancel_requested(self._db, request.job_id):
                raise JobCancelled
            await expand_truncated(page)
            html = await page.content()
            # A block or challenge can replace the feed mid-scroll.
            _refuse_unusable(html, page.url, 200)
            return await self._store_round(attempt, html, page.url, emit)

        if request.adapter in SINGLE_PAGE_ADAPTERS:
            await store_visible()
            return
        await scroll_for_more(
            page,
            want=request.max_posts,
            idle_rounds=self._settings.scroll_idle_rounds,
            wait_ms=self._settings.scroll_wait_ms,
            max_wait_ms=int(self._settings.navigation_timeout_s * 1000),
            on_round=store_visible,
        )

    async def _store_round(self, attempt: _Attempt, html: str, url: str, emit: Emit) -> int:
        """Store what is visible now; the count seen so far (max_posts once `since` is passed)."""
        request = attempt.request
        attempt.adapter, posts = await asyncio.to_thread(
            extract_posts,
            html,
            url=url,
            adapter=attempt.adapter,
            fetched_at=attempt.fetched_at,
            recipe=attempt.recipe,
        )
        reached_since = False
        if request.since is not None:
            # Pinned old posts at the top do not count: only the timeline's own order does.
            reached_since = older_than(posts, request.since)
            posts = published_since(posts, request.since)
        fresh = _unseen(posts, attempt.stored, request.max_posts)
        if fresh:
            await self._store(attempt, fresh, emit)
        return request.max_posts if reached_since else len(attempt.stored)

    async def _store(self, attempt: _Attempt, fresh: list[Post], emit: Emit) -> None:
        request = attempt.request
        try:
            result = await upsert_posts(self._db, fresh, request.job_id)
            await record_snapshots(self._db, fresh, request.job_id, attempt.fetched_at)
        except PyMongoError as exc:
            raise ServiceUnavailable(f"the database did not take the posts: {exc}") from None
        attempt.stored.update(p.key for p in fresh)
        if not attempt.page_noted and attempt.followers is not None:
            attempt.page_noted = True
            await self._db.pages.update_one(
                {"_id": f"{fresh[0].platform}:{fresh[0].source}"},
                {"$set": {"followers": attempt.followers, "name": attempt.page_name}},
                upsert=True,
            )
        POSTS_STORED.labels(result="new").inc(result.new)
        POSTS_STORED.labels(result="updated").inc(result.updated)
        await jobs.update_counts(self._db, request.job_id, {"posts_found": len(attempt.stored)})
        batch = {
            "stored": len(fresh),
            "new": result.new,
            "total": len(attempt.stored),
            "max_posts": request.max_posts,
        }
        await emit(EventType.POSTS_STORED, batch)


def _is_feed(response: Response) -> bool:
    kind = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return kind in ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml")


async def _document_text(page: Page, response: Response) -> str:
    if _is_feed(response):
        return decode_feed(await response.body(), response.headers.get("content-type"))
    return await page.content()


def _refuse_unusable(html: str, url: str, status: int) -> None:
    """Login walls, blocks and challenges are typed failures, never zero posts."""
    verdict = classify_page(html, url, status)
    if verdict is not None:
        raise verdict.exception(url)
    if status >= 400:
        raise PageLoadFailed(f"the page answered HTTP {status}: {url}")


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
