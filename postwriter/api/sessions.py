"""Session routes: import a logged-in browser session (cookies are sealed at once).

Path and body are checked against the OpenAPI document (spec/paths/sessions.yaml), which
also gives the import its larger body limit (`x-max-body-bytes`).
"""

from __future__ import annotations

from aiohttp import web

from postwriter.errors import NotFound

from .audit_events import audit_request
from .keys import BODY, VAULT

routes = web.RouteTableDef()


@routes.post("/v1/sessions")
async def import_session(request: web.Request) -> web.Response:
    body = request[BODY]
    info = await request.app[VAULT].import_cookies(
        body["platform"],
        body["name"],
        body["data"].encode("utf-8"),
        body.get("format", "auto"),
        session_id=body.get("session_id"),
    )
    details = {"session_id": info.session_id, "platform": body["platform"]}
    await audit_request(request, "session.imported", details)
    return web.json_response(
        info.to_json(), status=201, headers={"Location": f"/v1/sessions/{info.session_id}"}
    )


@routes.get("/v1/sessions")
async def list_sessions(request: web.Request) -> web.Response:
    infos = await request.app[VAULT].list()
    return web.json_response({"sessions": [i.to_json() for i in infos]})


@routes.get("/v1/sessions/{session_id}")
async def show_session(request: web.Request) -> web.Response:
    session_id = request.match_info["session_id"]
    info = await request.app[VAULT].get(session_id)
    if info is None:
        raise NotFound(f"no session {session_id}")
    return web.json_response(info.to_json())


@routes.delete("/v1/sessions/{session_id}")
async def delete_session(request: web.Request) -> web.Response:
    session_id = request.match_info["session_id"]
    if not await request.app[VAULT].delete(session_id):
        raise NotFound(f"no session {session_id}")
    await audit_request(request, "session.deleted", {"session_id": session_id})
    return web.Response(status=204)
