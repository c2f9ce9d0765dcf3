"""The session routes answer what the OpenAPI document says, and refuse what it forbids."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from postwriter.settings import Settings
from tests.contract import assert_error, documented
from tests.integration.stack import AUTH, api_running

pytestmark = pytest.mark.integration

KEY = "k2:" + "B" * 43  # 32 bytes, base64url without padding
LIST = "/v1/sessions"
ONE = "/v1/sessions/{session_id}"
JSON = {**AUTH, "Content-Type": "application/json"}


def cookie_file(count: int = 2, expires: float = -1) -> str:
    cookie = {"domain": ".example.com", "path": "/", "expires": expires, "httpOnly": True,
              "secure": True, "sameSite": "Lax"}  # fmt: skip
    cookies = [{**cookie, "name": f"c{i}", "value": f"v{i}"} for i in range(count)]
    return json.dumps({"cookies": cookies, "origins": []})


@pytest.fixture
def vault_settings(settings: Settings) -> Settings:
    return replace(settings, keys=KEY)


async def test_every_session_route_answers_its_documented_shape(vault_settings: Settings) -> None:
    async with api_running(vault_settings) as stack:
        client = stack.client
        assert await documented(await client.get(LIST, headers=AUTH), "GET", LIST, 200) == {
            "sessions": []
        }
        body = {"platform": "facebook", "name": " Acme team ", "data": cookie_file()}
        created = await documented(
            await client.post(LIST, json=body, headers=AUTH), "POST", LIST, 201
        )
        sid = created["session_id"]
        assert (created["name"], created["cookie_count"], created["status"]) == (
            "Acme team",
            2,
            "active",
        )
        assert created["earliest_expiry"] is None and created["domains"] == ["example.com"]
        text = json.dumps(created)
        assert "v0" not in text and "v1" not in text  # no cookie value is shown

        # Replacing a session's cookies keeps its id; the format may be named.
        again = {**body, "session_id": sid, "format": "storage_state", "data": cookie_file(3, 4e9)}
        replaced = await documented(
            await client.post(LIST, json=again, headers=AUTH), "POST", LIST, 201
        )
        assert replaced["session_id"] == sid and replaced["cookie_count"] == 3
        assert replaced["earliest_expiry"] and replaced["revision"] != created["revision"]

        listed = await documented(await client.get(LIST, headers=AUTH), "GET", LIST, 200)
        assert [s["session_id"] for s in listed["sessions"]] == [sid]
        shown = await documented(await client.get(f"{LIST}/{sid}", headers=AUTH), "GET", ONE, 200)
        assert shown["cookie_count"] == 3

        assert (
            await documented(await client.delete(f"{LIST}/{sid}", headers=AUTH), "DELETE", ONE, 204)
            is None
        )
        resp = await client.get(f"{LIST}/{sid}", headers=AUTH)
        assert_error(await documented(resp, "GET", ONE, 404), "not_found")
        resp = await client.delete(f"{LIST}/{sid}", headers=AUTH)
        assert_error(await documented(resp, "DELETE", ONE, 404), "not_found")

        # Imports and deletions are security events: in the audit log, without cookies.
        log = await (await client.get("/v1/audit", headers=AUTH)).json()
        events = [(e["event"], e["details"].get("session_id")) for e in log["events"]]
        assert events == [
            ("session.deleted", sid),
            ("session.imported", sid),
            ("session.imported", sid),
        ]
        details = json.dumps([e["details"] for e in log["events"]])
        assert "v0" not in details and "v1" not in details


async def test_a_cookie_upload_may_be_larger_than_other_bodies(vault_settings: Settings) -> None:
    # Past the service's default body limit, within this route's 1.5 MiB.
    assert vault_settings.max_body_bytes < 900_000
    big = json.dumps({"cookies": [{"name": "big", "value": "x" * 3000, "domain": ".example.com",
                                   "path": "/", "expires": -1}] * 1, "origins": [],
                      "padding": " " * 900_000})  # fmt: skip
    async with api_running(vault_settings) as stack:
        body = {"platform": "facebook", "name": "big", "data": big}
        resp = await stack.client.post(LIST, json=body, headers=AUTH)
        created = await documented(resp, "POST", LIST, 201)
        assert created["cookie_count"] == 1
        body = {"platform": "facebook", "name": "huge", "data": "x" * 1_600_000}
        resp = await stack.client.post(LIST, json=body, headers=AUTH)
        assert_error(await documented(resp, "POST", LIST, 413), "payload_too_large")


async def test_bad_session_input_is_refused_with_the_stable_error(vault_settings: Settings) -> None:
    good = {"platform": "facebook", "name": "team", "data": cookie_file()}
    async with api_running(vault_settings) as stack:
        client = stack.client
        for body, field in (
            ({"platform": "facebook", "name": "team"}, "data"),
            ({**good, "cookies": []}, None),
            ({**good, "platform": "Face Book"}, "platform"),
            ({**good, "platform": ""}, "platform"),
            ({**good, "name": ""}, "name"),
            ({**good, "name": "   "}, "name"),
            ({**good, "name": "tab\there"}, "name"),
            ({**good, "data": ""}, "data"),
            ({**good, "data": 5}, "data"),
            ({**good, "format": "har"}, "format"),
            ({**good, "session_id": "short"}, "session_id"),
            ({**good, "session_id": "a.b.c.d.e"}, "session_id"),
        ):
            resp = await client.post(LIST, json=body, headers=AUTH)
            assert_error(await documented(resp, "POST", LIST, 400), "invalid_request", field=field)
        resp = await client.post(LIST, json={**good, "data": "{not json"}, headers=AUTH)
        assert_error(await documented(resp, "POST", LIST, 400), "invalid_cookie_file")
        # An unpaired surrogate in the file: not valid Unicode, refused naming the field.
        raw = b'{"platform": "facebook", "name": "team", "data": "{\\"cookies\\": \\"\\udc80\\"}"}'
        resp = await client.post(LIST, data=raw, headers=JSON)
        assert_error(await documented(resp, "POST", LIST, 400), "invalid_request", field="data")
        resp = await client.post(LIST, data=b'{"platform": "x"', headers=JSON)
        assert_error(await documented(resp, "POST", LIST, 400), "invalid_request")
        resp = await client.get(LIST, params={"limit": "5"}, headers=AUTH)
        assert_error(await documented(resp, "GET", LIST, 400), "invalid_request", field="limit")
        for odd in ("short", "a.b.c.d.e.f.g", "%E2%98%95" * 4, "x" * 65, "abcdefgh%00"):
            resp = await client.get(f"{LIST}/{odd}", headers=AUTH)
            assert_error(
                await documented(resp, "GET", ONE, 400), "invalid_request", field="session_id"
            )
        assert await stack.db.db["sessions"].count_documents({}) == 0


async def test_without_a_sealing_key_an_import_is_unavailable(settings: Settings) -> None:
    async with api_running(replace(settings, keys="", keys_file="")) as stack:
        body = {"platform": "facebook", "name": "team", "data": cookie_file()}
        resp = await stack.client.post(LIST, json=body, headers=AUTH)
        assert_error(await documented(resp, "POST", LIST, 503), "vault_not_configured")
        listed = await documented(await stack.client.get(LIST, headers=AUTH), "GET", LIST, 200)
        assert listed == {"sessions": []}
