"""Fetch robots.txt through the egress policy: every hop checked, size and time bounded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urljoin

import aiohttp

from postwriter.browser.pool import USER_AGENT
from postwriter.errors import ServiceUnavailable
from postwriter.security.egress import EgressPolicy

MAX_BYTES = 512 * 1024
MAX_REDIRECTS = 5


def robots_fetcher(
    policy: EgressPolicy, timeout_s: float = 15.0
) -> Callable[[str], Awaitable[tuple[int, str]]]:
    """A fetch function for `RobotsCache`: (status, text) of a robots.txt URL."""

    async def fetch(url: str) -> tuple[int, str]:
        timeout = aiohttp.ClientTimeout(total=timeout_s)
        headers = {"User-Agent": USER_AGENT}
        try:
            async with aiohttp.ClientSession(timeout=timeout, headers=headers) as http:
                for _ in range(MAX_REDIRECTS + 1):
                    await policy.check(url)
                    async with http.get(url, allow_redirects=False) as resp:
                        if resp.status in (301, 302, 303, 307, 308) and "Location" in resp.headers:
                            url = urljoin(url, resp.headers["Location"])
                            continue
                        body = await resp.content.read(MAX_BYTES)
                        return resp.status, body.decode("utf-8", "replace")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ServiceUnavailable(f"robots.txt could not be fetched: {exc}") from None
        return 508, ""  # too many redirects: treated like a server error (disallow for a while)

    return fetch
