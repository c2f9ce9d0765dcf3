"""Small helpers shared by the client's areas: request bodies and list answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from .errors import UnexpectedResponse
from .models import Listing, Model

M = TypeVar("M", bound=Model)


def body(**values: Any) -> dict[str, Any]:
    """A JSON body without the arguments left at None; datetimes as ISO 8601."""
    return {k: _plain(v) for k, v in values.items() if v is not None}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a datetime needs a time zone (e.g. datetime.now(UTC))")
        return value.isoformat()
    return value


def listing(cls: type[M], data: Any, key: str) -> Listing[M]:
    """The items under `key` of a list answer, as models, with its `next_cursor`."""
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise UnexpectedResponse(f"expected an object with a {key!r} list")
    cursor = data.get("next_cursor")
    return Listing(
        [cls.from_json(item) for item in data[key]],
        cursor if isinstance(cursor, str) and cursor else None,
        data,
    )


def mapping(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise UnexpectedResponse("expected a JSON object")
    return data
