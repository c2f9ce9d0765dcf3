"""Schedule routes: recurring scrapes fired by `postwriter schedule run`."""

from __future__ import annotations

from aiohttp import web

from postwriter.errors import InvalidRequest, NotFound
from postwriter.schedules import store
from postwriter.storage.jobs import public_job

from .keys import DATABASE, POLICY
from .validation import int_query, json_object

routes = web.RouteTableDef()


@routes.post("/v1/schedules")
async def create(request: web.Request) -> web.Response:
    doc = await store.create_schedule_from(
        request.app[DATABASE], request.app[POLICY], await json_object(request)
    )
    return web.json_response(
        store.public_schedule(doc), status=201, headers={"Location": f"/v1/schedules/{doc['_id']}"}
    )


@routes.get("/v1/schedules")
async def listing(request: web.Request) -> web.Response:
    raw = request.query.get("enabled")
    if raw not in (None, "true", "false"):
        raise InvalidRequest("enabled must be true or false", field="enabled")
    enabled = None if raw is None else raw == "true"
    limit = int_query(request, "limit", 100, 1, 500)
    docs = await store.list_schedules(request.app[DATABASE], enabled=enabled, limit=limit)
    return web.json_response({"schedules": [store.public_schedule(d) for d in docs]})


@routes.get("/v1/schedules/{schedule_id}")
async def show(request: web.Request) -> web.Response:
    doc = await store.require_schedule(request.app[DATABASE], request.match_info["schedule_id"])
    return web.json_response(store.public_schedule(doc))


@routes.patch("/v1/schedules/{schedule_id}")
async def update(request: web.Request) -> web.Response:
    doc = await store.update_schedule(
        request.app[DATABASE],
        request.app[POLICY],
        request.match_info["schedule_id"],
        await json_object(request),
    )
    return web.json_response(store.public_schedule(doc))


@routes.delete("/v1/schedules/{schedule_id}")
async def delete(request: web.Request) -> web.Response:
    schedule_id = request.match_info["schedule_id"]
    if not await store.delete_schedule(request.app[DATABASE], schedule_id):
        raise NotFound(f"no schedule {schedule_id}")
    return web.Response(status=204)


@routes.post("/v1/schedules/{schedule_id}/enable")
async def enable(request: web.Request) -> web.Response:
    doc = await store.enable_schedule(request.app[DATABASE], request.match_info["schedule_id"])
    return web.json_response(store.public_schedule(doc))


@routes.post("/v1/schedules/{schedule_id}/disable")
async def disable(request: web.Request) -> web.Response:
    doc = await store.disable_schedule(request.app[DATABASE], request.match_info["schedule_id"])
    return web.json_response(store.public_schedule(doc))


@routes.get("/v1/schedules/{schedule_id}/jobs")
async def jobs_of(request: web.Request) -> web.Response:
    schedule_id = request.match_info["schedule_id"]
    await store.require_schedule(request.app[DATABASE], schedule_id)
    limit = int_query(request, "limit", 20, 1, 200)
    docs = await store.jobs_of_schedule(request.app[DATABASE], schedule_id, limit)
    return web.json_response({"jobs": [public_job(d) for d in docs]})
