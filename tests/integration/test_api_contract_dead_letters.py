"""The dead-letter routes answer what the OpenAPI document says, and refuse what it forbids.

Messages are parked the way the broker parks them: published to the dead-letter exchange.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import aio_pika
import pytest

from postwriter.messaging.topology import DEAD_ROUTING_KEY
from postwriter.settings import Settings
from tests.contract import assert_error, documented
from tests.integration.stack import AUTH, Stack, api_running

pytestmark = pytest.mark.integration

LIST = "/v1/dead-letters"
ONE = "/v1/dead-letters/{letter_id}"
REPLAY = "/v1/dead-letters/{letter_id}/replay"


async def park(stack: Stack, site: str) -> None:
    request = {
        "type": "scrape.request",
        "version": 1,
        "message_id": "parked-contract-1",
        "correlation_id": None,
        "created_at": datetime.now(UTC).isoformat(),
        "payload": {"url": f"{site}/acmecoffee", "max_posts": 3},
    }
    dead = stack.broker.topology.dead
    await dead.publish(
        aio_pika.Message(json.dumps(request).encode(), message_id="parked-contract-1"),
        DEAD_ROUTING_KEY,
    )
    junk = aio_pika.Message(b"\xffjunk", headers={"x-postwriter-error": "body is not UTF-8 JSON"})
    await dead.publish(junk, DEAD_ROUTING_KEY)


async def test_every_dead_letter_route_answers_its_documented_shape(
    settings: Settings, fixture_site: str
) -> None:
    async with api_running(settings) as stack:
        client = stack.client
        empty = await documented(await client.get(LIST, headers=AUTH), "GET", LIST, 200)
        assert empty == {"dead_letters": [], "archived_now": 0}
        await park(stack, fixture_site)

        listed = await documented(await client.get(LIST, headers=AUTH), "GET", LIST, 200)
        assert listed["archived_now"] == 2 and len(listed["dead_letters"]) == 2
        parked = next(d for d in listed["dead_letters"] if d["message_id"] == "parked-contract-1")
        junk = next(d for d in listed["dead_letters"] if d is not parked)
        assert junk["reason"] == "body is not UTF-8 JSON"
        resp = await client.get(LIST, params={"limit": "1"}, headers=AUTH)
        one = await documented(resp, "GET", LIST, 200)
        assert len(one["dead_letters"]) == 1 and one["archived_now"] == 0

        shown = await documented(
            await client.get(f"{LIST}/{junk['id']}", headers=AUTH), "GET", ONE, 200
        )
        assert shown["body"] == "\ufffdjunk"
        assert shown["headers"]["x-postwriter-error"] == "body is not UTF-8 JSON"

        resp = await client.post(f"{LIST}/{junk['id']}/replay", headers=AUTH)
        assert_error(await documented(resp, "POST", REPLAY, 422), "not_replayable")
        resp = await client.post(f"{LIST}/{parked['id']}/replay", headers=AUTH)
        queued = await documented(resp, "POST", REPLAY, 202)
        assert resp.headers["Location"] == f"/v1/jobs/{queued['job_id']}"
        resp = await client.post(f"{LIST}/{parked['id']}/replay", headers=AUTH)
        assert_error(await documented(resp, "POST", REPLAY, 409), "already_replayed")
        params = {"force": "true"}
        resp = await client.post(f"{LIST}/{parked['id']}/replay", params=params, headers=AUTH)
        again = await documented(resp, "POST", REPLAY, 202)
        assert again["job_id"] != queued["job_id"]

        shown = await documented(
            await client.get(f"{LIST}/{parked['id']}", headers=AUTH), "GET", ONE, 200
        )
        assert shown["replayed_as"] == [queued["job_id"], again["job_id"]]
        assert shown["replayed_at"] is not None


async def test_bad_dead_letter_input_is_refused_with_the_stable_error(
    settings: Settings,
) -> None:
    async with api_running(settings) as stack:
        client = stack.client
        for params, field in (
            ({"limit": "0"}, "limit"),
            ({"limit": "501"}, "limit"),
            ({"limit": "ten"}, "limit"),
            ({"limit": "1", "extra": "1"}, "extra"),
        ):
            resp = await client.get(LIST, params=params, headers=AUTH)
            assert_error(await documented(resp, "GET", LIST, 400), "invalid_request", field=field)

        unknown = "0" * 32
        resp = await client.get(f"{LIST}/{unknown}", headers=AUTH)
        assert_error(await documented(resp, "GET", ONE, 404), "not_found")
        resp = await client.post(f"{LIST}/{unknown}/replay", headers=AUTH)
        assert_error(await documented(resp, "POST", REPLAY, 404), "not_found")
        for odd in ("nosuch", "0" * 31 + "G", "0" * 33, "%E2%98%95" * 11, "0" * 30 + "%00"):
            resp = await client.get(f"{LIST}/{odd}", headers=AUTH)
            assert_error(
                await documented(resp, "GET", ONE, 400), "invalid_request", field="letter_id"
            )
        for force in ("yes", "1", ""):
            resp = await client.post(
                f"{LIST}/{unknown}/replay", params={"force": force}, headers=AUTH
            )
            assert_error(
                await documented(resp, "POST", REPLAY, 400), "invalid_request", field="force"
            )
