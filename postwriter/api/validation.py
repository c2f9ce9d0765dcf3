"""Small helpers for handlers: the validated body and query, and checks a schema cannot say."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from postwriter.errors import InvalidRequest

from .keys import BODY, QUERY


def body_of(request: web.Request) -> dict[str, Any]:
    """The JSON body the validation middleware checked against the OpenAPI document."""
    return request[BODY]


def query_of(request: web.Request) -> dict[str, Any]:
    return request[QUERY]


def parse_instant(value: str | None, name: str) -> datetime | None:
    """An ISO 8601 date-time with a UTC offset, as an aware UTC datetime."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"{name} is not an ISO 8601 date-time", field=name) from None
    if parsed.tzinfo is None:
        raise InvalidRequest(f"{name} needs a UTC offset, e.g. +00:00", field=name)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise InvalidRequest(f"{name} is out of range", field=name) from None
