"""Post routes: one post, and its engagement over time."""

from __future__ import annotations

from aiohttp import web

from postwriter.errors import NotFound
from postwriter.storage.history import snapshots_of, velocity

from .jobs import public_post
from .keys import DATABASE

routes = web.RouteTableDef()


@routes.get("/v1/posts/{post_id}")
async def get_post(request: web.Request) -> web.Response:
    db = request.app[DATABASE]
    post_id = request.match_info["post_id"]
    doc = await db.posts.find_one({"_id": post_id}, projection={"job_ids": False})
    if doc is None:
        raise NotFound(f"no post {post_id}")
    return web.json_response(public_post(doc))


@routes.get("/v1/posts/{post_id}/history")
async def post_history(request: web.Request) -> web.Response:
    """Each scrape's figures for the post, and reactions per hour since posting."""
    db = request.app[DATABASE]
    post_id = request.match_info["post_id"]
    doc = await db.posts.find_one({"_id": post_id}, projection={"published_at": True})
    if doc is None:
        raise NotFound(f"no post {post_id}")
    snapshots = await snapshots_of(db, post_id)
    return web.json_response(
        {
            "post_id": post_id,
            "published_at": doc["published_at"].isoformat() if doc.get("published_at") else None,
            "snapshots": [
                {"at": s["at"].isoformat(), "job_id": s["job_id"], "metrics": s["metrics"]}
                for s in snapshots
            ],
            "velocity": velocity(doc.get("published_at"), snapshots),
        }
    )
