"""Analysis routes: page analytics and topics, templates, ideas and generated posts.

Path, query and body are checked against the OpenAPI document (spec/paths/analysis.yaml)
before these handlers run; they read `request[QUERY]` and `request[BODY]`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from postwriter.errors import NotFound
from postwriter.services import ideas
from postwriter.storage.database import Document

from .jsonable import jsonable
from .keys import BODY, DATABASE, QUERY

routes = web.RouteTableDef()
# What a page shows in lists; the analytics add effects and topics.
_SUMMARY_DEFAULTS: dict[str, Any] = {
    "name": None,
    "followers": None,
    "posts_analysed": 0,
    "marketing_posts": 0,
    "voice": {},
    "outliers": [],
    "analysed_at": None,
}


def _plain(doc: Document) -> dict[str, Any]:
    out: dict[str, Any] = jsonable(dict(doc))
    return out


def _page_json(doc: Document, *, detail: bool) -> dict[str, Any]:
    """One shape for every page: a page the scraper noted but analysis has not reached yet
    carries the same keys (zero counts, nulls) as an analysed one."""
    stored = _plain(doc)
    page_id = str(stored["_id"])
    platform, _, source = page_id.partition(":")
    out: dict[str, Any] = {
        "page_id": page_id,
        "platform": stored.get("platform") or platform,
        "source": stored.get("source") or source,
    }
    for key, default in _SUMMARY_DEFAULTS.items():
        value = stored.get(key)
        out[key] = default if value is None else value
    if detail:
        out["effects"] = stored.get("effects") or {}
        out["topics"] = stored.get("topics") or []
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
    return web.json_response({"pages": [_page_json(d, detail=False) for d in docs]})


@routes.get("/v1/pages/{page_id}/analytics")
async def page_analytics(request: web.Request) -> web.Response:
    return web.json_response(_page_json(await _page(request), detail=True))


@routes.get("/v1/pages/{page_id}/topics")
async def page_topics(request: web.Request) -> web.Response:
    page = _page_json(await _page(request), detail=True)
    return web.json_response({"page_id": page["page_id"], "topics": page["topics"]})


@routes.get("/v1/templates")
async def list_templates(request: web.Request) -> web.Response:
    params = request[QUERY]
    query: dict[str, Any] = {}
    if page_id := params.get("page_id"):
        platform, _, source = page_id.partition(":")
        query = {"platform": platform, "source": source}
    docs = (
        await request.app[DATABASE]
        .templates.find(query)
        .sort([("score", -1), ("_id", 1)])
        .limit(params["limit"])
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
    out.setdefault("created_at", None)
    out.setdefault("updated_at", None)
    return out


@routes.post("/v1/ideas")
async def rank_for_idea(request: web.Request) -> web.Response:
    body = request[BODY]
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
    body = request[BODY]
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
