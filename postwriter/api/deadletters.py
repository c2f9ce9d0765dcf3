"""Dead-letter routes: list, inspect and replay parked scrape requests.

Path and query are checked against the OpenAPI document (spec/paths/dead-letters.yaml).
"""

from __future__ import annotations

from aiohttp import web

from postwriter.services import deadletters

from .keys import BROKER, DATABASE, EVENTS, QUERY, SETTINGS

routes = web.RouteTableDef()


@routes.get("/v1/dead-letters")
async def list_dead_letters(request: web.Request) -> web.Response:
    moved = await deadletters.archive(request.app[BROKER], request.app[DATABASE])
    docs = await deadletters.listing(request.app[DATABASE], request[QUERY]["limit"])
    return web.json_response(
        {"dead_letters": [deadletters.public(d) for d in docs], "archived_now": moved}
    )


@routes.get("/v1/dead-letters/{letter_id}")
async def show_dead_letter(request: web.Request) -> web.Response:
    doc = await deadletters.get(request.app[DATABASE], request.match_info["letter_id"])
    return web.json_response(deadletters.public(doc, with_body=True))


@routes.post("/v1/dead-letters/{letter_id}/replay")
async def replay_dead_letter(request: web.Request) -> web.Response:
    job_id = await deadletters.replay(
        request.app[BROKER],
        request.app[DATABASE],
        request.app[EVENTS],
        request.match_info["letter_id"],
        queued_deadline_s=request.app[SETTINGS].queued_deadline_s,
        force=request[QUERY]["force"],
    )
    return web.json_response(
        {"job_id": job_id, "status": "queued"},
        status=202,
        headers={"Location": f"/v1/jobs/{job_id}"},
    )
