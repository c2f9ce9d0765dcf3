"""The whole stack as separate processes: fixture site, API, scrape consumers."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from pymongo import AsyncMongoClient

from postwriter.settings import Settings
from tests.conftest import TEST_API_KEY, drop_everything, make_settings
from tests.e2e.processes import api_env, free_port, process, settings_env, wait_http
from tests.fixtures.site.expected import expected_posts

pytestmark = pytest.mark.e2e
AUTH = {"Authorization": f"Bearer {TEST_API_KEY}"}


@pytest.fixture
async def e2e(service_urls: tuple[str, str]) -> AsyncIterator[tuple[Settings, str]]:
    site_port, api_port = free_port(), free_port()
    site = f"http://127.0.0.1:{site_port}"
    settings = make_settings(service_urls, site, api_port=api_port, metrics_port=free_port())
    env = settings_env(settings)
    with (
        process("fixture", ["-m", "tests.fixtures.site", "--port", str(site_port)], env),
        process("api", ["-m", "postwriter", "api"], api_env(env)),
    ):
        await wait_http(f"{site}/healthz")
        await wait_http(f"http://127.0.0.1:{api_port}/readyz")
        yield settings, site
    await drop_everything(settings)


async def _watch(
    http: aiohttp.ClientSession, job_id: str, on_event: Any = None
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    async with asyncio.timeout(120), http.ws_connect("/v1/ws", headers=AUTH) as ws:
        await ws.send_json({"op": "subscribe", "job_id": job_id})
        async for msg in ws:
            event = msg.json()
            if "seq" not in event:
                continue
            events.append(event)
            if on_event is not None:
                await on_event(event)
            if event["type"] in ("job.succeeded", "job.failed", "job.cancelled"):
                break
    return events


async def _stored_posts(settings: Settings, job_id: str) -> list[dict[str, Any]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongodb_url)
    try:
        found = client[settings.mongodb_db]["posts"].find({"job_ids": job_id})
        return await found.to_list()
    finally:
        await client.close()


async def test_a_job_goes_from_queued_to_succeeded_and_stores_the_fixture(
    e2e: tuple[Settings, str],
) -> None:
    settings, site = e2e
    env = settings_env(settings)
    base = f"http://127.0.0.1:{settings.api_port}"
    with process("consumer", ["-m", "postwriter", "consume", "scrape"], env):
        async with aiohttp.ClientSession(base, headers=AUTH) as http:
            async with http.post("/v1/jobs", json={"url": f"{site}/acmecoffee"}) as resp:
                assert resp.status == 202
                job_id = (await resp.json())["job_id"]
            events = await _watch(http, job_id)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["type"] == "job.queued"
    assert events[-1]["type"] == "job.succeeded"
    stored = await _stored_posts(settings, job_id)
    expected = {p["external_id"]: p for p in expected_posts(site)}
    assert sorted(d["external_id"] for d in stored) == sorted(expected)
    for doc in stored:
        assert doc["metrics"] == expected[doc["external_id"]]["metrics"]


async def test_a_consumer_killed_mid_job_loses_nothing_and_duplicates_nothing(
    e2e: tuple[Settings, str],
) -> None:
    settings, site = e2e
    env = settings_env(settings)
    base = f"http://127.0.0.1:{settings.api_port}"
    killed = asyncio.Event()
    # Slow infinite scroll so the job is surely in the middle when the consumer dies.
    url = f"{site}/acmecoffee?delay_ms=1500"
    async with aiohttp.ClientSession(base, headers=AUTH) as http:
        with process("consumer-victim", ["-m", "postwriter", "consume", "scrape"], env) as victim:
            async with http.post("/v1/jobs", json={"url": url}) as resp:
                job_id = (await resp.json())["job_id"]

            async def kill_on_first_posts(event: dict[str, Any]) -> None:
                if event["type"] == "posts.stored" and not killed.is_set():
                    os.kill(victim.pid, signal.SIGKILL)
                    victim.wait(10)
                    killed.set()

            watcher = asyncio.create_task(_watch(http, job_id, kill_on_first_posts))
            async with asyncio.timeout(60):
                await killed.wait()
        partial = await _stored_posts(settings, job_id)
        assert 0 < len(partial) < 24, "the consumer must die in the middle of the job"
        with process("consumer-successor", ["-m", "postwriter", "consume", "scrape"], env):
            events = await watcher
        async with http.get(f"/v1/jobs/{job_id}") as resp:
            job = await resp.json()
    assert events[-1]["type"] == "job.succeeded", events[-1]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["type"] for e in events].count("job.started") == 2
    assert job["attempts"] == 2
    stored = await _stored_posts(settings, job_id)
    ids = [d["external_id"] for d in stored]
    assert len(ids) == len(set(ids)) == 24
    assert set(ids) == {p["external_id"] for p in expected_posts(site)}
    assert job["counts"]["posts_found"] == 24 and job["counts"]["posts_new"] == 24
