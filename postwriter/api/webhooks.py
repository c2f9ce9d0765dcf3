"""Webhook routes (admin): manage webhooks, read their deliveries, queue a test delivery.

The OpenAPI document (spec/paths/webhooks.yaml) checks path, query and body first; the store
still checks what a schema cannot (the destination, resolved through the egress policy).
The signing secret is in the create and rotate responses only.
"""

from __future__ import annotations

import uuid

from aiohttp import web

from postwriter.errors import NotFound, PostWriterError
from postwriter.webhooks.deliveries import DeliveryStore
from postwriter.webhooks.models import (
    PING_TYPE,
    delivery_id_for,
    ping_body,
    public_delivery,
    public_webhook,
    utcnow,
)
from postwriter.webhooks.store import WebhookStore

from .audit_events import audit_request
from .keys import BODY, DATABASE, POLICY, PRINCIPAL, QUERY, VAULT

routes = web.RouteTableDef()
NO_STORE = {"Cache-Control": "no-store"}
DEFAULT_KEEP_PREVIOUS_S = 86400


class WebhookDisabled(PostWriterError):
    code = "webhook_disabled"
    http_status = 409


def _store(request: web.Request) -> WebhookStore:
    # The session vault's key ring seals webhook secrets too: one ring to manage and rotate.
    return WebhookStore(request.app[DATABASE], request.app[VAULT].keyring, request.app[POLICY])


@routes.post("/v1/webhooks")
async def create_webhook(request: web.Request) -> web.Response:
    body = request[BODY]
    doc, secret = await _store(request).create(
        url=body["url"],
        events=body["events"],
        sources=body.get("sources"),
        description=body.get("description"),
        enabled=body.get("enabled", True),
        created_by=request[PRINCIPAL].id,
    )
    await audit_request(
        request, "webhook.created", {"webhook_id": doc["_id"], "events": doc["events"]}
    )
    return web.json_response(
        {**public_webhook(doc), "secret": secret},
        status=201,
        headers={"Location": f"/v1/webhooks/{doc['_id']}", **NO_STORE},
    )


@routes.get("/v1/webhooks")
async def list_webhooks(request: web.Request) -> web.Response:
    docs = await _store(request).list_all()
    return web.json_response({"webhooks": [public_webhook(d) for d in docs]})


@routes.get("/v1/webhooks/{webhook_id}")
async def get_webhook(request: web.Request) -> web.Response:
    doc = await _store(request).require(request.match_info["webhook_id"])
    return web.json_response(public_webhook(doc))


@routes.patch("/v1/webhooks/{webhook_id}")
async def update_webhook(request: web.Request) -> web.Response:
    changes = request[BODY]
    doc = await _store(request).update(request.match_info["webhook_id"], changes)
    await audit_request(
        request, "webhook.updated", {"webhook_id": doc["_id"], "fields": sorted(changes)}
    )
    return web.json_response(public_webhook(doc))


@routes.delete("/v1/webhooks/{webhook_id}")
async def delete_webhook(request: web.Request) -> web.Response:
    webhook_id = request.match_info["webhook_id"]
    if not await _store(request).delete(webhook_id):
        raise NotFound(f"no webhook {webhook_id}")
    await audit_request(request, "webhook.deleted", {"webhook_id": webhook_id})
    return web.Response(status=204)


@routes.post("/v1/webhooks/{webhook_id}/rotate-secret")
async def rotate_webhook_secret(request: web.Request) -> web.Response:
    keep = request[BODY].get("keep_previous_s", DEFAULT_KEEP_PREVIOUS_S)
    doc, secret = await _store(request).rotate_secret(request.match_info["webhook_id"], keep)
    await audit_request(
        request,
        "webhook.updated",
        {"webhook_id": doc["_id"], "fields": ["secret"], "keep_previous_s": keep},
    )
    return web.json_response({**public_webhook(doc), "secret": secret}, headers=NO_STORE)


@routes.get("/v1/webhooks/{webhook_id}/deliveries")
async def list_webhook_deliveries(request: web.Request) -> web.Response:
    webhook_id = request.match_info["webhook_id"]
    await _store(request).require(webhook_id)
    query = request[QUERY]
    docs, next_cursor = await DeliveryStore(request.app[DATABASE]).page(
        webhook_id, query["limit"], query.get("cursor"), query.get("status")
    )
    return web.json_response(
        {"deliveries": [public_delivery(d) for d in docs], "next_cursor": next_cursor}
    )


@routes.post("/v1/webhooks/{webhook_id}/ping")
async def ping_webhook(request: web.Request) -> web.Response:
    """Queue a `webhook.ping` delivery; the dispatcher sends it like any other."""
    webhook = await _store(request).require(request.match_info["webhook_id"])
    if not webhook.get("enabled"):
        raise WebhookDisabled("the webhook is disabled; enable it to send a ping")
    webhook_id = str(webhook["_id"])
    delivery_id = delivery_id_for(webhook_id, f"ping:{uuid.uuid4().hex}")
    now = utcnow()
    deliveries = DeliveryStore(request.app[DATABASE])
    await deliveries.create(
        delivery_id=delivery_id,
        webhook_id=webhook_id,
        event_type=PING_TYPE,
        body=ping_body(delivery_id, webhook_id, now),
        job_id=None,
        now=now,
    )
    doc = await deliveries.get(delivery_id)
    if doc is None:  # deleted with its webhook in between
        raise NotFound(f"no webhook {webhook_id}")
    return web.json_response(
        public_delivery(doc),
        status=202,
        headers={"Location": f"/v1/webhooks/{webhook_id}/deliveries"},
    )
