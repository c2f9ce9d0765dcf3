"""Two consumer processes scraping one domain together stay within its rate limit."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from dataclasses import replace

import aiohttp
import pytest

from tests.conftest import TEST_API_KEY, drop_everything, make_settings
from tests.e2e.processes import api_env, free_port, process, settings_env, wait_http

pytestmark = pytest.mark.e2e
PER_MINUTE = 6  # the limiter also spaces grants 60/6 = 10 s apart
SPACING_S = 60 / PER_MINUTE
OBSERVE_S = 25.0
# A grant is spaced exactly; the page request it lets through follows after a browser
# context is made, which varies (seconds, on a loaded machine). Without the shared limit
# the gaps would be near zero.
JITTER_S = 2.5  # generous: CI may run this on a loaded machine


async def test_two_consumers_share_one_domain_budget(
    service_urls: tuple[str, str], fixture_site: str
) -> None:
    settings = make_settings(
        service_urls, fixture_site, api_port=free_port(), metrics_port=0, scrape_concurrency=2
    )
    settings = replace(settings, rate_per_minute=PER_MINUTE, rate_per_hour=300)
    env = settings_env(settings)
    token = uuid.uuid4().hex
    auth = {"Authorization": f"Bearer {TEST_API_KEY}"}
    base = f"http://127.0.0.1:{settings.api_port}"
    try:
        with (
            process("api-paced", ["-m", "postwriter", "api"], api_env(env)),
            process("consumer-paced-1", ["-m", "postwriter", "consume", "scrape"], env) as one,
            process("consumer-paced-2", ["-m", "postwriter", "consume", "scrape"], env) as two,
        ):
            await wait_http(f"{base}/readyz")
            async with aiohttp.ClientSession(base, headers=auth) as http:
                for i in range(8):
                    body = {"url": f"{fixture_site}/paced/{token}?n={i}", "max_posts": 1}
                    async with http.post("/v1/jobs", json=body) as resp:
                        assert resp.status == 202
                await asyncio.sleep(OBSERVE_S)
            # The rest of the jobs only wait for their turn: no need to drain them.
            one.kill()
            two.kill()
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"{fixture_site}/paced-log/{token}") as resp,
            ):
                visits = sorted(await resp.json())
    finally:
        await drop_everything(settings)
    # Four slots for eight jobs: without the shared limit all eight pages load in seconds.
    assert 2 <= len(visits) <= OBSERVE_S // SPACING_S + 1, visits
    gaps = [b - a for a, b in itertools.pairwise(visits)]
    assert min(gaps) >= SPACING_S - JITTER_S, gaps
