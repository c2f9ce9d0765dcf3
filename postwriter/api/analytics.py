"""Analysis routes: page analytics and topics, templates, ideas and generated posts."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from postwriter.errors import NotFound
from postwriter.services import ideas
from postwriter.storage.database import Document

from .jsonable import jsonable
from .keys import DATABASE
from .validation import int_query, json_body

routes = web.RouteTableDef()


def _plain(doc: Document) -> dict[str, Any]:
    out: dict[str, Any] = jsonable(dict(doc))
    return out


async def _page(request: web.Request) -> Document:
    page_id = request.match_info["page_id"]
    doc = await request.app[DATABASE].pages.find_one({"_id": page_id})
    if doc is None:
        raise NotFound(f"no analysed page {page_id} (scrape it and let analysis finish)")
    return doc


@routes.get("/v1/pages")
async def list_pages(request: web.Request) -> web.Response:
    docs = (
        await request.app[DATABASE]
        .pages.find({}, projection={"effects": False, "topics": False})
        .sort("_id", 1)
        .to_list()
    )
    return web.json_response({"pages": [{"page_id": d.pop("_id"), **_plain(d)} for d in docs]})


@routes.get("/v1/pages/{page_id}/analytics")
async def page_analytics(request: web.Request) -> web.Response:
    doc = await _page(request)
    return web.json_response({"page_id": doc.pop("_id"), **_plain(doc)})


@routes.get("/v1/pages/{page_id}/topics")
async def page_topics(request: web.Request) -> web.Response:
    doc = await _page(request)
    return web.json_response({"page_id": doc["_id"], "topics": _plain(doc).get("topics", [])})


@routes.get("/v1/templates")
async def list_templates(request: web.Request) -> web.Response:
    limit = int_query(request, "limit", 20, 1, 200)
    query: dict[str, Any] = {}
    if page_id := request.query.get("page_id"):
        platform, _, source = page_id.partition(":")
        query = {"platform": platform, "source": source}
    docs = (
        await request.app[DATABASE]
        .templates.find(query)
        .sort([("score", -1), ("_id", 1)])
        .limit(limit)
        .to_list()
    )
    return web.json_response({"templates": [_template(d) for d in docs]})


@routes.get("/v1/templates/{template_id}")
async def show_template(request: web.Request) -> web.Response:
    template_id = request.match_info["template_id"]
    doc = await request.app[DATABASE].templates.find_one({"_id": template_id})
    if doc is None:
        raise NotFound(f"no template {template_id}")
    return web.json_response(_template(doc))


def _template(doc: Document) -> dict[str, Any]:
    out = _plain(doc)
    out.pop("_id", None)
    return out


@routes.post("/v1/ideas")
async def rank_for_idea(request: web.Request) -> web.Response:
    body = await json_body(request, "idea.json")
    ranked = await ideas.rank(
        request.app[DATABASE],
        body["idea"],
        page_id=body.get("page_id"),
        language=body.get("language"),
        limit=body.get("limit", 5),
    )
    return web.json_response(
        {"idea": body["idea"], "ranked": [ideas.ranked_json(r) for r in ranked]}
    )


@routes.post("/v1/generate")
async def generate(request: web.Request) -> web.Response:
    body = await json_body(request, "idea.json")
    result = await ideas.generate(
        request.app[DATABASE],
        body["idea"],
        page_id=body.get("page_id"),
        language=body.get("language"),
        n=body.get("vars", 3),
        link=body.get("link"),
    )
    return web.json_response(
        {
            "idea": result.idea,
            "drafts": [d.to_json() for d in result.drafts],
            "ranked": [ideas.ranked_json(r) for r in result.ranked],
            "preview": result.preview,
        }
    )
