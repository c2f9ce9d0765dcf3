"""Run the API and a scrape consumer inside the test's event loop, on real services."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from postwriter.api.app import make_app
from postwriter.browser.pool import BrowserPool
from postwriter.messaging.broker import Broker, open_broker
from postwriter.services.events import EventSink
from postwriter.settings import Settings
from postwriter.storage.database import Database, open_database
from tests.conftest import TEST_API_KEY

AUTH = {"Authorization": f"Bearer {TEST_API_KEY}"}


@dataclass
class Stack:
    client: TestClient[Any, Any]
    db: Database
    broker: Broker


@asynccontextmanager
async def consumer_running(settings: Settings) -> AsyncIterator[None]:
    from consumers.scrape_requests import ScrapeConsumer
    from postwriter.services.scraper_factory import build_scraper

    stop = asyncio.Event()
    async with (
        open_database(settings) as db,
        open_broker(settings, prefetch=settings.scrape_concurrency) as broker,
        BrowserPool(settings) as pool,
    ):
        scraper, _ = await build_scraper(settings, db, broker, pool)
        task = asyncio.create_task(ScrapeConsumer(settings, broker, scraper).run(stop))
        try:
            yield
        finally:
            stop.set()
            await asyncio.wait_for(task, 60)


@asynccontextmanager
async def api_running(settings: Settings) -> AsyncIterator[Stack]:
    client: TestClient[Any, Any] = TestClient(TestServer(make_app(settings)))
    await client.start_server()
    try:
        async with open_database(settings, indexes=False) as db, open_broker(settings) as broker:
            yield Stack(client, db, broker)
    finally:
        await client.close()


async def watch(
    client: TestClient[Any, Any], job_id: str, timeout: float = 90
) -> list[dict[str, Any]]:
    """Every event of a job over the WebSocket, until its final event."""
    return await watch_until(client, job_id, "job.succeeded", timeout)


async def submit(client: TestClient[Any, Any], body: dict[str, Any]) -> str:
    resp = await client.post("/v1/jobs", json=body, headers=AUTH)
    assert resp.status == 202, await resp.text()
    job_id: str = (await resp.json())["job_id"]
    return job_id


@asynccontextmanager
async def analysis_running(settings: Settings) -> AsyncIterator[None]:
    """The analysis consumer, in this loop, on its own connections."""
    from consumers.analysis_events import _loop, declare_queue
    from postwriter.services.analysis import Analyzer

    async with open_database(settings) as db, open_broker(settings, prefetch=1) as broker:
        queue = await declare_queue(broker)
        async with queue.iterator() as messages:
            task = asyncio.create_task(_loop(messages, Analyzer(db), EventSink(db, broker)))
            try:
                yield
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


async def watch_until(
    client: TestClient[Any, Any], job_id: str, last: str, timeout: float = 120
) -> list[dict[str, Any]]:
    """Every event of a job over the WebSocket, until one of type `last` (or a failure)."""
    events: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        ws = await client.ws_connect("/v1/ws", headers=AUTH)
        async with ws:
            await ws.send_json({"op": "subscribe", "job_id": job_id})
            async for msg in ws:
                data = msg.json()
                if "seq" in data:
                    events.append(data)
                    if data["type"] in (last, "job.failed", "job.cancelled"):
                        break
    return events
