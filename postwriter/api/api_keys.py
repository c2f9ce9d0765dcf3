"""Key routes: create (the key is shown once), list, show, revoke; and the audit log."""

from __future__ import annotations

from aiohttp import web

from postwriter.errors import NotFound
from postwriter.security.roles import Role
from postwriter.storage import api_keys, audit

from .audit_events import audit_request
from .auth import AUTHENTICATOR
from .keys import BODY, DATABASE, PRINCIPAL, QUERY
from .validation import parse_instant

routes = web.RouteTableDef()


@routes.post("/v1/api-keys")
async def create_api_key(request: web.Request) -> web.Response:
    body = request[BODY]
    actor = request[PRINCIPAL].id
    new = await api_keys.create_key(
        request.app[DATABASE],
        name=body["name"],
        role=Role.parse(body["role"]),
        created_by=actor,
        rate_per_minute=body.get("rate_per_minute"),
    )
    await audit_request(
        request,
        "key.created",
        {"key_id": new.record["_id"], "role": body["role"], "name": new.record["name"]},
    )
    return web.json_response(
        {**api_keys.public_key(new.record), "key": new.key},
        status=201,
        headers={"Location": f"/v1/api-keys/{new.record['_id']}", "Cache-Control": "no-store"},
    )


@routes.get("/v1/api-keys")
async def list_api_keys(request: web.Request) -> web.Response:
    records = await api_keys.list_keys(request.app[DATABASE])
    return web.json_response({"api_keys": [api_keys.public_key(r) for r in records]})


@routes.get("/v1/api-keys/{key_id}")
async def get_api_key(request: web.Request) -> web.Response:
    key_id = request.match_info["key_id"]
    record = await api_keys.get_key(request.app[DATABASE], key_id)
    if record is None:
        raise NotFound(f"no API key {key_id}")
    return web.json_response(api_keys.public_key(record))


@routes.delete("/v1/api-keys/{key_id}")
async def revoke_api_key(request: web.Request) -> web.Response:
    key_id = request.match_info["key_id"]
    record = await api_keys.revoke_key(request.app[DATABASE], key_id)
    if record is None:
        raise NotFound(f"no API key {key_id}")
    request.app[AUTHENTICATOR].forget()
    await audit_request(
        request, "key.revoked", {"key_id": key_id, "role": record["role"], "name": record["name"]}
    )
    return web.Response(status=204)


@routes.get("/v1/audit")
async def list_audit_events(request: web.Request) -> web.Response:
    query = request[QUERY]
    before = parse_instant(query.get("before"), "before")
    docs = await audit.listing(
        request.app[DATABASE],
        limit=query["limit"],
        event=query.get("event"),
        actor=query.get("actor"),
        before=before,
    )
    return web.json_response({"events": [audit.public_event(d) for d in docs]})
