"""Authentication and authorisation: bearer API keys, roles per operation, per-key limits.

Which role an operation needs comes from its `x-role` in the OpenAPI document; operations
marked `public` need no key. The WebSocket authenticates in its handler (it must accept the
upgrade before it can close with 4401), so the middleware lets `/v1/ws` through.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler

from postwriter.errors import PostWriterError, Unauthorized
from postwriter.security.roles import Principal, Role
from postwriter.settings import Settings
from postwriter.storage import api_keys, audit
from postwriter.storage.database import Database

from .errors import error_response
from .key_limits import KeyLimiter, retry_after_header
from .keys import DATABASE, PRINCIPAL
from .request_validation import operation_of

WS_PATH = "/v1/ws"
WS_PROTOCOL = "postwriter.v1"
_BEARER_PROTOCOL = "bearer."
BOOTSTRAP_KEY_ID = "bootstrap"
CACHE_SECONDS = 5.0
CACHE_MAX = 10_000
# Failed attempts written to the audit log per client address per minute; the rest are counted.
AUDIT_FAILURES_PER_MINUTE = 30


class Forbidden(PostWriterError):
    code = "forbidden"
    http_status = 403


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


@dataclass(slots=True)
class _Cached:
    principal: Principal | None
    until: float


class Authenticator:
    """Finds the principal for a key; caches answers briefly so each request is not a query.

    A revoked key stops working on this replica at once (revocation clears the cache) and on
    the others within `CACHE_SECONDS`.
    """

    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._settings = settings
        self._bootstrap = (
            hashlib.sha256(settings.bootstrap_api_key.encode()).digest()
            if settings.bootstrap_api_key
            else None
        )
        self._admin = Principal(
            BOOTSTRAP_KEY_ID, Role.ADMIN, "bootstrap", settings.api_rate_per_minute
        )
        self._cache: dict[str, _Cached] = {}
        self.limiter = KeyLimiter()
        self.failures = KeyLimiter()

    async def principal(self, key: str) -> Principal | None:
        digest = hashlib.sha256(key.encode()).digest()
        if self._bootstrap is not None and hmac.compare_digest(digest, self._bootstrap):
            return self._admin
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and cached.until > now:
            return cached.principal
        found = await api_keys.lookup(self._db, key, self._settings.api_rate_per_minute)
        if len(self._cache) >= CACHE_MAX:
            self._cache.clear()
        self._cache[key] = _Cached(found, now + CACHE_SECONDS)
        return found

    def forget(self) -> None:
        self._cache.clear()


AUTHENTICATOR = web.AppKey("authenticator", Authenticator)


async def authenticate(request: web.Request) -> Principal:
    """The caller, or `Unauthorized` (recorded in the audit log, at a bounded rate)."""
    key = presented_key(request)
    auth = request.app[AUTHENTICATOR]
    principal = await auth.principal(key) if key else None
    if principal is None:
        reason = "no key" if key is None else "unknown or revoked key"
        ip = request.remote or "unknown"
        if auth.failures.take(f"ip:{ip}", AUDIT_FAILURES_PER_MINUTE) == 0:
            await audit.record(
                request.app[DATABASE],
                "auth.failed",
                actor=None,
                ip=ip,
                method=request.method,
                path=request.path,
                details={"reason": reason},
            )
        raise Unauthorized("a valid API key is required")
    return principal


async def authorise(request: web.Request, principal: Principal, needed: Role) -> None:
    if principal.allows(needed):
        return
    await audit.record(
        request.app[DATABASE],
        "auth.forbidden",
        actor=principal.id,
        ip=request.remote,
        method=request.method,
        path=request.path,
        details={"role": principal.role.label, "needed": needed.label},
    )
    raise Forbidden(f"this needs the {needed.label} role; the key has {principal.role.label}")


def _unauthorised(message: str) -> web.Response:
    response = error_response(401, "unauthorized", message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="postwriter"'
    return response


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    op = operation_of(request)
    if (op is not None and op.role is None) or request.path == WS_PATH:
        return await handler(request)
    try:
        principal = await authenticate(request)
    except Unauthorized as exc:
        return _unauthorised(exc.message)
    # Unknown routes answer 404 only to a valid key, so they reveal nothing to strangers.
    needed = op.role if op is not None and op.role is not None else Role.VIEWER
    await authorise(request, principal, needed)
    wait = request.app[AUTHENTICATOR].limiter.take(principal.key_id, principal.rate_per_minute)
    if wait > 0:
        response = error_response(
            429,
            "rate_limited",
            f"too many requests for this key ({principal.rate_per_minute} per minute)",
            {"retry_after_s": max(1, round(wait))},
        )
        response.headers["Retry-After"] = retry_after_header(wait)
        return response
    request[PRINCIPAL] = principal
    return await handler(request)
