"""One Chromium per process, a fresh context per job, relaunched when it dies or ages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType

from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from postwriter.errors import BrowserCrashed
from postwriter.observability.metrics import BROWSER_RESTARTS
from postwriter.settings import Settings

log = logging.getLogger(__name__)

# Without these, Chromium floods a closed network with background connection attempts.
CHROMIUM_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
)
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36 PostWriter/0.1"
)


class BrowserPool:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._lock = asyncio.Lock()
        self._active = 0
        self._pages_since_launch = 0

    async def __aenter__(self) -> BrowserPool:
        self._playwright = await async_playwright().start()
        try:
            await self._launch()
        except BaseException:
            await self._playwright.stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._browser is not None:
            with contextlib.suppress(PlaywrightError):
                await self._browser.close()
        if self._playwright is not None:
            await self._playwright.stop()

    async def _launch(self) -> None:
        assert self._playwright is not None
        try:
            self._browser = await self._playwright.chromium.launch(
                executable_path=self._settings.chromium_path,
                headless=True,
                args=list(CHROMIUM_ARGS),
                timeout=self._settings.navigation_timeout_s * 1000,
            )
        except PlaywrightError as exc:
            raise BrowserCrashed(f"Chromium did not start: {exc.message}") from None
        self._pages_since_launch = 0

    async def _relaunch(self, reason: str) -> None:
        BROWSER_RESTARTS.labels(reason=reason).inc()
        log.info("relaunching chromium", extra={"reason": reason})
        old, self._browser = self._browser, None
        if old is not None:
            with contextlib.suppress(PlaywrightError):
                await old.close()
        await self._launch()

    @property
    def connected(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    def count_page(self) -> None:
        self._pages_since_launch += 1

    @asynccontextmanager
    async def context(self) -> AsyncIterator[BrowserContext]:
        """A private context for one job; closed (and its memory freed) on exit."""
        async with self._lock:
            if self._browser is None or not self._browser.is_connected():
                await self._relaunch("disconnected")
            elif (
                self._active == 0
                and self._pages_since_launch >= self._settings.browser_recycle_pages
            ):
                await self._relaunch("recycle")
            assert self._browser is not None
            try:
                context = await self._browser.new_context(
                    user_agent=USER_AGENT,
                    service_workers="block",
                    viewport={"width": 1280, "height": 900},
                    java_script_enabled=True,
                )
            except PlaywrightError as exc:
                raise BrowserCrashed(f"Chromium refused a new context: {exc.message}") from None
            self._active += 1
        context.set_default_navigation_timeout(self._settings.navigation_timeout_s * 1000)
        context.set_default_timeout(self._settings.navigation_timeout_s * 1000)
        try:
            yield context
        finally:
            self._active -= 1
            with contextlib.suppress(PlaywrightError):
                await context.close()
