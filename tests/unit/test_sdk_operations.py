"""Every operation of the OpenAPI document has an SDK method of its snake_case name."""

from __future__ import annotations

import inspect
import re

from postwriter.api.openapi import METHODS, document
from postwriter.sdk import AsyncClient, Client

# Upgraded to a WebSocket: `watch()` speaks it, no plain method.
NOT_CALLS = frozenset({"openWebSocket"})


def snake(operation_id: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", operation_id).lower()


def operation_ids(*, public: bool) -> set[str]:
    found = set()
    for item in document()["paths"].values():
        for method in METHODS:
            op = item.get(method)
            if op is None or op["operationId"] in NOT_CALLS:
                continue
            if (op.get("x-role") == "public") == public:
                found.add(op["operationId"])
    return found


def test_snake_case_names() -> None:
    assert snake("getOpenApi") == "get_open_api"
    assert snake("listJobPosts") == "list_job_posts"
    assert snake("revokeApiKey") == "revoke_api_key"


def test_every_authenticated_operation_has_an_async_and_a_sync_method() -> None:
    ids = operation_ids(public=False)
    assert "createJob" in ids  # the document is read, not empty
    missing_async = sorted(
        i
        for i in ids
        if not inspect.iscoroutinefunction(getattr(AsyncClient, snake(i), None))
        and not inspect.isasyncgenfunction(getattr(AsyncClient, snake(i), None))
    )
    missing_sync = sorted(i for i in ids if not callable(getattr(Client, snake(i), None)))
    assert missing_async == []
    assert missing_sync == []


def _answers_json(operation_id: str) -> bool:
    for item in document()["paths"].values():
        for method in METHODS:
            op = item.get(method)
            if op is not None and op["operationId"] == operation_id:
                return any(
                    "application/json" in (answer.get("content") or {})
                    for status, answer in op["responses"].items()
                    if status.startswith("2")
                )
    return False


def test_the_public_json_operations_have_methods_too() -> None:
    public = [i for i in operation_ids(public=True) if _answers_json(i)]
    assert "health" in public
    for operation_id in public:
        assert callable(getattr(AsyncClient, snake(operation_id), None)), operation_id


def test_the_sync_client_mirrors_the_async_one() -> None:
    names = {
        n
        for n, v in inspect.getmembers(AsyncClient)
        if not n.startswith("_") and (callable(v) and not isinstance(v, type))
    }
    assert names - {"close"} <= set(dir(Client))
    # Same parameters, same defaults: the facade is the same API, blocking.
    for name in names - {"close", "watch"}:
        sync_signature = inspect.signature(getattr(Client, name))
        async_signature = inspect.signature(getattr(AsyncClient, name))
        assert sync_signature.parameters.keys() == async_signature.parameters.keys(), name
