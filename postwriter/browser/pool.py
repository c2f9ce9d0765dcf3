"""One Chromium per process, a fresh context per job, relaunched when it dies or ages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType

from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from postwriter.errors import BrowserCrashed
from postwriter.observability.metrics import BROWSER_RESTARTS
from postwriter.observability.procs import descendants_rss_kib
from postwriter.security.egress import EgressPolicy
from postwriter.security.proxy import CHROMIUM_PROXY_ARGS, EgressProxy
from postwriter.settings import Settings

log = logging.getLogger(__name__)

# Without these, Chromium floods a closed network with background connection attempts.
LAUNCH_TIMEOUT_S = 30.0
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
        self._idle = asyncio.Event()
        self._idle.set()
        self._pages_since_launch = 0
        self._proxy: EgressProxy | None = None

    @property
    def proxied(self) -> bool:
        """True when every request of the browser goes through the egress proxy."""
        return self._proxy is not None

    async def __aenter__(self) -> BrowserPool:
        if self._settings.egress_proxy:
            # Lives as long as the pool; a relaunched Chromium reuses it.
            self._proxy = EgressProxy(
                EgressPolicy(self._settings.egress_allow),
                connect_timeout=self._settings.connect_timeout_s,
            )
            await self._proxy.__aenter__()
        try:
            self._playwright = await async_playwright().start()
            try:
                await self._launch()
            except BaseException:
                await self._playwright.stop()
                raise
        except BaseException:
            if self._proxy is not None:
                await self._proxy.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._browser is not None:
                with contextlib.suppress(PlaywrightError):
                    await self._browser.close()
            if self._playwright is not None:
                await self._playwright.stop()
        finally:
            if self._proxy is not None:
                await self._proxy.close()

    async def _launch(self) -> None:
        assert self._playwright is not None
        try:
            self._browser = await self._playwright.chromium.launch(
                executable_path=self._settings.chromium_path,
                headless=True,
                args=[*CHROMIUM_ARGS, *(CHROMIUM_PROXY_ARGS if self._proxy else ())],
                proxy=self._proxy.playwright_proxy() if self._proxy else None,
                # Starting Chromium is not a navigation: a short page timeout must not make a
                # busy machine's launch fail.
                timeout=max(self._settings.navigation_timeout_s, LAUNCH_TIMEOUT_S) * 1000,
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

    @staticmethod
    def browser_rss_mib() -> float:
        """Memory of Chromium and the Playwright driver: every child process of ours."""
        return descendants_rss_kib(os.getpid()) / 1024

    @property
    def connected(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    def _recycle_reason(self) -> str | None:
        if self._pages_since_launch >= self._settings.browser_recycle_pages:
            return "recycle"
        if self.browser_rss_mib() > self._settings.browser_max_rss_mb:
            return "rss"
        return None

    def count_page(self) -> None:
        self._pages_since_launch += 1

    @asynccontextmanager
    async def context(self) -> AsyncIterator[BrowserContext]:
        """A private context for one job; closed (and its memory freed) on exit."""
        async with self._lock:
            if self._browser is None or not self._browser.is_connected():
                await self._relaunch("disconnected")
            elif reason := self._recycle_reason():
                # Relaunching under a running job would kill its page: hold new jobs (the
                # lock) until the running ones end, so a busy consumer still recycles.
                await self._idle.wait()
                await self._relaunch(reason)
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
            self._idle.clear()
        context.set_default_navigation_timeout(self._settings.navigation_timeout_s * 1000)
        context.set_default_timeout(self._settings.navigation_timeout_s * 1000)
        try:
            yield context
        finally:
            with contextlib.suppress(PlaywrightError):
                await context.close()
            self._active -= 1
            if self._active == 0:
                self._idle.set()
