"""`GET /v1/ws`: protocol v1 (docs/websocket.md). Subscribe to jobs or sources; receive each
job's stored events after `after_seq`, then live ones, in seq order, none twice.

The auth middleware lets this path through: a browser cannot read an HTTP status from a failed
upgrade, so a refused upgrade is accepted and then closed with 4401 / 4403 / 4429. A plain
(non-upgrade) GET gets the usual JSON error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

from aiohttp import WSMsgType, web
from pymongo.errors import PyMongoError

from postwriter.errors import PostWriterError, Unauthorized
from postwriter.observability.metrics import WS_DROPPED
from postwriter.security.roles import Principal, Role
from postwriter.settings import Settings
from postwriter.storage.database import Database

from . import ws_protocol as proto
from .auth import AUTHENTICATOR, authenticate, authorise
from .errors import error_response
from .hub import EventHub
from .keys import DATABASE, HUB, SETTINGS
from .ws_client import CLOSE_GRACE_S, Client
from .ws_ops import BadOp, Ping, Subscribe, Unsubscribe, parse_op
from .ws_sources import active_jobs_of, existing_job_ids, origin_key

log = logging.getLogger(__name__)

# Kernel send buffer per connection (Linux doubles it): with the transport's own 64 KiB and
# the send queue, this bounds what one slow client holds, and lets overflow show up early.
SEND_BUFFER_BYTES = 128 * 1024
LOOKUP_TIMEOUT_S = 10.0


async def websocket(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    ws = web.WebSocketResponse(
        protocols=(proto.WS_PROTOCOL,),
        heartbeat=settings.ws_heartbeat_s,
        max_msg_size=proto.MAX_CLIENT_MESSAGE,
        # Fan-out sends one encoding of an event to every client; per-client deflate would not.
        compress=False,
        timeout=CLOSE_GRACE_S,
    )
    if not ws.can_prepare(request).ok:
        return await _plain_get(request)
    refusal, principal = await _admit(request, settings)
    await ws.prepare(request)
    transport = request.transport
    _bound_send_buffer(transport)
    hub = request.app[HUB]
    client = hub.add(
        ws,
        transport,
        principal=principal.id if principal is not None else "anonymous",
        max_subscriptions=settings.ws_max_subscriptions,
        heartbeat_s=settings.ws_heartbeat_s,
    )
    try:
        if refusal is not None:
            WS_DROPPED.labels(reason="refused").inc()
            await hub.close(client, *refusal)
            return ws
        await _serve(client, hub, request.app[DATABASE])
    finally:
        # Shielded: a handler cancelled at shutdown leaves the close running, owned by the hub.
        try:
            await asyncio.shield(hub.close(client, proto.CLOSE_NORMAL, "bye"))
        finally:
            hub.closed(client)
    return ws


async def close_websockets(app: web.Application) -> None:
    """`app.on_shutdown`: close every client with 1001 so shutdown does not wait on them."""
    hub = app.get(HUB)
    if hub is not None:
        await hub.close_all()


async def _plain_get(request: web.Request) -> web.Response:
    try:
        principal = await authenticate(request)
    except Unauthorized as exc:
        response = error_response(401, "unauthorized", exc.message)
        response.headers["WWW-Authenticate"] = 'Bearer realm="postwriter"'
        return response
    await authorise(request, principal, Role.VIEWER)
    return error_response(
        400, "invalid_request", "GET /v1/ws expects a WebSocket upgrade (see docs/websocket.md)"
    )


async def _admit(
    request: web.Request, settings: Settings
) -> tuple[tuple[int, str] | None, Principal | None]:
    """(close code and reason, or None to serve; the principal when known)."""
    if not _origin_allowed(request, settings.ws_allowed_origins):
        return (proto.CLOSE_FORBIDDEN, "origin not allowed"), None
    try:
        principal = await authenticate(request)
        await authorise(request, principal, Role.VIEWER)
    except Unauthorized:
        return (proto.CLOSE_UNAUTHORIZED, "a valid API key is required"), None
    except PostWriterError as exc:
        if exc.http_status == 403:
            return (proto.CLOSE_FORBIDDEN, exc.message), None
        if exc.http_status == 429:
            return (proto.CLOSE_RATE_LIMITED, exc.message), None
        return (proto.CLOSE_INTERNAL, "authentication unavailable: try again"), None
    except PyMongoError:
        return (proto.CLOSE_INTERNAL, "authentication unavailable: try again"), None
    limiter = request.app[AUTHENTICATOR].limiter
    if limiter.take(principal.key_id, principal.rate_per_minute) > 0:
        return (proto.CLOSE_RATE_LIMITED, "too many requests for this key"), principal
    return None, principal


def _origin_allowed(request: web.Request, allowed: tuple[str, ...]) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser: browsers always send Origin on a WebSocket
    key = origin_key(origin)
    if key is None:
        return False
    own = origin_key(f"{request.scheme}://{request.host}")
    return key == own or key in {origin_key(o) for o in allowed}


def _bound_send_buffer(transport: asyncio.Transport | None) -> None:
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)


async def _serve(client: Client, hub: EventHub, db: Database) -> None:
    async for msg in client.ws:
        if client.closing is not None:
            return
        if msg.type == WSMsgType.BINARY:
            WS_DROPPED.labels(reason="policy").inc()
            hub.close(client, proto.CLOSE_POLICY, "binary frames are not accepted: send JSON text")
            return
        if msg.type != WSMsgType.TEXT:
            return
        try:
            await _handle(msg.data, client, hub, db)
        except BadOp as exc:
            client.invalid_ops += 1
            hub.reply(
                client, proto.error("invalid_request", exc.message, request_id=exc.request_id)
            )
            if client.invalid_ops >= proto.MAX_INVALID_OPS:
                WS_DROPPED.labels(reason="policy").inc()
                hub.close(client, proto.CLOSE_POLICY, "too many invalid messages")
                return


async def _handle(text: str, client: Client, hub: EventHub, db: Database) -> None:
    op = parse_op(text)
    if isinstance(op, Ping):
        hub.reply(client, proto.pong(op.request_id))
    elif isinstance(op, Unsubscribe):
        _unsubscribe(op, client, hub)
    else:
        await _subscribe(op, client, hub, db)


def _unsubscribe(op: Unsubscribe, client: Client, hub: EventHub) -> None:
    if op.source is not None:
        if op.source not in client.sources:
            hub.reply(client, _not_subscribed(f"not subscribed to source {op.source}", op))
            return
        dropped = hub.unsubscribe_source(client, op.source)
        hub.reply(client, proto.unsubscribed_source(op.source, dropped, op.request_id))
        return
    for job_id in op.job_ids:
        if hub.unsubscribe_job(client, job_id):
            hub.reply(client, proto.unsubscribed_job(job_id, "requested", op.request_id))
        else:
            message = f"not subscribed to job {job_id}"
            hub.reply(client, _not_subscribed(message, op, job_id))


def _not_subscribed(message: str, op: Unsubscribe, job_id: str | None = None) -> dict[str, object]:
    return proto.error("not_subscribed", message, job_id=job_id, request_id=op.request_id)


async def _subscribe(op: Subscribe, client: Client, hub: EventHub, db: Database) -> None:
    wanted = [j for j in op.jobs if client.jobs.get(j, "") is not None]
    if op.source is not None and op.source not in client.sources:
        wanted = [op.source]
    if client.explicit_subscriptions + len(wanted) > client.max_subscriptions:
        message = f"at most {client.max_subscriptions} subscriptions per connection"
        hub.reply(client, proto.error("too_many_subscriptions", message, request_id=op.request_id))
        WS_DROPPED.labels(reason="policy").inc()
        hub.close(client, proto.CLOSE_POLICY, "too many subscriptions")
        return
    try:
        async with asyncio.timeout(LOOKUP_TIMEOUT_S):
            if op.source is not None:
                # Registered first: a job created while the query runs is caught either way.
                hub.subscribe_source(client, op.source)
                hub.reply(client, proto.subscribed_source(op.source, op.request_id))
                for job_id in await active_jobs_of(db, op.source):
                    hub.add_source_job(client, op.source, job_id)
                return
            found = await existing_job_ids(db, list(op.jobs))
    except (PyMongoError, TimeoutError):
        message = "the job store is not available: try again"
        hub.reply(client, proto.error("service_unavailable", message, request_id=op.request_id))
        return
    for job_id, after_seq in op.jobs.items():
        if job_id in found:
            hub.subscribe_job(client, job_id, after_seq, request_id=op.request_id)
        else:
            message = f"no job {job_id}"
            hub.reply(
                client, proto.error("not_found", message, job_id=job_id, request_id=op.request_id)
            )
