"""The aiohttp application: resources in cleanup_ctx, routes, middlewares."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.typedefs import Handler

from postwriter.messaging.broker import open_broker
from postwriter.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS
from postwriter.observability.server import metrics_server
from postwriter.schedules import store as schedule_store
from postwriter.security.egress import EgressPolicy
from postwriter.services.events import EventSink
from postwriter.services.reaper import run_reaper
from postwriter.services.scraper_factory import build_vault
from postwriter.settings import Settings
from postwriter.storage.database import open_database

from . import (
    analytics,
    api_keys,
    dashboard,
    deadletters,
    jobs,
    openapi,
    posts,
    recipes,
    reference,
    schedules,
    sessions,
    settings_view,
    webhooks,
)
from .auth import AUTHENTICATOR, Authenticator, auth_middleware
from .errors import error_middleware
from .hub import EventHub
from .keys import BROKER, DATABASE, EVENTS, HUB, POLICY, SETTINGS, VAULT
from .request_validation import validation_middleware
from .ws import close_websockets, websocket

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
    async with (
        open_database(settings) as db,
        open_broker(settings) as broker,
        metrics_server(settings.metrics_host, settings.metrics_port),
    ):
        app[AUTHENTICATOR] = Authenticator(db, settings)
        if not settings.bootstrap_api_key and not await db.api_keys.find_one(
            {}, projection={"_id": True}
        ):
            log.warning(
                "no API keys: set POSTWRITER_BOOTSTRAP_API_KEY or run `postwriter api-keys create`"
            )
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
        # Outermost first: metrics see the final status; errors become the standard body;
        # the caller is known before the request is validated (401 before 400).
        middlewares=[metrics_middleware, error_middleware, auth_middleware, validation_middleware],
        # aiohttp's own cap: the largest limit any route has; each route's is checked later.
        client_max_size=max(settings.max_body_bytes, openapi.largest_body_bytes()),
    )
    app[SETTINGS] = settings
    app[POLICY] = EgressPolicy(settings.egress_allow)
    app.cleanup_ctx.append(_resources)
    # Close WebSocket clients with 1001 at once, rather than wait out the shutdown timeout.
    app.on_shutdown.append(close_websockets)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/v1/ws", websocket)
    app.add_routes(jobs.routes)
    app.add_routes(posts.routes)
    app.add_routes(deadletters.routes)
    app.add_routes(schedules.routes)
    app.add_routes(sessions.routes)
    app.add_routes(recipes.routes)
    app.add_routes(analytics.routes)
    app.add_routes(api_keys.routes)
    app.add_routes(reference.routes)
    app.add_routes(webhooks.routes)
    app.add_routes(settings_view.routes)
    app.add_routes(dashboard.routes)
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
