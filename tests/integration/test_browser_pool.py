"""The browser pool with a real Chromium: contexts, relaunches, and no orphaned processes."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from prometheus_client import REGISTRY

from postwriter.browser.pool import BrowserPool
from postwriter.settings import Settings
from tests.conftest import TEST_API_KEY
from tests.e2e.processes import api_env, process, settings_env

pytestmark = pytest.mark.integration
TAG_VARIABLE = "PW_PROCESS_TAG"  # not POSTWRITER_*: the settings refuse unknown names


def _restarts(reason: str) -> float:
    value = REGISTRY.get_sample_value("postwriter_browser_restarts_total", {"reason": reason})
    return value or 0.0


def _tagged_processes(tag: str) -> list[int]:
    """Processes whose environment carries the tag: a consumer and everything it started."""
    found = []
    needle = f"{TAG_VARIABLE}={tag}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _is_chromium(pid: int) -> bool:
    try:
        return b"chromium" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


async def test_the_browser_is_relaunched_after_n_pages_and_above_the_memory_limit(
    settings: Settings, fixture_site: str
) -> None:
    recycled = replace(settings, browser_recycle_pages=1)
    before = _restarts("recycle")
    async with BrowserPool(recycled) as pool:
        for _ in range(3):
            async with pool.context() as context:
                page = await context.new_page()
                await page.goto(f"{fixture_site}/healthz")
                pool.count_page()
    assert _restarts("recycle") - before == 2

    lean = replace(settings, browser_max_rss_mb=100)
    before = _restarts("rss")
    async with BrowserPool(lean) as pool:
        assert pool.browser_rss_mib() > 100  # Chromium alone needs more than this
        for _ in range(2):
            async with pool.context() as context:
                await (await context.new_page()).goto(f"{fixture_site}/healthz")
    assert _restarts("rss") - before == 2


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
async def test_no_chromium_process_outlives_its_consumer(
    settings: Settings, fixture_site: str, how: signal.Signals
) -> None:
    from tests.e2e.processes import free_port, wait_http

    api_port = free_port()
    live = replace(settings, api_port=api_port, metrics_port=free_port())
    tag = uuid.uuid4().hex
    env = settings_env(live)
    auth = {"Authorization": f"Bearer {TEST_API_KEY}"}
    with process("api-orphans", ["-m", "postwriter", "api"], api_env(env)):
        await wait_http(f"http://127.0.0.1:{api_port}/readyz")
        tagged = {**env, TAG_VARIABLE: tag}
        with process("consumer-orphans", ["-m", "postwriter", "consume", "scrape"], tagged) as proc:
            async with aiohttp.ClientSession(f"http://127.0.0.1:{api_port}", headers=auth) as http:
                body = {"url": f"{fixture_site}/acmecoffee", "max_posts": 3}
                async with http.post("/v1/jobs", json=body) as resp:
                    job_id = (await resp.json())["job_id"]
                async with asyncio.timeout(60):
                    while True:
                        async with http.get(f"/v1/jobs/{job_id}") as resp:
                            job = await resp.json()
                        if job["status"] != "queued" and job["status"] != "running":
                            break
                        await asyncio.sleep(0.2)
            assert job["status"] == "succeeded", job
            browsers = [p for p in _tagged_processes(tag) if _is_chromium(p)]
            assert browsers, "the consumer should have a Chromium running"
            os.kill(proc.pid, how)
            await asyncio.to_thread(proc.wait, 30)
        async with asyncio.timeout(15):
            while _tagged_processes(tag):
                await asyncio.sleep(0.2)


async def test_a_busy_pool_still_recycles_by_holding_new_jobs_until_the_running_end(
    settings: Settings, fixture_site: str
) -> None:
    recycled = replace(settings, browser_recycle_pages=1)
    before = _restarts("recycle")
    async with BrowserPool(recycled) as pool:

        async def second_job() -> None:
            async with pool.context() as context:
                await (await context.new_page()).goto(f"{fixture_site}/healthz")

        async with pool.context() as first:
            await (await first.new_page()).goto(f"{fixture_site}/healthz")
            pool.count_page()
            waiting = asyncio.create_task(second_job())
            await asyncio.sleep(0.5)
            assert not waiting.done()  # held: a relaunch now would kill the first job's page
            assert _restarts("recycle") == before
        await asyncio.wait_for(waiting, 30)
    assert _restarts("recycle") - before == 1
