"""Security events recorded from a request: who (the key), from where, on which route."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from postwriter.storage import audit

from .keys import DATABASE, PRINCIPAL


async def audit_request(request: web.Request, event: str, details: dict[str, Any]) -> None:
    """Record `event` for the authenticated caller of `request`."""
    await audit.record(
        request.app[DATABASE],
        event,
        actor=request[PRINCIPAL].id,
        ip=request.remote,
        method=request.method,
        path=request.path,
        details=details,
    )
