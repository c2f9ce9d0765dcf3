"""Render one URL to HTML with the same guarded browser the consumer uses."""

from __future__ import annotations

from postwriter.browser.pool import BrowserPool
from postwriter.browser.render import expand_truncated, guard_context, open_page, scroll_for_more
from postwriter.security.egress import EgressPolicy
from postwriter.settings import Settings

_ARTICLES_JS = "() => document.querySelectorAll('[role=\"article\"]').length"


async def fetch_html(settings: Settings, url: str, max_items: int = 100) -> tuple[str, str]:
    """The page's HTML after scrolling and expanding, and its final URL."""
    policy = EgressPolicy(settings.egress_allow)
    await policy.check(url)
    async with BrowserPool(settings) as pool, pool.context() as context:
        await guard_context(context, policy, proxied=pool.proxied)
        page = await context.new_page()
        await open_page(page, url)

        async def visible() -> int:
            await expand_truncated(page)
            count: int = await page.evaluate(_ARTICLES_JS)
            return count

        await scroll_for_more(
            page,
            want=max_items,
            idle_rounds=settings.scroll_idle_rounds,
            wait_ms=settings.scroll_wait_ms,
            max_wait_ms=int(settings.navigation_timeout_s * 1000),
            on_round=visible,
        )
        return await page.content(), page.url
