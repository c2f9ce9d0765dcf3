"""Checks a schema cannot say, for handlers (the body and query are in `request[BODY]` and
`request[QUERY]`, validated against the OpenAPI document)."""

from __future__ import annotations

from datetime import UTC, datetime

from postwriter.errors import InvalidRequest


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
