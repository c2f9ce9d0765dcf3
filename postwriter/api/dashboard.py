"""The marketing dashboard: one HTML page at `/` and its static files under `/ui/`.

The shell is public (no key): the page asks for an API key and reads everything else from the
API with it. Assets live under `/ui/{version}/`, where the version is a hash of their content,
so they can be cached for a year; the page itself is revalidated on every load. Every
response forbids inline script and style and any origin but this one (CSP), so a post text
that slips markup into the page cannot run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from aiohttp import web

from postwriter.errors import NotFound

routes = web.RouteTableDef()

ASSET_PACKAGE = "postwriter.api"
ASSET_DIR = "dashboard"
INDEX = "index.html"
# Replaced in index.html by the versioned asset directory, e.g. `/ui/3f2a9c0d1b7e`.
ASSET_BASE_MARK = "{{ASSET_BASE}}"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        # 'self' covers ws: and wss: on this host and port (CSP level 3) for the live feed.
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# Versioned URLs never change content; the page is checked on every load (ETag, 304).
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
CACHE_REVALIDATE = "no-cache"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str
    etag: str


@dataclass(frozen=True, slots=True)
class Bundle:
    version: str
    index: Asset
    assets: dict[str, Asset]


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


@cache
def bundle() -> Bundle:
    """The page and its assets, read from the package once per process."""
    folder = resources.files(ASSET_PACKAGE).joinpath(ASSET_DIR)
    raw: dict[str, bytes] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and (entry.name == INDEX or suffix in CONTENT_TYPES):
            raw[entry.name] = entry.read_bytes()
    if INDEX not in raw:
        raise RuntimeError(f"{ASSET_DIR}/{INDEX} is missing from the package")
    digest = hashlib.sha256()
    for name, body in raw.items():
        if name != INDEX:
            digest.update(name.encode() + b"\0" + body + b"\0")
    version = digest.hexdigest()[:12]
    page = raw.pop(INDEX).replace(ASSET_BASE_MARK.encode(), f"/ui/{version}".encode())
    assets = {
        name: Asset(body, CONTENT_TYPES["." + name.rsplit(".", 1)[-1]], _etag(body))
        for name, body in raw.items()
    }
    return Bundle(version, Asset(page, "text/html; charset=utf-8", _etag(page)), assets)


def _respond(request: web.Request, asset: Asset, cache_control: str) -> web.Response:
    headers = {**SECURITY_HEADERS, "Cache-Control": cache_control, "ETag": asset.etag}
    if asset.etag in _etags(request.headers.get("If-None-Match", "")):
        return web.Response(status=304, headers=headers)
    headers["Content-Type"] = asset.content_type
    return web.Response(body=asset.body, headers=headers)


def _etags(header: str) -> set[str]:
    # Weak validators match too: a proxy may have re-compressed the body.
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


@routes.get("/")
async def dashboard(request: web.Request) -> web.Response:
    """The dashboard page."""
    return _respond(request, bundle().index, CACHE_REVALIDATE)


@routes.get("/ui/{version}/{name}")
async def dashboard_asset(request: web.Request) -> web.Response:
    """A script, style sheet or icon of the dashboard."""
    current = bundle()
    asset = current.assets.get(request.match_info["name"])
    if asset is None:
        raise NotFound("no such dashboard file")
    # An old page asking for an old version gets today's file, but must not keep it.
    fresh = request.match_info["version"] == current.version
    return _respond(request, asset, CACHE_IMMUTABLE if fresh else CACHE_REVALIDATE)
