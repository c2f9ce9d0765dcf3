"""`GET /v1/settings`: the running API's effective settings, for admins; never a secret."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from aiohttp import web

from postwriter.settings import PREFIX, Settings

from .keys import SETTINGS

routes = web.RouteTableDef()


def public_settings(settings: Settings) -> dict[str, Any]:
    """Every setting by its variable name; secrets and DSNs (the `repr=False` fields) show
    only whether they are set."""
    out: dict[str, Any] = {}
    for f in fields(settings):
        value = getattr(settings, f.name)
        name = PREFIX + f.name.upper()
        if not f.repr:
            out[name] = {"set": bool(value)}
        elif isinstance(value, tuple):
            out[name] = list(value)
        else:
            out[name] = value
    return out


@routes.get("/v1/settings")
async def get_settings(request: web.Request) -> web.Response:
    return web.json_response({"settings": public_settings(request.app[SETTINGS])})
