"""Drive one page: guarded requests, navigation, "See more", infinite scroll."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page, Request, Response, Route
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from postwriter.errors import BlockedDestination, PageLoadFailed, Timeout
from postwriter.security.egress import EgressPolicy

log = logging.getLogger(__name__)

HEAVY_RESOURCES = frozenset({"image", "media", "font"})
SEE_MORE_LABELS = ("See more", "ראה עוד", "עוד", "Zobacz więcej", "Voir plus", "Ver más")

_EXPAND_JS = """(labels) => {
  let clicked = 0;
  for (const el of document.querySelectorAll('[role="article"] [role="button"]')) {
    if (labels.includes((el.textContent || '').trim())) { el.click(); clicked++; }
  }
  return clicked;
}"""
_COUNT_JS = "() => document.querySelectorAll('[role=\"article\"]').length"
_SCROLL_JS = "() => window.scrollTo(0, document.scrollingElement.scrollHeight)"
# Feeds show a progress bar while they fetch more; waiting on it beats a fixed sleep.
_LOADING_JS = "() => document.querySelector('[role=\"progressbar\"]') !== null"


async def guard_context(
    context: BrowserContext,
    policy: EgressPolicy,
    *,
    block_heavy: bool = True,
    proxied: bool = False,
) -> None:
    """Refuse early what the policy refuses, and block heavy resources.

    Playwright does not call route handlers for redirect hops, so this is not the egress
    guard: with `proxied` (the pool's egress proxy is on) it makes only the checks that need
    no DNS (scheme, user info, literal addresses, localhost and metadata names; `file://`
    navigations never reach the proxy); the proxy resolves each name once and connects to
    the address it checked, redirects and sub-resources included.
    """
    checked: dict[str, bool] = {}

    async def handle(route: Route, request: Request) -> None:
        if block_heavy and request.resource_type in HEAVY_RESOURCES:
            await route.abort("blockedbyclient")
            return
        url = request.url
        if url.startswith(("data:", "blob:")):
            await route.continue_()
            return
        origin = url.split("/", 3)[:3]
        key = "/".join(origin)
        allowed = checked.get(key)
        if allowed is None:
            try:
                if proxied:
                    policy.check_static(url)
                else:
                    await policy.check(url)
                allowed = True
            except BlockedDestination as exc:
                # The host only: an origin may carry user:password@.
                host = urlsplit(url).hostname
                log.warning("blocked request", extra={"host": host, "reason": exc.message})
                allowed = False
            checked[key] = allowed
        if allowed:
            await route.continue_()
        else:
            await route.abort("blockedbyclient")

    await context.route("**/*", handle)


async def open_page(page: Page, url: str, *, raise_for_status: bool = True) -> Response:
    """Navigate; a network error (and, unless told otherwise, a status of 400 and above)
    fails the job readably."""
    try:
        response = await page.goto(url, wait_until="domcontentloaded")
    except PlaywrightTimeout:
        raise Timeout(f"the page did not load in time: {url}") from None
    except PlaywrightError as exc:
        reason = exc.message.splitlines()[0] if exc.message else "unknown error"
        if "ERR_BLOCKED_BY_CLIENT" in reason:
            raise BlockedDestination(f"the egress policy blocked {url}") from None
        raise PageLoadFailed(f"the page could not be loaded: {reason}") from None
    if response is None:
        raise PageLoadFailed(f"the page gave no response: {url}")
    if response.status == 403 and response.headers.get("x-postwriter-egress") == "blocked":
        # The egress proxy refused the page or one of its redirects.
        raise BlockedDestination(f"the egress policy blocked {response.url}")
    if raise_for_status and response.status >= 400:
        raise PageLoadFailed(f"the page answered HTTP {response.status}: {url}")
    return response


async def expand_truncated(page: Page) -> int:
    clicked: int = await page.evaluate(_EXPAND_JS, list(SEE_MORE_LABELS))
    return clicked


async def scroll_for_more(
    page: Page,
    *,
    want: int,
    idle_rounds: int,
    wait_ms: int,
    max_wait_ms: int,
    on_round: Callable[[], Awaitable[int]],
) -> None:
    """Scroll until `on_round` reports `want` items or the page stops growing.

    `on_round` extracts and stores what is visible and returns the count seen so far.
    """
    seen = await on_round()
    idle = 0
    while seen < want and idle < idle_rounds:
        before: int = await page.evaluate(_COUNT_JS)
        await page.evaluate(_SCROLL_JS)
        grew = await _wait_for_growth(page, before, wait_ms, max_wait_ms)
        if not grew:
            idle += 1
            continue
        idle = 0
        seen = await on_round()


async def _wait_for_growth(page: Page, before: int, wait_ms: int, max_wait_ms: int) -> bool:
    """True once more items show; False after `wait_ms` with nothing loading, or `max_wait_ms`."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while True:
        count: int = await page.evaluate(_COUNT_JS)
        if count > before:
            return True
        elapsed_ms = (loop.time() - start) * 1000
        if elapsed_ms >= max_wait_ms:
            return False
        if elapsed_ms >= wait_ms and not await page.evaluate(_LOADING_JS):
            return False
        await asyncio.sleep(0.05)
