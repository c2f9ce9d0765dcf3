"""Bearer-key authentication on every route but health and metrics."""

from __future__ import annotations

import hashlib
import hmac

from aiohttp import web
from aiohttp.typedefs import Handler

from .errors import error_response
from .keys import PRINCIPAL, SETTINGS

PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
WS_PROTOCOL = "postwriter.v1"
_BEARER_PROTOCOL = "bearer."


def presented_key(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    # Browsers cannot set headers on a WebSocket: they offer `bearer.KEY` as a subprotocol.
    for proto in request.headers.getall("Sec-WebSocket-Protocol", []):
        for item in proto.split(","):
            item = item.strip()
            if item.startswith(_BEARER_PROTOCOL):
                return item[len(_BEARER_PROTOCOL) :]
    return None


def principal_for(key: str) -> str:
    """A stable, non-secret name for a key, fit for logs and ownership fields."""
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:12]


def key_is_valid(key: str, valid: tuple[str, ...]) -> bool:
    # Compare against every key so the time taken does not tell which one nearly matched.
    matched = False
    for candidate in valid:
        matched |= hmac.compare_digest(key.encode(), candidate.encode())
    return matched


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path in PUBLIC_PATHS:
        return await handler(request)
    key = presented_key(request)
    if key is None or not key_is_valid(key, request.app[SETTINGS].api_keys):
        response = error_response(401, "unauthorized", "a valid API key is required")
        response.headers["WWW-Authenticate"] = 'Bearer realm="postwriter"'
        return response
    request[PRINCIPAL] = principal_for(key)
    return await handler(request)
