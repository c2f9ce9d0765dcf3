"""Schedule routes: recurring scrapes fired by `postwriter schedule run`.

The OpenAPI document (spec/paths/schedules.yaml) checks path, query and body first; the
store still checks what a schema cannot (cron, time zone, destination, recipe pairing).
"""

from __future__ import annotations

from aiohttp import web

from postwriter.errors import NotFound
from postwriter.schedules import store
from postwriter.storage.jobs import public_job

from .keys import BODY, DATABASE, POLICY, QUERY

routes = web.RouteTableDef()


@routes.post("/v1/schedules")
async def create(request: web.Request) -> web.Response:
    fields = request[BODY]
    doc = await store.create_schedule_from(request.app[DATABASE], request.app[POLICY], fields)
    return web.json_response(
        store.public_schedule(doc), status=201, headers={"Location": f"/v1/schedules/{doc['_id']}"}
    )


@routes.get("/v1/schedules")
async def listing(request: web.Request) -> web.Response:
    query = request[QUERY]
    docs = await store.list_schedules(
        request.app[DATABASE], enabled=query.get("enabled"), limit=query["limit"]
    )
    return web.json_response({"schedules": [store.public_schedule(d) for d in docs]})


@routes.get("/v1/schedules/{schedule_id}")
async def show(request: web.Request) -> web.Response:
    doc = await store.require_schedule(request.app[DATABASE], request.match_info["schedule_id"])
    return web.json_response(store.public_schedule(doc))


@routes.patch("/v1/schedules/{schedule_id}")
async def update(request: web.Request) -> web.Response:
    changes = request[BODY]
    doc = await store.update_schedule(
        request.app[DATABASE], request.app[POLICY], request.match_info["schedule_id"], changes
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
    docs = await store.jobs_of_schedule(request.app[DATABASE], schedule_id, request[QUERY]["limit"])
    return web.json_response({"jobs": [public_job(d) for d in docs]})
