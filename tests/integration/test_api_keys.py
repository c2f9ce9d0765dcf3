"""API keys and roles on the real stack: hashes only, roles per route, revocation, limits, audit."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import pytest

from postwriter.settings import Settings
from tests.conftest import ROOT
from tests.e2e.processes import settings_env
from tests.integration.stack import AUTH, Stack, api_running

pytestmark = pytest.mark.integration


async def _create(stack: Stack, role: str, **extra: Any) -> tuple[str, str]:
    resp = await stack.client.post(
        "/v1/api-keys", json={"name": f"{role} key", "role": role, **extra}, headers=AUTH
    )
    assert resp.status == 201, await resp.text()
    body = await resp.json()
    assert resp.headers["Cache-Control"] == "no-store"
    return body["key_id"], body["key"]


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _audit(stack: Stack, event: str) -> list[dict[str, Any]]:
    resp = await stack.client.get("/v1/audit", params={"event": event}, headers=AUTH)
    assert resp.status == 200, await resp.text()
    events: list[dict[str, Any]] = (await resp.json())["events"]
    return events


async def test_a_key_is_shown_once_and_stored_only_as_a_hash(settings: Settings) -> None:
    async with api_running(settings) as stack:
        key_id, key = await _create(stack, "viewer")
        assert key.startswith(f"pw_{key_id}_")
        stored = await stack.db.api_keys.find_one({"_id": key_id})
        assert stored is not None
        assert key not in json.dumps(stored, default=str)
        listed = await (await stack.client.get("/v1/api-keys", headers=AUTH)).json()
        assert [k["key_id"] for k in listed["api_keys"]] == [key_id]
        assert "key" not in listed["api_keys"][0] and "hash" not in listed["api_keys"][0]
        shown = await (await stack.client.get(f"/v1/api-keys/{key_id}", headers=AUTH)).json()
        assert shown["role"] == "viewer" and "key" not in shown
        created = await _audit(stack, "key.created")
        assert created[0]["details"]["key_id"] == key_id
        assert created[0]["actor"] == "key:bootstrap"


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        ("viewer", [("GET", "/v1/jobs")], [("POST", "/v1/jobs"), ("POST", "/v1/generate")]),
        ("analyst", [("POST", "/v1/generate")], [("POST", "/v1/jobs"), ("GET", "/v1/api-keys")]),
        ("operator", [("POST", "/v1/jobs")], [("GET", "/v1/api-keys"), ("GET", "/v1/audit")]),
        ("admin", [("GET", "/v1/api-keys"), ("GET", "/v1/audit"), ("POST", "/v1/jobs")], []),
    ],
)
async def test_each_role_reaches_its_routes_and_no_others(
    settings: Settings, fixture_site: str, role: str, allowed: list[Any], denied: list[Any]
) -> None:
    bodies = {
        "/v1/jobs": {"url": f"{fixture_site}/acmecoffee", "max_posts": 1},
        "/v1/generate": {"idea": "new seasonal latte"},
    }
    async with api_running(settings) as stack:
        _, key = await _create(stack, role)
        for method, path in allowed:
            body = bodies.get(path) if method == "POST" else None
            resp = await stack.client.request(method, path, json=body, headers=_bearer(key))
            assert resp.status not in (401, 403), (method, path, await resp.text())
        for method, path in denied:
            body = bodies.get(path) if method == "POST" else None
            resp = await stack.client.request(method, path, json=body, headers=_bearer(key))
            assert resp.status == 403, (method, path)
            error = (await resp.json())["error"]
            assert error["code"] == "forbidden" and role in error["message"]
        if denied:
            denials = await _audit(stack, "auth.forbidden")
            assert len(denials) == len(denied)
            assert {d["details"]["role"] for d in denials} == {role}


async def test_revoked_and_unknown_keys_answer_401_and_are_audited(settings: Settings) -> None:
    async with api_running(settings) as stack:
        key_id, key = await _create(stack, "operator")
        assert (await stack.client.get("/v1/jobs", headers=_bearer(key))).status == 200
        revoked = await stack.client.delete(f"/v1/api-keys/{key_id}", headers=AUTH)
        assert revoked.status == 204
        assert (await stack.client.get(f"/v1/api-keys/{key_id}", headers=AUTH)).status == 404
        resp = await stack.client.get("/v1/jobs", headers=_bearer(key))
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert (await resp.json())["error"]["code"] == "unauthorized"
        forged = key[:-4] + "AAAA"
        assert (await stack.client.get("/v1/jobs", headers=_bearer(forged))).status == 401
        failures = await _audit(stack, "auth.failed")
        assert len(failures) == 2
        assert all(f["details"]["reason"] == "unknown or revoked key" for f in failures)
        assert key not in json.dumps(failures) and forged not in json.dumps(failures)
        assert (await _audit(stack, "key.revoked"))[0]["details"]["key_id"] == key_id
        listed = await (await stack.client.get("/v1/api-keys", headers=AUTH)).json()
        assert listed["api_keys"] == []


async def test_a_key_over_its_rate_gets_429_with_retry_after(settings: Settings) -> None:
    async with api_running(settings) as stack:
        _, key = await _create(stack, "viewer", rate_per_minute=3)
        statuses = [
            (await stack.client.get("/v1/jobs", headers=_bearer(key))).status for _ in range(3)
        ]
        assert statuses == [200, 200, 200]
        limited = await stack.client.get("/v1/jobs", headers=_bearer(key))
        assert limited.status == 429
        assert int(limited.headers["Retry-After"]) >= 1
        assert (await limited.json())["error"]["code"] == "rate_limited"
        # Another key is not held back by this one.
        assert (await stack.client.get("/v1/jobs", headers=AUTH)).status == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "role": "root"}, "role"),
        ({"name": "x", "role": "viewer", "scopes": ["all"]}, None),
        ({"role": "viewer"}, "name"),
        ({"name": "x", "role": "viewer", "rate_per_minute": 0}, "rate_per_minute"),
    ],
)
async def test_bad_key_requests_are_refused_with_the_field(
    settings: Settings, body: dict[str, Any], field: str | None
) -> None:
    async with api_running(settings) as stack:
        resp = await stack.client.post("/v1/api-keys", json=body, headers=AUTH)
        assert resp.status == 400
        error = (await resp.json())["error"]
        assert error["code"] == "invalid_request"
        if field:
            assert error["details"]["field"] == field
        else:
            assert "unknown field" in error["message"]
        assert await stack.db.api_keys.count_documents({}) == 0


async def test_the_cli_creates_a_key_the_api_accepts_and_revokes_it(settings: Settings) -> None:
    env = {**settings_env(settings), "POSTWRITER_BOOTSTRAP_API_KEY": ""}

    def cli(*args: str) -> list[dict[str, Any]]:
        done = subprocess.run(
            [sys.executable, "-m", "postwriter", "api-keys", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in done.stdout.splitlines()]

    created = (await asyncio.to_thread(cli, "create", "--name", "ci", "--role", "analyst"))[0]
    assert created["role"] == "analyst"
    async with api_running(settings) as stack:
        ok = await stack.client.get("/v1/templates", headers=_bearer(created["key"]))
        assert ok.status == 200
        listed = await asyncio.to_thread(cli, "list")
        assert [k["key_id"] for k in listed] == [created["key_id"]]
        assert all("key" not in k for k in listed)
        await asyncio.to_thread(cli, "revoke", created["key_id"])
        await asyncio.sleep(5.2)  # another process revoked it: this replica's cache expires
        gone = await stack.client.get("/v1/templates", headers=_bearer(created["key"]))
        assert gone.status == 401
        events = [e["event"] for e in await asyncio.to_thread(cli, "audit")]
        assert {"key.created", "key.revoked", "auth.failed"} <= set(events)


async def test_admins_read_the_effective_settings_without_secrets(settings: Settings) -> None:
    async with api_running(settings) as stack:
        resp = await stack.client.get("/v1/settings", headers=AUTH)
        assert resp.status == 200
        shown = (await resp.json())["settings"]
        assert shown["POSTWRITER_MONGODB_DB"] == settings.mongodb_db
        assert shown["POSTWRITER_BOOTSTRAP_API_KEY"] == {"set": True}
        assert shown["POSTWRITER_AMQP_URL"] == {"set": True}
        text = json.dumps(shown)
        assert settings.bootstrap_api_key not in text and settings.amqp_url not in text
        _, key = await _create(stack, "operator")
        assert (await stack.client.get("/v1/settings", headers=_bearer(key))).status == 403
