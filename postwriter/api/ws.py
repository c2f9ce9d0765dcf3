"""`GET /v1/ws`: subscribe to jobs and receive their events, stored ones first, then live."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from typing import Any

from aiohttp import WSMsgType, web

from postwriter.storage import jobs
from postwriter.storage.database import Database

from .auth import WS_PROTOCOL
from .hub import Client, EventHub
from .keys import DATABASE, HUB

MAX_CLIENT_MESSAGE = 4096
_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"code": code, "message": message}}


async def websocket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(
        protocols=(WS_PROTOCOL,), heartbeat=20.0, max_msg_size=MAX_CLIENT_MESSAGE
    )
    await ws.prepare(request)
    hub = request.app[HUB]
    db = request.app[DATABASE]
    client = hub.add(ws)
    writer = asyncio.create_task(hub.writer(client))
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                await ws.send_json(_error("invalid_request", "send JSON text frames"))
                continue
            try:
                op = json.loads(msg.data)
            except json.JSONDecodeError:
                await ws.send_json(_error("invalid_request", "message is not JSON"))
                continue
            reply = await _handle_op(op, client, hub, db)
            if reply is not None:
                await ws.send_json(reply)
    finally:
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
            await writer
        hub.closed(client)
    return ws


async def _handle_op(op: Any, client: Client, hub: EventHub, db: Database) -> dict[str, Any] | None:
    if not isinstance(op, dict) or op.get("op") not in ("subscribe", "unsubscribe", "ping"):
        return _error("invalid_request", "op must be subscribe, unsubscribe or ping")
    if op["op"] == "ping":
        return {"type": "pong"}
    job_id = op.get("job_id")
    if not isinstance(job_id, str) or not _JOB_ID.match(job_id):
        return _error("invalid_request", "job_id must be a job id string")
    if op["op"] == "unsubscribe":
        hub.unsubscribe(client, job_id)
        return {"type": "unsubscribed", "job_id": job_id}
    after = op.get("after_seq", 0)
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        return _error("invalid_request", "after_seq must be a whole number >= 0")
    if await jobs.get_job(db, job_id) is None:
        return _error("not_found", f"no job {job_id}")
    await client.ws.send_json({"type": "subscribed", "job_id": job_id, "after_seq": after})
    hub.subscribe(client, job_id, after)
    return None
