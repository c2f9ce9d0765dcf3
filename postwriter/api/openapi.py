"""The OpenAPI 3.1 document: one source for the routes' schemas, their roles and the docs.

The document is assembled from `spec/base.yaml` and one fragment per area in `spec/paths/`;
each fragment holds `paths` and may add `components`. Standard error responses are added to
every operation here, so fragments list only what is particular to a route.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from postwriter.security.roles import Role

METHODS = ("get", "put", "post", "delete", "patch")
PUBLIC = "public"


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    required: bool
    schema: dict[str, Any]
    validator: Draft202012Validator


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    operation_id: str
    # None: public (no key needed).
    role: Role | None
    path_params: dict[str, Param] = field(default_factory=dict)
    query_params: dict[str, Param] = field(default_factory=dict)
    header_params: dict[str, Param] = field(default_factory=dict)
    body: Draft202012Validator | None = None
    body_required: bool = False
    # A larger body limit for this route (the cookie upload), else the service default.
    max_body_bytes: int | None = None
    # Pages people open from links (the dashboard) ignore unknown query parameters
    # (utm_source...); API operations refuse them.
    ignore_unknown_query: bool = False


def _read(name: str) -> dict[str, Any]:
    text = resources.files("postwriter.api").joinpath("spec", name).read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"spec/{name} is not a mapping")
    return data


@cache
def document() -> dict[str, Any]:
    """The whole document, as served at /v1/openapi.json."""
    doc = _read("base.yaml")
    fragments = resources.files("postwriter.api").joinpath("spec", "paths")
    for entry in sorted(fragments.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        part = _read(f"paths/{entry.name}")
        for path, item in (part.get("paths") or {}).items():
            if path in doc["paths"]:
                raise ValueError(f"{path} is defined twice (again in {entry.name})")
            doc["paths"][path] = item
        for section, entries in (part.get("components") or {}).items():
            target = doc["components"].setdefault(section, {})
            for key, value in entries.items():
                if key in target:
                    raise ValueError(f"components.{section}.{key} defined twice ({entry.name})")
                target[key] = value
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                _add_standard_responses(path, item[method])
    return doc


def _add_standard_responses(path: str, op: dict[str, Any]) -> None:
    responses = op.setdefault("responses", {})
    ref = "#/components/responses/"
    standard = {"400": "BadRequest"}
    if op.get("x-role", "viewer") != PUBLIC:
        standard |= {"401": "Unauthorized", "403": "Forbidden", "429": "RateLimited"}
        standard["503"] = "Unavailable"
    else:
        op["security"] = []
    if "{" in path:
        standard["404"] = "NotFound"
    if "requestBody" in op:
        standard |= {"413": "PayloadTooLarge", "415": "UnsupportedMediaType"}
    for status, name in standard.items():
        responses.setdefault(status, {"$ref": ref + name})


def _deref(node: Any, root: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """Inline local `$ref`s so a schema validates on its own."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in seen:
                raise ValueError(f"recursive $ref {ref}")
            target: Any = root
            for part in ref[2:].split("/"):
                target = target[part]
            merged = {**copy.deepcopy(target), **{k: v for k, v in node.items() if k != "$ref"}}
            return _deref(merged, root, (*seen, ref))
        return {k: _deref(v, root, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [_deref(v, root, seen) for v in node]
    return node


def _param(spec: dict[str, Any]) -> Param:
    schema = spec.get("schema", {"type": "string"})
    return Param(spec["name"], bool(spec.get("required")), schema, Draft202012Validator(schema))


@cache
def dereferenced() -> dict[str, Any]:
    """The document with every local `$ref` inlined."""
    resolved: dict[str, Any] = _deref(document(), document())
    return resolved


@cache
def operations() -> dict[tuple[str, str], Operation]:
    """(METHOD, path template) → the operation, with validators ready."""
    doc = dereferenced()
    out: dict[tuple[str, str], Operation] = {}
    for path, item in doc["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            # Operation parameters override path-level ones with the same name and place.
            merged = {(p["name"], p["in"]): p for p in (*shared, *op.get("parameters", []))}
            located = [(_param(spec), where) for (_, where), spec in merged.items()]
            role_name = op.get("x-role", "viewer")
            body = op.get("requestBody")
            body_schema = (body or {}).get("content", {}).get("application/json", {}).get("schema")
            out[(method.upper(), path)] = Operation(
                method=method.upper(),
                path=path,
                operation_id=op["operationId"],
                role=None if role_name == PUBLIC else Role.parse(role_name),
                path_params={p.name: p for p, where in located if where == "path"},
                query_params={p.name: p for p, where in located if where == "query"},
                header_params={p.name: p for p, where in located if where == "header"},
                body=Draft202012Validator(body_schema) if body_schema is not None else None,
                body_required=bool((body or {}).get("required")),
                max_body_bytes=op.get("x-max-body-bytes"),
                ignore_unknown_query=bool(op.get("x-ignore-unknown-query")),
            )
    return out


def largest_body_bytes() -> int:
    """The largest per-route body limit in the document (0 if none raises it)."""
    return max((op.max_body_bytes or 0 for op in operations().values()), default=0)


def find(method: str, path_template: str) -> Operation | None:
    ops = operations()
    found = ops.get((method, path_template))
    if found is None and method == "HEAD":
        found = ops.get(("GET", path_template))
    return found
