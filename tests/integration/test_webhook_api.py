"""Webhook routes on real services: CRUD, validation, roles, egress checks, sealed secrets,
rotation, pings and the paged delivery history."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import bson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from postwriter.api.app import make_app
from postwriter.security.egress import EgressPolicy
from postwriter.security.keyring import KeyRing
from postwriter.security.roles import Role
from postwriter.settings import Settings
from postwriter.storage import api_keys
from postwriter.storage.database import Database, open_database
from postwriter.webhooks.store import WebhookStore
from tests.conftest import ROOT, drop_everything, make_settings
from tests.contract import assert_error, documented
from tests.e2e.processes import settings_env
from tests.integration.stack import AUTH

pytestmark = pytest.mark.integration

KEYS = KeyRing.generate_key()
HOOK = "http://127.0.0.1:9/hooks/postwriter"  # allowed below; nothing is ever sent here
COLLECTION = "/v1/webhooks"
ONE = "/v1/webhooks/{webhook_id}"
DELIVERIES = "/v1/webhooks/{webhook_id}/deliveries"
PING = "/v1/webhooks/{webhook_id}/ping"
ROTATE = "/v1/webhooks/{webhook_id}/rotate-secret"
Client = TestClient[Any, Any]


@pytest.fixture
async def hook_settings(service_urls: tuple[str, str]) -> AsyncIterator[Settings]:
    settings = make_settings(service_urls, None, egress_allow=("127.0.0.1:9",), keys=KEYS)
    yield settings
    await drop_everything(settings)


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[Client, Database]]:
    client: Client = TestClient(TestServer(make_app(settings)))
    await client.start_server()
    try:
        async with open_database(settings, indexes=False) as db:
            yield client, db
    finally:
        await client.close()


async def _create(client: Client, **fields: Any) -> dict[str, Any]:
    body = {"url": HOOK, "events": ["job.succeeded"], **fields}
    resp = await client.post(COLLECTION, json=body, headers=AUTH)
    created: dict[str, Any] = await documented(resp, "POST", COLLECTION, 201)
    return created


async def test_create_read_update_delete(hook_settings: Settings) -> None:
    async with running(hook_settings) as (client, db):
        resp = await client.post(
            COLLECTION,
            json={
                "url": HOOK,
                "events": ["job.failed", "job.succeeded", "analysis.done"],
                "sources": ["https://www.facebook.com/acme"],
                "description": "CRM sync",
            },
            headers=AUTH,
        )
        created = await documented(resp, "POST", COLLECTION, 201)
        webhook_id = created["webhook_id"]
        assert resp.headers["Location"] == f"/v1/webhooks/{webhook_id}"
        assert resp.headers["Cache-Control"] == "no-store"
        assert created["secret"].startswith("whsec_")
        assert created["events"] == ["analysis.done", "job.failed", "job.succeeded"]
        assert created["sources"] == ["https://www.facebook.com/acme"]
        assert created["enabled"] is True and created["created_by"] == "key:bootstrap"

        path = f"/v1/webhooks/{webhook_id}"
        shown = await documented(await client.get(path, headers=AUTH), "GET", ONE, 200)
        assert "secret" not in shown
        assert shown == {k: v for k, v in created.items() if k != "secret"}
        listed = await documented(
            await client.get(COLLECTION, headers=AUTH), "GET", COLLECTION, 200
        )
        assert [w["webhook_id"] for w in listed["webhooks"]] == [webhook_id]
        assert "secret" not in listed["webhooks"][0]

        resp = await client.patch(
            path,
            json={"events": ["job.failed"], "enabled": False, "description": "", "sources": []},
            headers=AUTH,
        )
        changed = await documented(resp, "PATCH", ONE, 200)
        assert changed["events"] == ["job.failed"] and changed["enabled"] is False
        assert changed["sources"] == [] and changed["description"] == ""
        assert changed["url"] == HOOK and changed["updated_at"] >= created["updated_at"]

        other = "http://127.0.0.1:9/elsewhere"
        changed = await documented(
            await client.patch(path, json={"url": other}, headers=AUTH), "PATCH", ONE, 200
        )
        assert changed["url"] == other and changed["events"] == ["job.failed"]

        assert (await client.delete(path, headers=AUTH)).status == 204
        assert_error(await (await client.get(path, headers=AUTH)).json(), "not_found")
        resp = await client.delete(path, headers=AUTH)
        assert resp.status == 404

        events = [d["event"] for d in await db.audit.find({}).sort("at", 1).to_list()]
        assert events == [
            "webhook.created",
            "webhook.updated",
            "webhook.updated",
            "webhook.deleted",
        ]


async def test_the_secret_is_shown_once_and_sealed_at_rest(hook_settings: Settings) -> None:
    async with running(hook_settings) as (client, db):
        created = await _create(client)
        secret = created["secret"]
        stored = await db.db["webhooks"].find_one({"_id": created["webhook_id"]})
        assert stored is not None
        raw = bson.encode(stored)
        assert secret.encode() not in raw
        assert secret.removeprefix("whsec_").encode() not in raw
        assert stored["secret"]["current"]["kid"] == KEYS.split(":", 1)[0]
        store = WebhookStore(db, KeyRing.from_config(KEYS), EgressPolicy(("127.0.0.1:9",)))
        assert store.signing_secrets(stored, stored["created_at"]) == [secret]
        # Another key ring cannot open it.
        other = WebhookStore(db, KeyRing.from_config(KeyRing.generate_key()), EgressPolicy())
        with pytest.raises(Exception, match="no key with id"):
            other.signing_secrets(stored, stored["created_at"])


async def test_rotation_keeps_the_previous_secret_for_a_while(hook_settings: Settings) -> None:
    async with running(hook_settings) as (client, db):
        created = await _create(client)
        path = f"/v1/webhooks/{created['webhook_id']}/rotate-secret"
        rotated = await documented(await client.post(path, headers=AUTH), "POST", ROTATE, 200)
        assert rotated["secret"] != created["secret"]
        expires = datetime.fromisoformat(rotated["previous_secret_expires_at"])
        rotated_at = datetime.fromisoformat(rotated["secret_rotated_at"])
        assert expires - rotated_at == timedelta(days=1)
        store = WebhookStore(db, KeyRing.from_config(KEYS), EgressPolicy())
        doc = await store.require(created["webhook_id"])
        assert store.signing_secrets(doc, rotated_at) == [rotated["secret"], created["secret"]]
        assert store.signing_secrets(doc, expires) == [rotated["secret"]]

        again = await documented(
            await client.post(path, json={"keep_previous_s": 0}, headers=AUTH), "POST", ROTATE, 200
        )
        assert again["previous_secret_expires_at"] is None
        doc = await store.require(created["webhook_id"])
        assert store.signing_secrets(doc, rotated_at) == [again["secret"]]
        resp = await client.post(path, json={"keep_previous_s": 604801}, headers=AUTH)
        assert_error(await documented(resp, "POST", ROTATE, 400), "invalid_request")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": ["job.succeeded"]}, "url"),
        ({"url": HOOK}, "events"),
        ({"url": HOOK, "events": []}, "events"),
        ({"url": HOOK, "events": ["job.started"]}, "events.0"),
        ({"url": HOOK, "events": ["job.failed", "job.failed"]}, "events"),
        ({"url": "ftp://127.0.0.1:9/x", "events": ["job.failed"]}, "url"),
        ({"url": HOOK + "x" * 2048, "events": ["job.failed"]}, "url"),
        ({"url": HOOK, "events": ["job.failed"], "sources": ["not a url"]}, "sources.0"),
        ({"url": HOOK, "events": ["job.failed"], "secret": "mine"}, None),
        ({"url": HOOK, "events": ["job.failed"], "enabled": "yes"}, "enabled"),
        # Unpaired surrogates are valid JSON but no UTF-8 store takes them.
        ({"url": HOOK, "events": ["job.failed"], "description": "\ud800"}, "description"),
        ({"url": HOOK + "\udc80", "events": ["job.failed"]}, "url"),
        ({"url": HOOK, "events": ["job.failed"], "sources": ["http://a.test/\ud800"]}, "sources"),
    ],
)
async def test_invalid_bodies_are_refused(
    hook_settings: Settings, body: dict[str, Any], field: str | None
) -> None:
    async with running(hook_settings) as (client, db):
        resp = await client.post(COLLECTION, json=body, headers=AUTH)
        assert_error(
            await documented(resp, "POST", COLLECTION, 400), "invalid_request", field=field
        )
        assert await db.db["webhooks"].count_documents({}) == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://localhost:9/hook",
        "http://127.0.0.1:10/hook",  # loopback, but not the allowed port
        "http://[::1]:9/hook",
        "http://user:pw@127.0.0.1:9/hook",
        "http://" + "a" * 70 + ".example/hook",  # a host name DNS cannot encode
    ],
)
async def test_blocked_destinations_are_refused(hook_settings: Settings, url: str) -> None:
    async with running(hook_settings) as (client, _):
        resp = await client.post(
            COLLECTION, json={"url": url, "events": ["job.failed"]}, headers=AUTH
        )
        body = await documented(resp, "POST", COLLECTION, 400)
        assert body["error"]["code"] in ("blocked_destination", "invalid_request"), body
        assert body["error"]["details"]["field"] == "url"
        created = await _create(client)
        path = f"/v1/webhooks/{created['webhook_id']}"
        resp = await client.patch(path, json={"url": url}, headers=AUTH)
        assert (await documented(resp, "PATCH", ONE, 400))["error"]["details"]["field"] == "url"
        assert (await (await client.get(path, headers=AUTH)).json())["url"] == HOOK


async def test_paths_and_queries_are_validated(hook_settings: Settings) -> None:
    async with running(hook_settings) as (client, _):
        created = await _create(client)
        webhook_id = created["webhook_id"]
        resp = await client.get("/v1/webhooks/not-an-id", headers=AUTH)
        assert resp.status == 400
        resp = await client.get("/v1/webhooks/" + "0" * 32, headers=AUTH)
        assert_error(await documented(resp, "GET", ONE, 404), "not_found")
        resp = await client.patch(f"/v1/webhooks/{webhook_id}", json={}, headers=AUTH)
        assert_error(await documented(resp, "PATCH", ONE, 400), "invalid_request")
        resp = await client.patch(f"/v1/webhooks/{webhook_id}", json={"secret": "x"}, headers=AUTH)
        assert_error(await documented(resp, "PATCH", ONE, 400), "invalid_request")
        deliveries = f"/v1/webhooks/{webhook_id}/deliveries"
        for query in ({"limit": "0"}, {"status": "lost"}, {"cursor": "%%%"}, {"page": "2"}):
            resp = await client.get(deliveries, params=query, headers=AUTH)
            assert_error(await documented(resp, "GET", DELIVERIES, 400), "invalid_request")


async def test_only_admins_manage_webhooks(hook_settings: Settings) -> None:
    async with running(hook_settings) as (client, db):
        created = await _create(client)
        path = f"/v1/webhooks/{created['webhook_id']}"
        calls = [
            ("POST", COLLECTION, {"url": HOOK, "events": ["job.failed"]}),
            ("GET", COLLECTION, None),
            ("GET", path, None),
            ("PATCH", path, {"enabled": False}),
            ("DELETE", path, None),
            ("GET", path + "/deliveries", None),
            ("POST", path + "/ping", None),
            ("POST", path + "/rotate-secret", None),
        ]
        for role in (Role.VIEWER, Role.OPERATOR):
            key = (await api_keys.create_key(db, name=role.label, role=role, created_by="test")).key
            for method, url, body in calls:
                resp = await client.request(
                    method, url, json=body, headers={"Authorization": f"Bearer {key}"}
                )
                assert_error(await resp.json(), "forbidden")
                assert resp.status == 403, (role, method, url)
        for method, url, body in calls:
            resp = await client.request(method, url, json=body)
            assert resp.status == 401, (method, url)
        # Nothing changed.
        shown = await (await client.get(path, headers=AUTH)).json()
        assert shown["enabled"] is True and shown["secret_rotated_at"] is None
        assert await db.db["webhooks"].count_documents({}) == 1


async def test_pings_queue_deliveries_listed_newest_first(hook_settings: Settings) -> None:
    async with running(hook_settings) as (client, _):
        created = await _create(client)
        webhook_id = created["webhook_id"]
        ping = f"/v1/webhooks/{webhook_id}/ping"
        queued = []
        for _ in range(3):
            resp = await client.post(ping, headers=AUTH)
            delivery = await documented(resp, "POST", PING, 202)
            assert delivery["event_type"] == "webhook.ping" and delivery["status"] == "pending"
            assert delivery["attempts"] == [] and delivery["next_attempt_at"] is not None
            queued.append(delivery["delivery_id"])
        assert len(set(queued)) == 3

        deliveries = f"/v1/webhooks/{webhook_id}/deliveries"
        resp = await client.get(deliveries, params={"limit": "2"}, headers=AUTH)
        first = await documented(resp, "GET", DELIVERIES, 200)
        assert [d["delivery_id"] for d in first["deliveries"]] == queued[::-1][:2]
        assert first["next_cursor"]
        resp = await client.get(
            deliveries, params={"limit": "2", "cursor": first["next_cursor"]}, headers=AUTH
        )
        second = await documented(resp, "GET", DELIVERIES, 200)
        assert [d["delivery_id"] for d in second["deliveries"]] == [queued[0]]
        assert second["next_cursor"] is None
        resp = await client.get(deliveries, params={"status": "succeeded"}, headers=AUTH)
        assert (await documented(resp, "GET", DELIVERIES, 200))["deliveries"] == []

        await client.patch(f"/v1/webhooks/{webhook_id}", json={"enabled": False}, headers=AUTH)
        resp = await client.post(ping, headers=AUTH)
        assert_error(await documented(resp, "POST", PING, 409), "webhook_disabled")
        resp = await client.post("/v1/webhooks/" + "0" * 32 + "/ping", headers=AUTH)
        assert resp.status == 404
        # Deleting the webhook deletes its history.
        assert (await client.delete(f"/v1/webhooks/{webhook_id}", headers=AUTH)).status == 204
        resp = await client.get(deliveries, headers=AUTH)
        assert resp.status == 404


async def test_secrets_are_resealed_after_a_key_rotation(hook_settings: Settings) -> None:
    async with running(hook_settings) as (client, db):
        created = await _create(client)
        old_ring = KeyRing.from_config(KEYS)
        new_entry = KeyRing.generate_key()
        both = old_ring.with_primary(new_entry)
        store = WebhookStore(db, old_ring, EgressPolicy())
        assert await store.reseal(both) == {"re_encrypted": 1, "current": 0, "failed": 0}
        assert await store.reseal(both) == {"re_encrypted": 0, "current": 1, "failed": 0}
        doc = await store.require(created["webhook_id"])
        assert doc["secret"]["current"]["kid"] == new_entry.split(":", 1)[0]
        only_new = WebhookStore(db, KeyRing.from_config(new_entry), EgressPolicy())
        assert only_new.signing_secrets(doc, doc["created_at"]) == [created["secret"]]
        stranger = WebhookStore(db, KeyRing.from_config(KeyRing.generate_key()), EgressPolicy())
        assert await stranger.reseal(KeyRing.from_config(KeyRing.generate_key())) == {
            "re_encrypted": 0,
            "current": 0,
            "failed": 1,
        }


async def test_keys_rotate_on_the_command_line_reseals_webhook_secrets(
    hook_settings: Settings,
) -> None:
    async with running(hook_settings) as (client, db):
        created = await _create(client)
        new_entry = KeyRing.generate_key()
        env = settings_env(hook_settings)
        env["POSTWRITER_KEYS"] = f"{new_entry},{KEYS}"
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "postwriter", "keys", "rotate", "--reencrypt-only"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout.splitlines()[-1])
        assert report["webhooks"] == {"re_encrypted": 1, "current": 0, "failed": 0}
        store = WebhookStore(db, KeyRing.from_config(new_entry), EgressPolicy())
        doc = await store.require(created["webhook_id"])
        assert doc["secret"]["current"]["kid"] == new_entry.split(":", 1)[0]
