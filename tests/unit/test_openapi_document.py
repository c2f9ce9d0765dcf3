"""The OpenAPI document is valid 3.1, complete, and matches the routes the app serves."""

from __future__ import annotations

from typing import Any

from openapi_spec_validator import validate

from postwriter.api import openapi
from postwriter.api.app import make_app
from postwriter.security.roles import ROLE_NAMES
from postwriter.settings import Settings


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    doc = openapi.document()
    return [
        (method.upper(), path, item[method])
        for path, item in doc["paths"].items()
        for method in openapi.METHODS
        if method in item
    ]


def test_the_document_is_valid_openapi_3_1() -> None:
    doc = openapi.document()
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_every_operation_has_a_unique_id_a_role_a_summary_and_a_success_response() -> None:
    ids = [op["operationId"] for _, _, op in _operations()]
    assert len(ids) == len(set(ids))
    for method, path, op in _operations():
        assert op.get("x-role") in (*ROLE_NAMES, openapi.PUBLIC), (method, path)
        assert op.get("summary"), (method, path)
        assert op.get("tags"), (method, path)
        assert any(code.startswith(("2", "1")) for code in op["responses"]), (method, path)
        if op["x-role"] != openapi.PUBLIC:
            assert {"401", "403", "429"} <= set(op["responses"]), (method, path)


def test_request_bodies_reject_unknown_fields() -> None:
    doc = openapi.dereferenced()
    for path, item in doc["paths"].items():
        for method in openapi.METHODS:
            body = item.get(method, {}).get("requestBody")
            if body:
                schema = body["content"]["application/json"]["schema"]
                assert schema.get("additionalProperties") is False, (method, path)


def test_the_app_serves_exactly_the_documented_routes() -> None:
    app = make_app(Settings())
    served = set()
    for route in app.router.routes():
        resource = route.resource
        if resource is None or route.method in ("HEAD", "*"):
            continue
        served.add((route.method, resource.canonical))
    documented = {(method, path) for method, path, _ in _operations()}
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"
