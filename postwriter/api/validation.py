"""Request bodies validated against JSON Schemas: errors name the field that is wrong."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from aiohttp import web
from jsonschema import Draft202012Validator

from postwriter.errors import InvalidRequest


@cache
def _validator(name: str) -> Draft202012Validator:
    text = resources.files("postwriter.api").joinpath("schemas", name).read_text("utf-8")
    return Draft202012Validator(json.loads(text))


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object, for routes whose model validates it (schedules, recipes)."""
    if request.content_type != "application/json":
        raise InvalidRequest("send the body as application/json")
    try:
        data = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidRequest("body is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidRequest("body must be a JSON object")
    return data


async def json_body(request: web.Request, schema: str) -> dict[str, Any]:
    data = await json_object(request)
    error = next(iter(_validator(schema).iter_errors(data)), None)
    if error is not None:
        path = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "additionalProperties":
            raise InvalidRequest(f"unknown field: {error.message}", field=path or None)
        if error.validator == "required":
            raise InvalidRequest(error.message, field=error.message.split("'")[1])
        raise InvalidRequest(f"{path or 'body'}: {error.message}", field=path or None)
    return data


def int_query(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidRequest(f"{name} must be a whole number", field=name) from None
    if not low <= value <= high:
        raise InvalidRequest(f"{name} must be between {low} and {high}", field=name)
    return value
