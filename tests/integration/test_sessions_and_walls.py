"""Logged-in sessions, login walls, blocks, challenges and robots.txt on the live path."""

from __future__ import annotations

import json
import logging
from typing import Any

import bson
import pytest

from postwriter.settings import Settings
from tests.fixtures.site import walls
from tests.fixtures.site.expected import expected_posts
from tests.integration.stack import AUTH, api_running, consumer_running, submit, watch

pytestmark = pytest.mark.integration
KEY = "k1:" + "A" * 43  # 32 bytes, base64url without padding


def _storage_state(secret: str) -> str:
    cookie = {
        "domain": "127.0.0.1",
        "path": "/",
        "expires": -1,
        "httpOnly": True,
        "secure": False,
        "sameSite": "Lax",
    }
    return json.dumps(
        {
            "cookies": [
                {**cookie, "name": walls.SESSION_COOKIE, "value": walls.SESSION_VALUE},
                {**cookie, "name": walls.SECRET_COOKIE, "value": secret},
            ],
            "origins": [],
        }
    )


@pytest.fixture
def vault_settings(settings: Settings) -> Settings:
    from dataclasses import replace

    return replace(settings, keys=KEY)


async def _import(client: Any, secret: str) -> str:
    body = {"platform": "facebook", "name": "Acme team", "data": _storage_state(secret)}
    resp = await client.post("/v1/sessions", json=body, headers=AUTH)
    assert resp.status == 201, await resp.text()
    info = await resp.json()
    assert info["cookie_count"] == 2 and info["status"] == "active"
    session_id: str = info["session_id"]
    return session_id


async def test_a_session_opens_the_members_timeline_and_its_cookies_stay_secret(
    vault_settings: Settings, fixture_site: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with api_running(vault_settings) as stack, consumer_running(vault_settings):
        session_id = await _import(stack.client, walls.SECRET_VALUE)
        url = f"{fixture_site}/members/acmecoffee"
        job_id = await submit(stack.client, {"url": url, "session_id": session_id})
        events = await watch(stack.client, job_id)
        assert events[-1]["type"] == "job.succeeded", events[-1]
        stored = await stack.db.posts.count_documents({"job_ids": job_id})
        assert stored == len(expected_posts(fixture_site)) == 24

        # The secret is nowhere: not in MongoDB, not in events, not in logs, not in the API.
        for name in await stack.db.db.list_collection_names():
            async for doc in stack.db.db[name].find({}):
                assert walls.SECRET_VALUE.encode() not in bson.encode(doc), name
        assert walls.SECRET_VALUE not in json.dumps(events)
        assert walls.SECRET_VALUE not in caplog.text
        listed = await (await stack.client.get("/v1/sessions", headers=AUTH)).text()
        assert walls.SECRET_VALUE not in listed and session_id in listed


async def test_a_login_wall_fails_the_job_and_marks_the_session_stale(
    vault_settings: Settings, fixture_site: str
) -> None:
    async with api_running(vault_settings) as stack, consumer_running(vault_settings):
        url = f"{fixture_site}/members/acmecoffee"
        anonymous = await submit(stack.client, {"url": url})
        final = (await watch(stack.client, anonymous))[-1]
        assert final["type"] == "job.failed"
        assert final["data"]["error"]["code"] == "login_required"

        session_id = await _import(stack.client, "expired-secret")
        job_id = await submit(stack.client, {"url": url, "session_id": session_id})
        final = (await watch(stack.client, job_id))[-1]
        assert final["data"]["error"]["code"] == "login_required"
        info = await (await stack.client.get(f"/v1/sessions/{session_id}", headers=AUTH)).json()
        assert info["status"] == "stale"
        assert await stack.db.posts.count_documents({}) == 0


async def test_a_tampered_session_fails_with_decryption_failed_and_is_kept(
    vault_settings: Settings, fixture_site: str
) -> None:
    async with api_running(vault_settings) as stack, consumer_running(vault_settings):
        session_id = await _import(stack.client, walls.SECRET_VALUE)
        before = await stack.db.db["sessions"].find({"sealed": {"$exists": True}}).to_list()
        assert before
        for doc in before:
            ciphertext = bytes(doc["sealed"]["ciphertext"])
            flipped = bytes([ciphertext[0] ^ 1]) + ciphertext[1:]
            await stack.db.db["sessions"].update_one(
                {"_id": doc["_id"]}, {"$set": {"sealed.ciphertext": flipped}}
            )
        url = f"{fixture_site}/members/acmecoffee"
        job_id = await submit(stack.client, {"url": url, "session_id": session_id})
        final = (await watch(stack.client, job_id))[-1]
        assert final["type"] == "job.failed"
        assert final["data"]["error"]["code"] == "decryption_failed"
        after = await stack.db.db["sessions"].find({"sealed": {"$exists": True}}).to_list()
        # Nothing overwritten or removed: the tampered record is still there as it was.
        assert [d["sealed"] for d in after] == [
            {
                **d["sealed"],
                "ciphertext": bytes([bytes(d["sealed"]["ciphertext"])[0] ^ 1])
                + bytes(d["sealed"]["ciphertext"])[1:],
            }
            for d in before
        ]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/walls/blocked", "blocked"),
        ("/walls/challenge", "challenge"),
        ("/walls/too-many", "blocked"),
        ("/walls/robots-denied", "robots_disallowed"),
    ],
)
async def test_blocks_challenges_and_robots_are_typed_failures(
    settings: Settings, fixture_site: str, path: str, code: str
) -> None:
    async with api_running(settings) as stack, consumer_running(settings):
        job_id = await submit(stack.client, {"url": f"{fixture_site}{path}"})
        final = (await watch(stack.client, job_id))[-1]
        assert final["type"] == "job.failed", final
        assert final["data"]["error"]["code"] == code
        assert final["data"]["counts"]["posts_found"] == 0


async def test_bad_session_uploads_store_nothing(vault_settings: Settings) -> None:
    async with api_running(vault_settings) as stack:
        for data, words in (
            ("{not json", "storage_state"),
            ("# Netscape HTTP Cookie File\n.x.test\tTRUE\t/\n", "netscape line 2"),
        ):
            body = {"platform": "facebook", "name": "broken", "data": data}
            resp = await stack.client.post("/v1/sessions", json=body, headers=AUTH)
            assert resp.status == 400
            error = (await resp.json())["error"]
            assert error["code"] == "invalid_cookie_file"
            assert words in error["message"]
        assert await stack.db.db["sessions"].count_documents({}) == 0
