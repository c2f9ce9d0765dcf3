"""Requests checked against the OpenAPI document before a handler runs.

Path parameters, query parameters (typed, defaults filled in, unknown ones refused) and JSON
bodies (size, media type, schema) are validated here; handlers read `request[QUERY]` and
`request[BODY]`. Errors name the field at fault.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from postwriter.errors import InvalidRequest, PostWriterError

from . import openapi
from .keys import BODY, OPERATION, QUERY, SETTINGS


class PayloadTooLarge(PostWriterError):
    code = "payload_too_large"
    http_status = 413


class UnsupportedMediaType(PostWriterError):
    code = "unsupported_media_type"
    http_status = 415


def operation_of(request: web.Request) -> openapi.Operation | None:
    """The documented operation a request matched, looked up once per request (the auth
    and validation middlewares both need it)."""
    if OPERATION in request:
        return request[OPERATION]
    resource = request.match_info.route.resource
    if resource is None:
        return None
    op = openapi.find(request.method, resource.canonical)
    if op is not None:
        request[OPERATION] = op
    return op


@web.middleware
async def validation_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    op = operation_of(request)
    if op is None:
        return await handler(request)
    for name, param in op.path_params.items():
        _check(param, name, _coerce(request.match_info.get(name, ""), param, name))
    for name, param in op.header_params.items():
        raw = request.headers.get(name)
        if raw is not None:
            _check(param, name, _coerce(raw, param, name))
        elif param.required:
            raise InvalidRequest(f"header {name} is required", field=name)
    request[QUERY] = _query(request, op)
    if op.body is not None:
        request[BODY] = await _body(request, op, op.body)
    return await handler(request)


def _query(request: web.Request, op: openapi.Operation) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in request.query:
        if name not in op.query_params and not op.ignore_unknown_query:
            allowed = ", ".join(sorted(op.query_params)) or "none"
            raise InvalidRequest(
                f"unknown query parameter {name!r} (allowed: {allowed})", field=name
            )
        if name in op.query_params and len(request.query.getall(name)) > 1:
            raise InvalidRequest(f"{name} is given more than once", field=name)
    for name, param in op.query_params.items():
        raw = request.query.get(name)
        if raw is None:
            if param.required:
                raise InvalidRequest(f"query parameter {name} is required", field=name)
            if "default" in param.schema:
                out[name] = param.schema["default"]
            continue
        value = _coerce(raw, param, name)
        _check(param, name, value)
        out[name] = value
    return out


def _coerce(raw: str, param: openapi.Param, name: str) -> Any:
    kind = param.schema.get("type", "string")
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            raise InvalidRequest(f"{name} must be a whole number", field=name) from None
    if kind == "number":
        try:
            return float(raw)
        except ValueError:
            raise InvalidRequest(f"{name} must be a number", field=name) from None
    if kind == "boolean":
        lowered = raw.lower()
        if lowered not in ("true", "false"):
            raise InvalidRequest(f"{name} must be true or false", field=name)
        return lowered == "true"
    if kind == "array":
        return [item for item in raw.split(",") if item] if raw else []
    return raw


def _check(param: openapi.Param, name: str, value: Any) -> None:
    error = next(iter(param.validator.iter_errors(value)), None)
    if error is not None:
        raise InvalidRequest(f"{name}: {_describe(error)}", field=name)


async def _body(
    request: web.Request, op: openapi.Operation, validator: Draft202012Validator
) -> dict[str, Any]:
    limit = op.max_body_bytes or request.app[SETTINGS].max_body_bytes
    if (request.content_length or 0) > limit:
        raise PayloadTooLarge(f"the body may be at most {limit} bytes")
    if not request.body_exists:
        if op.body_required:
            raise InvalidRequest("a JSON body is required")
        return {}
    if request.content_type != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    raw = await request.read()
    if len(raw) > limit:
        raise PayloadTooLarge(f"the body may be at most {limit} bytes")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidRequest("body is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidRequest("body must be a JSON object")
    for key, value in data.items():
        try:
            # JSON may escape an unpaired surrogate ("\udc80"), which no UTF-8 store takes.
            json.dumps({key: value}, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            name = key.encode("utf-8", "replace").decode()
            raise InvalidRequest(f"{name}: text holds an unpaired surrogate", field=name) from None
    error = next(iter(sorted(validator.iter_errors(data), key=_depth)), None)
    if error is not None:
        raise _as_invalid(error)
    return data


def _depth(error: ValidationError) -> int:
    return len(error.absolute_path)


def _as_invalid(error: ValidationError) -> InvalidRequest:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties":
        return InvalidRequest(f"unknown field: {error.message}", field=path or None)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else None
        name = f"{path}.{missing}" if path and missing else missing
        return InvalidRequest(error.message, field=name)
    return InvalidRequest(f"{path or 'body'}: {_describe(error)}", field=path or None)


def _describe(error: ValidationError) -> str:
    message = error.message
    # Long values are echoed by jsonschema; keep the message short and free of the input.
    return message if len(message) <= 200 else message[:197] + "..."
