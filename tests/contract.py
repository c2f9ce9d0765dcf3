"""Responses checked against the OpenAPI document, for contract tests of any route.

`await documented(resp, "GET", "/v1/pages/{page_id}/topics", 200)` asserts the status,
reads the JSON body and validates it against the schema the document gives for that
operation and status (every `$ref` resolved inside the document, `format` checked).
`assert_error(body, "invalid_request", field="limit")` checks the stable error body.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import ClientResponse
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from postwriter.api import openapi

_BASE = "urn:postwriter:openapi"


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@cache
def _registry() -> Registry:
    resource = Resource.from_contents(openapi.document(), default_specification=DRAFT202012)
    registry: Registry = Registry().with_resource(_BASE, resource)
    return registry


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """A response object that is a `$ref` (the standard error responses), followed."""
    seen = 0
    while "$ref" in node:
        seen += 1
        assert seen < 10, f"$ref loop at {node['$ref']}"
        target: Any = openapi.document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def documented_schema(method: str, path: str, status: int) -> dict[str, Any]:
    """The JSON schema of `path`'s `method` answer with `status`, as a `$ref` into the
    document (so nested refs resolve); AssertionError when that status is not documented."""
    item = openapi.document()["paths"].get(path)
    assert item is not None, f"{path} is not in the OpenAPI document"
    operation = item.get(method.lower())
    assert operation is not None, f"{method} {path} is not in the OpenAPI document"
    responses = operation.get("responses", {})
    assert str(status) in responses, (
        f"{method} {path} does not document status {status} (documented: {sorted(responses)})"
    )
    response = _resolve(responses[str(status)])
    content = response.get("content")
    if content is None:
        return {"const": None, "description": "no body"}
    assert "application/json" in content, f"{method} {path} {status} has no JSON body"
    if "$ref" in responses[str(status)]:
        where = responses[str(status)]["$ref"].removeprefix("#/").split("/")
    else:
        where = ["paths", path, method.lower(), "responses", str(status)]
    pointer = _pointer(*where, "content", "application/json", "schema")
    return {"$ref": f"{_BASE}#/{pointer}"}


def validator_for(method: str, path: str, status: int) -> Draft202012Validator:
    return Draft202012Validator(
        documented_schema(method, path, status),
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def assert_matches(method: str, path: str, status: int, body: Any) -> None:
    """AssertionError listing every way `body` breaks the documented schema."""
    errors = sorted(
        validator_for(method, path, status).iter_errors(body), key=lambda e: list(e.path)
    )
    if errors:
        lines = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]
        raise AssertionError(
            f"{method} {path} {status}: the body breaks the documented schema:\n  "
            + "\n  ".join(lines[:20])
        )


async def documented(resp: ClientResponse, method: str, path: str, status: int) -> Any:
    """Assert the status, then return the JSON body once it matches the document
    (`None` for a documented empty answer such as 204)."""
    text = await resp.text()
    assert resp.status == status, f"{method} {path}: {resp.status} (wanted {status}): {text}"
    if status == 204 or not text:
        assert not text, f"{method} {path} {status} should have no body: {text}"
        documented_schema(method, path, status)  # the status must still be documented
        return None
    assert resp.content_type == "application/json", resp.content_type
    body = await resp.json()
    assert_matches(method, path, status, body)
    return body


def assert_error(body: Any, code: str, *, field: str | None = None) -> None:
    """The stable error body: `{"error": {"code", "message", "details"?}}`."""
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"], error
    assert set(error) <= {"code", "message", "details"}, error
    if field is not None:
        assert error.get("details", {}).get("field") == field, error
