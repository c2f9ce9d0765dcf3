"""Every error answers `{"error": {"code", "message", "details"?}}`; nothing answers a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from pymongo.errors import PyMongoError

from postwriter.errors import PostWriterError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return web.json_response({"error": body}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except PostWriterError as exc:
        details = {"field": exc.field} if exc.field else None
        status = exc.http_status
        if status >= 500:
            log.error("request failed", extra={"code": exc.code, "path": request.path})
        return error_response(status, exc.code, exc.message, details)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        response = error_response(exc.status, code, exc.reason)
        if "Allow" in exc.headers:  # a 405 names the methods that would work (RFC 9110)
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except PyMongoError:
        log.exception("database error", extra={"path": request.path})
        return error_response(503, "service_unavailable", "the database is not available")
    except Exception:
        log.exception("unhandled error", extra={"path": request.path})
        return error_response(500, "internal_error", "an unexpected error occurred")
