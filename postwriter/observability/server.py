"""A small HTTP server for a consumer's /metrics and /healthz."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from prometheus_client.aiohttp import make_aiohttp_handler


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@asynccontextmanager
async def metrics_server(host: str, port: int) -> AsyncIterator[web.AppRunner]:
    app = web.Application()
    app.router.add_get("/metrics", make_aiohttp_handler())
    app.router.add_get("/healthz", _healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    try:
        yield runner
    finally:
        await runner.cleanup()
