"""The aiohttp application: resources in cleanup_ctx, routes, middlewares."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client.aiohttp import make_aiohttp_handler

from postwriter.messaging.broker import open_broker
from postwriter.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS
from postwriter.schedules import store as schedule_store
from postwriter.security.egress import EgressPolicy
from postwriter.services.events import EventSink
from postwriter.services.reaper import run_reaper
from postwriter.services.scraper_factory import build_vault
from postwriter.settings import Settings
from postwriter.storage.database import open_database

from . import analytics, deadletters, jobs, posts, recipes, schedules, sessions
from .auth import auth_middleware
from .errors import error_middleware
from .hub import EventHub
from .keys import BROKER, DATABASE, EVENTS, HUB, POLICY, SETTINGS, VAULT
from .ws import websocket

log = logging.getLogger(__name__)


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    resource = request.match_info.route.resource
    # The route template, not the path, keeps label cardinality bounded.
    route = resource.canonical if resource is not None else "unmatched"
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        HTTP_REQUESTS.labels(request.method, route, str(status)).inc()
        HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)


LARGE_BODY_PATHS = frozenset({"/v1/sessions"})


@web.middleware
async def body_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The small default limit everywhere but the cookie upload."""
    limit = request.app[SETTINGS].max_body_bytes
    if request.path not in LARGE_BODY_PATHS and (request.content_length or 0) > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length or 0)
    return await handler(request)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    checks = {
        "database": await request.app[DATABASE].ping(),
        "broker": await request.app[BROKER].ping(),
    }
    ready = all(checks.values())
    return web.json_response(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if not settings.api_keys:
        log.warning("POSTWRITER_API_KEYS is empty: every authenticated route answers 401")
    async with open_database(settings) as db, open_broker(settings) as broker:
        await schedule_store.ensure_indexes(db)
        vault = build_vault(settings, db)
        await vault.ensure_indexes()
        app[VAULT] = vault
        app[DATABASE] = db
        app[BROKER] = broker
        app[EVENTS] = EventSink(db, broker)
        hub = EventHub(db, settings.ws_send_queue)
        await hub.start(broker)
        app[HUB] = hub
        # Every replica sweeps; the conditional transitions make that harmless.
        reaper = asyncio.create_task(run_reaper(db, app[EVENTS], settings.reaper_interval_s))
        try:
            yield
        finally:
            reaper.cancel()
            await asyncio.gather(reaper, return_exceptions=True)
            await hub.stop()


def make_app(settings: Settings) -> web.Application:
    app = web.Application(
        middlewares=[error_middleware, metrics_middleware, auth_middleware, body_limit],
        client_max_size=max(settings.max_body_bytes, sessions.UPLOAD_MAX_BYTES),
    )
    app[SETTINGS] = settings
    app[POLICY] = EgressPolicy(settings.egress_allow)
    app.cleanup_ctx.append(_resources)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", make_aiohttp_handler())
    app.router.add_get("/v1/ws", websocket)
    app.add_routes(jobs.routes)
    app.add_routes(posts.routes)
    app.add_routes(deadletters.routes)
    app.add_routes(schedules.routes)
    app.add_routes(sessions.routes)
    app.add_routes(recipes.routes)
    app.add_routes(analytics.routes)
    return app


def run(settings: Settings) -> None:
    web.run_app(
        make_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        access_log=None,
        print=None,
        shutdown_timeout=10.0,
    )
