"""WebSocket protocol v1 (docs/websocket.md) on real RabbitMQ and FerretDB: auth, origins,
limits, subscriptions by id, ids and source, resume without gap or repeat, heartbeats."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient

from postwriter.api.ws import close_websockets
from postwriter.services.events import EventSink
from postwriter.settings import Settings
from postwriter.storage import jobs
from tests.conftest import TEST_API_KEY
from tests.integration.stack import AUTH, Stack, api_running, submit

pytestmark = pytest.mark.integration

BROWSER_PROTOCOLS = ("postwriter.v1", f"bearer.{TEST_API_KEY}")
WAIT_S = 30


async def _message(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """The next JSON message that is not a heartbeat."""
    while True:
        msg = await ws.receive()
        assert msg.type == WSMsgType.TEXT, (msg.type, msg.data, msg.extra)
        data: dict[str, Any] = msg.json()
        if data["type"] != "heartbeat":
            return data


async def _close_code(ws: aiohttp.ClientWebSocketResponse) -> int:
    """Read until the server's close frame; its code."""
    while True:
        msg = await ws.receive()
        if msg.type == WSMsgType.CLOSE:
            code: int = msg.data
            return code
        assert msg.type == WSMsgType.TEXT, (msg.type, msg.data)


async def _events_until(
    ws: aiohttp.ClientWebSocketResponse, job_id: str, last_seq: int
) -> list[dict[str, Any]]:
    """Events of one job until `last_seq`, failing on anything out of place."""
    events: list[dict[str, Any]] = []
    while not events or events[-1]["seq"] < last_seq:
        data = await _message(ws)
        if "seq" in data and data["job_id"] == job_id:
            events.append(data)
    return events


async def _emit(stack: Stack, job_id: str, count: int, start: int = 0) -> None:
    sink = EventSink(stack.db, stack.broker)
    for i in range(start, start + count):
        await sink.emit(job_id, "page.loaded", {"i": i})


def _ws(client: TestClient[Any, Any], **kwargs: Any) -> Any:
    return client.ws_connect("/v1/ws", **kwargs)


async def test_a_plain_get_answers_http_errors(settings: Settings) -> None:
    async with api_running(settings) as stack:
        resp = await stack.client.get("/v1/ws")
        assert resp.status == 401
        assert (await resp.json())["error"]["code"] == "unauthorized"
        resp = await stack.client.get("/v1/ws", headers=AUTH)
        assert resp.status == 400
        assert (await resp.json())["error"]["code"] == "invalid_request"


@pytest.mark.parametrize(
    "connect",
    [
        {},
        {"headers": {"Authorization": "Bearer wrong-key-wrong-key-wrong"}},
        {"protocols": ("postwriter.v1", "bearer.wrong-key-wrong-key-wrong")},
    ],
)
async def test_an_upgrade_without_a_valid_key_is_closed_with_4401(
    settings: Settings, connect: dict[str, Any]
) -> None:
    async with (
        api_running(settings) as stack,
        asyncio.timeout(WAIT_S),
        _ws(stack.client, **connect) as ws,
    ):
        assert await _close_code(ws) == 4401


async def test_header_and_subprotocol_keys_both_work(settings: Settings, fixture_site: str) -> None:
    async with api_running(settings) as stack, asyncio.timeout(WAIT_S):
        job_id = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee"})
        for connect in ({"headers": AUTH}, {"protocols": BROWSER_PROTOCOLS}):
            async with _ws(stack.client, **connect) as ws:
                if "protocols" in connect:
                    assert ws.protocol == "postwriter.v1"
                await ws.send_json({"op": "subscribe", "job_id": job_id, "id": "s1"})
                reply = await _message(ws)
                assert reply == {"type": "subscribed", "job_id": job_id, "after_seq": 0, "id": "s1"}
                first = await _message(ws)
                assert (first["type"], first["job_id"], first["seq"]) == ("job.queued", job_id, 1)


async def test_origins_are_checked(settings: Settings) -> None:
    allowed = "https://app.example.com"
    settings = dataclasses.replace(settings, ws_allowed_origins=(allowed,))
    async with api_running(settings) as stack, asyncio.timeout(WAIT_S):
        own = f"http://{stack.client.host}:{stack.client.port}"
        for origin in (own, allowed, "HTTPS://APP.example.com:443"):
            async with _ws(stack.client, headers={**AUTH, "Origin": origin}) as ws:
                await ws.send_json({"op": "ping", "id": 1})
                assert (await _message(ws))["type"] == "pong", origin
        for origin in ("https://evil.example.com", "null", f"https://{stack.client.host}:1"):
            async with _ws(stack.client, headers={**AUTH, "Origin": origin}) as ws:
                assert await _close_code(ws) == 4403, origin


async def test_bad_ops_get_errors_and_policy_breaches_close_the_connection(
    settings: Settings,
) -> None:
    async with api_running(settings) as stack, asyncio.timeout(WAIT_S):
        async with _ws(stack.client, headers=AUTH) as ws:
            await ws.send_str("not json")
            assert (await _message(ws))["error"]["code"] == "invalid_request"
            await ws.send_json({"op": "subscribe", "job_id": "bad id!", "id": 7})
            reply = await _message(ws)
            assert (reply["type"], reply["error"]["code"], reply["id"]) == (
                "error",
                "invalid_request",
                7,
            )
            await ws.send_json({"op": "subscribe", "job_id": "nosuchjob1"})
            reply = await _message(ws)
            assert (reply["error"]["code"], reply["job_id"]) == ("not_found", "nosuchjob1")
            await ws.send_json({"op": "unsubscribe", "job_id": "nosuchjob1"})
            assert (await _message(ws))["error"]["code"] == "not_subscribed"
            # Still open: recoverable errors do not close.
            await ws.send_json({"op": "ping"})
            assert (await _message(ws))["type"] == "pong"
        async with _ws(stack.client, headers=AUTH) as ws:
            for _ in range(10):
                await ws.send_json({"op": "dance"})
            assert await _close_code(ws) == 1008
        async with _ws(stack.client, headers=AUTH) as ws:
            await ws.send_bytes(b'{"op": "ping"}')
            assert await _close_code(ws) == 1008
        async with _ws(stack.client, headers=AUTH) as ws:
            await ws.send_str('{"op": "ping", "id": "' + "x" * 20_000 + '"}')
            assert await _close_code(ws) == 1009


async def test_too_many_subscriptions_close_with_1008(
    settings: Settings, fixture_site: str
) -> None:
    settings = dataclasses.replace(settings, ws_max_subscriptions=2)
    async with api_running(settings) as stack, asyncio.timeout(WAIT_S):
        ids = [await submit(stack.client, {"url": f"{fixture_site}/p{i}"}) for i in range(3)]
        async with _ws(stack.client, headers=AUTH) as ws:
            await ws.send_json({"op": "subscribe", "job_ids": ids[:2]})
            assert {(await _message(ws))["type"] for _ in range(4)} == {"subscribed", "job.queued"}
            # Subscribing to the same job again does not count twice.
            await ws.send_json({"op": "subscribe", "job_id": ids[0], "after_seq": 1})
            assert (await _message(ws))["type"] == "subscribed"
            await ws.send_json({"op": "subscribe", "job_id": ids[2]})
            assert (await _message(ws))["error"]["code"] == "too_many_subscriptions"
            assert await _close_code(ws) == 1008


async def test_several_job_ids_each_resume_after_their_own_seq(
    settings: Settings, fixture_site: str
) -> None:
    async with api_running(settings) as stack, asyncio.timeout(WAIT_S):
        a = await submit(stack.client, {"url": f"{fixture_site}/a"})
        b = await submit(stack.client, {"url": f"{fixture_site}/b"})
        await _emit(stack, a, 3)  # a: seq 1..4
        await _emit(stack, b, 1)  # b: seq 1..2
        async with _ws(stack.client, headers=AUTH) as ws:
            await ws.send_json(
                {"op": "subscribe", "job_ids": [a, "nosuchjob1", b], "after_seq": {a: 2}, "id": 3}
            )
            received: dict[str, list[int]] = {a: [], b: []}
            replies: list[dict[str, Any]] = []
            while len(received[a]) < 2 or len(received[b]) < 2 or len(replies) < 3:
                data = await _message(ws)
                if "seq" in data:
                    received[data["job_id"]].append(data["seq"])
                else:
                    replies.append(data)
            assert received == {a: [3, 4], b: [1, 2]}
            assert [(r["type"], r.get("job_id"), r.get("after_seq")) for r in replies] == [
                ("subscribed", a, 2),
                ("error", "nosuchjob1", None),
                ("subscribed", b, 0),
            ]
            assert all(r["id"] == 3 for r in replies)
            await _emit(stack, b, 2)
            await _emit(stack, a, 1)
            # One queue carries every event in publish order: b's two arrive before a's.
            live: list[tuple[str, int]] = []
            while (a, 5) not in live:
                data = await _message(ws)
                live.append((data["job_id"], data["seq"]))
            assert live == [(b, 3), (b, 4), (a, 5)]


async def test_unsubscribe_stops_a_jobs_events(settings: Settings, fixture_site: str) -> None:
    async with api_running(settings) as stack, asyncio.timeout(WAIT_S):
        a = await submit(stack.client, {"url": f"{fixture_site}/a"})
        b = await submit(stack.client, {"url": f"{fixture_site}/b"})
        async with _ws(stack.client, headers=AUTH) as ws:
            await ws.send_json({"op": "subscribe", "job_ids": [a, b]})
            seen = [await _message(ws) for _ in range(4)]
            assert sorted((m["type"], m["job_id"]) for m in seen) == sorted(
                [("subscribed", a), ("subscribed", b), ("job.queued", a), ("job.queued", b)]
            )
            await ws.send_json({"op": "unsubscribe", "job_id": a, "id": "u"})
            assert await _message(ws) == {
                "type": "unsubscribed",
                "job_id": a,
                "reason": "requested",
                "id": "u",
            }
            # a's event is published before b's: if a's came through, it would come first.
            await _emit(stack, a, 1)
            await _emit(stack, b, 1)
            nxt = await _message(ws)
            assert (nxt["job_id"], nxt["seq"]) == (b, 2)


async def test_a_source_subscription_gets_current_and_future_jobs_of_that_page(
    settings: Settings, fixture_site: str
) -> None:
    async with api_running(settings) as stack, asyncio.timeout(WAIT_S):
        before = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee"})
        other = await submit(stack.client, {"url": f"{fixture_site}/another"})
        async with _ws(stack.client, protocols=BROWSER_PROTOCOLS) as ws:
            # Another spelling of the same page: host case, trailing slash, fragment.
            spelling = fixture_site.replace("http://", "HTTP://") + "/acmecoffee/#top"
            await ws.send_json({"op": "subscribe", "source": spelling, "id": "src"})
            source = f"{fixture_site}/acmecoffee"
            assert await _message(ws) == {"type": "subscribed", "source": source, "id": "src"}
            assert await _message(ws) == {
                "type": "subscribed",
                "job_id": before,
                "after_seq": 0,
                "source": source,
            }
            assert (await _message(ws))["job_id"] == before
            after = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee"})
            reply = await _message(ws)
            assert (reply["type"], reply["job_id"], reply["source"]) == (
                "subscribed",
                after,
                source,
            )
            first = await _message(ws)
            assert (first["type"], first["job_id"], first["seq"]) == ("job.queued", after, 1)
            await _emit(stack, other, 1)
            await _emit(stack, after, 1)
            nxt = await _message(ws)
            assert (nxt["job_id"], nxt["seq"]) == (after, 2)
            await ws.send_json({"op": "unsubscribe", "source": source})
            done = await _message(ws)
            assert (done["type"], sorted(done["job_ids"])) == (
                "unsubscribed",
                sorted([before, after]),
            )


async def test_a_client_that_reconnects_with_its_last_seq_misses_nothing_and_gets_no_repeats(
    settings: Settings, fixture_site: str
) -> None:
    total = 120
    async with api_running(settings) as stack, asyncio.timeout(90):
        job_id = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee"})
        emitter = asyncio.create_task(_emit(stack, job_id, total))
        first: list[int] = []
        async with _ws(stack.client, headers=AUTH) as ws:
            await ws.send_json({"op": "subscribe", "job_id": job_id})
            while len(first) < 30:
                data = await _message(ws)
                if "seq" in data:
                    first.append(data["seq"])
        # Disconnected mid-stream: the emitter is still going.
        async with _ws(stack.client, headers=AUTH) as ws:
            await ws.send_json({"op": "subscribe", "job_id": job_id, "after_seq": first[-1]})
            rest = [e["seq"] for e in await _events_until(ws, job_id, total + 1)]
        await emitter
        assert first == list(range(1, 31))
        assert rest == list(range(31, total + 2))


async def test_live_copies_of_replayed_events_are_dropped_and_gaps_are_filled_from_the_log(
    settings: Settings, fixture_site: str
) -> None:
    async with api_running(settings) as stack, asyncio.timeout(WAIT_S):
        job_id = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee"})
        sink = EventSink(stack.db, stack.broker)
        # Stored, not yet published: the replay sends them, then their live copies arrive.
        stored = [
            await jobs.append_event(stack.db, job_id, "page.loaded", {"i": i}) for i in range(3)
        ]
        async with _ws(stack.client, headers=AUTH) as ws:
            await ws.send_json({"op": "subscribe", "job_id": job_id})
            assert [e["seq"] for e in await _events_until(ws, job_id, 4)] == [1, 2, 3, 4]
            for event in stored:
                assert event is not None
                await sink.publish(event)
            # seq 5 stored but its publish lost; seq 6 arrives live and exposes the gap.
            assert await jobs.append_event(stack.db, job_id, "page.loaded", {"i": 5})
            await sink.emit(job_id, "page.loaded", {"i": 6})
            events = await _events_until(ws, job_id, 6)
            assert [e["seq"] for e in events] == [5, 6]
            assert events[0]["data"] == {"i": 5}


async def test_shutdown_closes_every_client_with_1001(settings: Settings) -> None:
    async with api_running(settings) as stack, asyncio.timeout(WAIT_S):
        sockets = [await stack.client.ws_connect("/v1/ws", headers=AUTH) for _ in range(3)]
        for ws in sockets:
            await ws.send_json({"op": "ping"})
            assert (await _message(ws))["type"] == "pong"
        app = stack.client.app
        assert app is not None
        await close_websockets(app)
        assert [await _close_code(ws) for ws in sockets] == [1001, 1001, 1001]
        for ws in sockets:
            await ws.close()


async def test_heartbeats_arrive_every_interval(settings: Settings) -> None:
    settings = dataclasses.replace(settings, ws_heartbeat_s=1.0)
    async with (
        api_running(settings) as stack,
        asyncio.timeout(WAIT_S),
        _ws(stack.client, headers=AUTH) as ws,
    ):
        beats: list[dict[str, Any]] = []
        while len(beats) < 2:
            msg = await ws.receive()
            assert msg.type == WSMsgType.TEXT
            data = msg.json()
            if data["type"] == "heartbeat":
                beats.append(data)
        assert beats[0]["interval_s"] == 1.0
        assert beats[0]["at"] < beats[1]["at"]
