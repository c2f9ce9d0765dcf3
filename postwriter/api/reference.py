"""`/v1/openapi.json` and a readable HTML page rendered from the same document."""

from __future__ import annotations

import hashlib
import html
import json
import re
from functools import cache
from typing import Any

from aiohttp import web

from . import openapi

routes = web.RouteTableDef()

_CSP = "default-src 'none'; style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_CODE = re.compile(r"`([^`]+)`")
_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:70rem;margin:0 auto;padding:1rem;color:#1b1b1b}
h1{font-size:1.6rem}h2{border-bottom:2px solid #ddd;margin-top:2.5rem}
section.op{border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.m{display:inline-block;min-width:4.5rem;font-weight:700;font-family:monospace}
code,pre{font-family:ui-monospace,monospace;background:#f4f4f4;border-radius:3px}
pre{padding:.5rem;overflow:auto;max-height:24rem}table{border-collapse:collapse}
td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
.role{font-size:.85rem;background:#e8f0fe;padding:0 .4rem;border-radius:3px}
"""


@routes.get("/v1/openapi.json")
async def openapi_json(request: web.Request) -> web.Response:
    body, etag = _document_bytes(), _document_etag()
    # The dashboard reads this on every sign-in: a revalidation costs no 140 KB body.
    headers = {"Cache-Control": "no-cache", "ETag": etag}
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, content_type="application/json", headers=headers)


@routes.get("/v1/docs")
async def api_docs(request: web.Request) -> web.Response:
    return web.Response(
        text=_page(),
        content_type="text/html",
        headers={"Content-Security-Policy": _CSP, "X-Content-Type-Options": "nosniff"},
    )


@cache
def _document_bytes() -> bytes:
    return json.dumps(openapi.document(), indent=1).encode()


@cache
def _document_etag() -> str:
    return '"' + hashlib.sha256(_document_bytes()).hexdigest()[:32] + '"'


def _text(value: str) -> str:
    escaped = html.escape(value)
    return "<br>".join(_CODE.sub(r"<code>\1</code>", escaped).split("\n\n"))


@cache
def _page() -> str:
    doc = openapi.document()
    resolved = openapi.dereferenced()
    info = doc["info"]
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<meta name=viewport content='width=device-width,initial-scale=1'>",
        f"<title>{html.escape(info['title'])}</title><style>{_STYLE}</style></head><body>",
        f"<header><h1>{html.escape(info['title'])} {html.escape(info['version'])}</h1>",
        f"<p>{_text(info.get('description', ''))}</p>",
        "<p>Machine-readable: <a href='/v1/openapi.json'>/v1/openapi.json</a></p></header><main>",
    ]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, item in resolved["paths"].items():
        for method in openapi.METHODS:
            if method in item:
                op = item[method]
                op_params = [*item.get("parameters", []), *op.get("parameters", [])]
                by_tag.setdefault(op.get("tags", ["other"])[0], []).append(
                    (method, path, {**op, "parameters": op_params})
                )
    for tag in doc.get("tags", []):
        ops = by_tag.pop(tag["name"], [])
        if ops:
            parts.append(_section(tag["name"], tag.get("description", ""), ops))
    for name, ops in by_tag.items():
        parts.append(_section(name, "", ops))
    parts.append("</main></body></html>")
    return "".join(parts)


def _section(name: str, description: str, ops: list[tuple[str, str, dict[str, Any]]]) -> str:
    out = [f"<h2 id='{html.escape(name)}'>{html.escape(name)}</h2><p>{_text(description)}</p>"]
    for method, path, op in ops:
        role = op.get("x-role", "viewer")
        out.append(
            f"<section class=op id='{html.escape(op['operationId'])}'>"
            f"<h3><span class=m>{method.upper()}</span> <code>{html.escape(path)}</code> "
            f"<span class=role>{html.escape(role)}</span></h3>"
            f"<p><strong>{html.escape(op.get('summary', ''))}</strong> "
            f"(<code>{html.escape(op['operationId'])}</code>)</p>"
            f"<p>{_text(op.get('description', ''))}</p>"
        )
        if op["parameters"]:
            out.append("<table><tr><th>parameter</th><th>in</th><th>schema</th></tr>")
            for p in op["parameters"]:
                req = " (required)" if p.get("required") else ""
                out.append(
                    f"<tr><td><code>{html.escape(p['name'])}</code>{req}</td>"
                    f"<td>{html.escape(p['in'])}</td>"
                    f"<td><code>{html.escape(json.dumps(p.get('schema', {})))}</code></td></tr>"
                )
            out.append("</table>")
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            schema = json.dumps(body.get("schema", {}), indent=1)
            out.append(f"<p>Body (JSON):</p><pre>{html.escape(schema)}</pre>")
        out.append("<p>Responses:</p><ul>")
        for status, response in op.get("responses", {}).items():
            out.append(
                f"<li><code>{html.escape(status)}</code> "
                f"{html.escape(response.get('description', ''))}</li>"
            )
        out.append("</ul></section>")
    return "".join(out)
