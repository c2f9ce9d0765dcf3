"""What the SDK raises: one root, API errors by status, transport and watch failures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .retry import parse_retry_after


class SDKError(Exception):
    """Root of every error the SDK raises on purpose."""


class TransportError(SDKError):
    """The request did not get an HTTP answer (connection refused or reset, timeout).

    Raised after the retries allowed for the request are spent.
    """


class UnexpectedResponse(SDKError):
    """A success answer the SDK cannot read (not JSON, or a resource without its id)."""


class ApiError(SDKError):
    """The server answered with an error status.

    `code` is the stable machine-readable code of the error body
    (`{"error": {"code", "message", "details"}}`), or `http_error` when the body is not one.
    """

    status: int
    code: str
    message: str
    details: dict[str, Any]
    headers: Mapping[str, str]

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = dict(headers or {})

    @property
    def field(self) -> str | None:
        """The input at fault, when the server named one (`details.field`)."""
        value = self.details.get("field")
        return value if isinstance(value, str) else None


class BadRequest(ApiError):
    """400: the request breaks the schema, or a rule the server checks."""


class Unauthorized(ApiError):
    """401: no key, or an unknown or revoked one."""


class Forbidden(ApiError):
    """403: the key's role does not allow the operation."""


class NotFound(ApiError):
    """404: no such resource."""


class Conflict(ApiError):
    """409: the request conflicts with the resource's state (e.g. `idempotency_conflict`)."""


class PayloadTooLarge(ApiError):
    """413: the body is larger than the route accepts."""


class Unprocessable(ApiError):
    """422: understood but not doable (e.g. a dead letter that is `not_replayable`)."""


class RateLimited(ApiError):
    """429: too many requests for this key; `retry_after` is the wait the server asked for."""

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("Retry-After"))


class ServerError(ApiError):
    """5xx: a fault on the server's side."""


class ServiceUnavailable(ServerError):
    """503: a backing service is down; the request may succeed later."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: Unprocessable,
    429: RateLimited,
    503: ServiceUnavailable,
}


def error_for(
    status: int, body: Any, headers: Mapping[str, str] | None = None, reason: str = ""
) -> ApiError:
    """The exception for an error answer; tolerant of bodies that are not the standard one."""
    code, message, details = "http_error", reason or f"HTTP {status}", {}
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        if isinstance(error.get("code"), str):
            code = error["code"]
        if isinstance(error.get("message"), str):
            message = error["message"]
        if isinstance(error.get("details"), dict):
            details = error["details"]
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else ApiError
    return cls(status, code, message, details, headers)


class WatchError(SDKError):
    """Watching a job over the WebSocket cannot go on (refused key, unknown job, bad protocol)."""

    def __init__(self, message: str, *, code: str | None = None, close_code: int | None = None):
        super().__init__(message)
        self.code = code
        self.close_code = close_code


class WatchTimeout(WatchError, TimeoutError):
    """The job did not reach its end within the watch's total timeout."""
