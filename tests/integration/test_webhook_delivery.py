"""Webhook delivery end to end on real RabbitMQ and FerretDB/MongoDB: events → signed POSTs
to a local receiver that verifies them; retries, giving up, the egress policy, idempotent
creation, two dispatchers, a restart, and a real scrape job with its analysis."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import aio_pika
import pytest
from aiohttp import web
from prometheus_client import REGISTRY

from consumers.job_events_webhooks import run
from postwriter.messaging.broker import open_broker
from postwriter.messaging.topology import Names
from postwriter.models.job import JobEvent, new_job_id
from postwriter.security.egress import EgressPolicy
from postwriter.security.keyring import KeyRing
from postwriter.services.events import EventSink
from postwriter.settings import Settings
from postwriter.storage import jobs
from postwriter.storage.database import Database, Document, open_database
from postwriter.webhooks.deliveries import DeliveryStore
from postwriter.webhooks.delivery import Sender
from postwriter.webhooks.dispatcher import Dispatcher
from postwriter.webhooks.models import delivery_id_for, utcnow
from postwriter.webhooks.signing import verify
from postwriter.webhooks.store import WebhookStore
from tests.conftest import drop_everything, make_settings
from tests.integration.stack import AUTH, analysis_running, api_running, consumer_running, submit
from tests.integration.test_webhook_api import running

pytestmark = pytest.mark.integration

KEYS = KeyRing.generate_key()
WAIT_S = 60.0


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1: records each request, answers from a script."""

    base: str = ""
    requests: list[Received] = field(default_factory=list)
    # (status, headers) answered in order; then 200.
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    always: int | None = None
    delay_s: float = 0.0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def host_port(self) -> str:
        return self.base.split("//", 1)[1]

    def url(self, path: str = "/hook") -> str:
        return self.base + path

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(Received(dict(request.headers), body))
        self.arrived.set()
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        status, headers = self.script.pop(0) if self.script else (self.always or 200, {})
        return web.Response(status=status, headers=headers, text=f"answer {status}")

    async def wait_for(self, count: int, timeout: float = WAIT_S) -> list[Received]:
        async with asyncio.timeout(timeout):
            while len(self.requests) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.requests


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hook.handle)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert isinstance(server, asyncio.Server)
    hook.base = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    yield hook
    await runner.cleanup()


def _settings(
    service_urls: tuple[str, str], fixture_site: str, receiver: Receiver, **extra: object
) -> Settings:
    values: dict[str, object] = {
        "egress_allow": (fixture_site.split("//", 1)[1], receiver.host_port),
        "keys": KEYS,
        "webhook_backoff_base_s": 0.05,
        "webhook_backoff_max_s": 0.2,
        "webhook_max_attempts": 3,
        "webhook_timeout_s": 5.0,
        **extra,
    }
    return make_settings(service_urls, fixture_site, **values)


async def _cleanup(settings: Settings) -> None:
    connection = await aio_pika.connect(settings.amqp_url, timeout=10)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(Names.for_settings(settings).webhook_queue)
    await drop_everything(settings)


@pytest.fixture
async def hook_settings(
    service_urls: tuple[str, str], fixture_site: str, receiver: Receiver
) -> AsyncIterator[Settings]:
    settings = _settings(service_urls, fixture_site, receiver)
    yield settings
    await _cleanup(settings)


@pytest.fixture
async def db(hook_settings: Settings) -> AsyncIterator[Database]:
    async with open_database(hook_settings) as database:
        yield database


def _store(db: Database, settings: Settings) -> WebhookStore:
    return WebhookStore(db, KeyRing.from_config(KEYS), EgressPolicy(settings.egress_allow))


@asynccontextmanager
async def dispatcher_running(settings: Settings) -> AsyncIterator[None]:
    """The webhook consumer process's `run`, in this loop, until the block ends."""
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(run(settings, stop, ready))
    async with asyncio.timeout(WAIT_S):
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait({waiting, task}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if task.done():
            task.result()  # raise what stopped it
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, WAIT_S)


async def _job(db: Database, url: str) -> str:
    job_id = new_job_id()
    await jobs.insert_job(db, jobs.new_job_document(job_id, url=url, adapter="feed", max_posts=10))
    return job_id


async def _wait_status(db: Database, delivery_id: str, status: str) -> Document:
    async with asyncio.timeout(WAIT_S):
        while True:
            doc = await DeliveryStore(db).get(delivery_id)
            if doc is not None and doc["status"] == status:
                return doc
            await asyncio.sleep(0.05)


def _check_signed(request: Received, secret: str, event: str) -> dict[str, Any]:
    verify(request.body, request.headers.get("PostWriter-Signature"), secret)
    body: dict[str, Any] = request.json
    assert request.headers["PostWriter-Event"] == event == body["type"]
    assert request.headers["PostWriter-Delivery"] == body["id"]
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("PostWriter-Webhooks/")
    return body


def _counter(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_an_event_becomes_one_signed_post_for_each_matching_webhook(
    hook_settings: Settings, db: Database, receiver: Receiver, fixture_site: str
) -> None:
    store = _store(db, hook_settings)
    source = f"{fixture_site}/acmecoffee"
    wanted, secret = await store.create(
        url=receiver.url("/wanted"), events=["job.succeeded"], sources=[fixture_site + "/acme"]
    )
    failures_only, _ = await store.create(url=receiver.url("/failed"), events=["job.failed"])
    other_source, _ = await store.create(
        url=receiver.url("/other"), events=["job.succeeded"], sources=["https://other.test/"]
    )
    disabled, _ = await store.create(
        url=receiver.url("/disabled"), events=["job.succeeded"], enabled=False
    )
    async with dispatcher_running(hook_settings), open_broker(hook_settings) as broker:
        job_id = await _job(db, source)
        counts = {"posts_found": 3, "posts_new": 2, "posts_updated": 1}
        sink = EventSink(db, broker)
        await sink.emit(job_id, "job.started")  # not a webhook event
        event = await sink.emit(job_id, "job.succeeded", {"counts": counts}, key="final")
        assert event is not None
        [request] = await receiver.wait_for(1)
        body = _check_signed(request, secret, "job.succeeded")
    assert body["id"] == delivery_id_for(wanted["_id"], f"{job_id}:{event.seq}")
    assert body["webhook_id"] == wanted["_id"]
    assert body["job"] == {
        "job_id": job_id,
        "seq": event.seq,
        "url": source,
        "adapter": "feed",
        "status": "queued",
    }
    assert body["data"] == {"counts": counts}
    assert body["occurred_at"] == event.at.isoformat()
    assert request.headers["PostWriter-Attempt"] == "1"
    # The other webhooks' deliveries would have been created in the same step: none was.
    for webhook in (failures_only, other_source, disabled):
        assert (
            await db.db["webhook_deliveries"].count_documents({"webhook_id": webhook["_id"]}) == 0
        )
    assert [r.body for r in receiver.requests] == [request.body]


async def test_retries_after_errors_then_success_visible_through_the_api(
    hook_settings: Settings, db: Database, receiver: Receiver
) -> None:
    receiver.script = [(500, {}), (503, {"Retry-After": "0"})]
    webhook, secret = await _store(db, hook_settings).create(
        url=receiver.url(), events=["job.failed"]
    )
    async with dispatcher_running(hook_settings), open_broker(hook_settings) as broker:
        job_id = await _job(db, "https://blog.acme.test/")
        error = {"code": "blocked", "message": "the site refused"}
        await EventSink(db, broker).emit(job_id, "job.failed", {"error": error}, key="final")
        requests = await receiver.wait_for(3)
        delivery_id = requests[0].headers["PostWriter-Delivery"]
        doc = await _wait_status(db, delivery_id, "succeeded")
    assert [r.headers["PostWriter-Attempt"] for r in requests] == ["1", "2", "3"]
    assert {r.headers["PostWriter-Delivery"] for r in requests} == {delivery_id}
    assert len({r.body for r in requests}) == 1  # the same bytes, signed afresh each time
    for request in requests:
        assert _check_signed(request, secret, "job.failed")["data"] == {"error": error}
    assert [a["status_code"] for a in doc["attempts"]] == [500, 503, 200]

    async with running(hook_settings) as (client, _):
        path = f"/v1/webhooks/{webhook['_id']}/deliveries"
        listed = await (await client.get(path, headers=AUTH)).json()
    [delivery] = listed["deliveries"]
    assert delivery["status"] == "succeeded" and delivery["next_attempt_at"] is None
    assert delivery["attempt_count"] == 3 and delivery["finished_at"]
    attempts = delivery["attempts"]
    assert [a["error"] for a in attempts] == ["http_error", "http_error", None]
    assert attempts[0]["message"] == "answer 500"
    assert all(a["duration_ms"] >= 0 and a["started_at"] for a in attempts)


async def test_gives_up_after_max_attempts(
    hook_settings: Settings, db: Database, receiver: Receiver
) -> None:
    receiver.always = 500
    webhook, _ = await _store(db, hook_settings).create(
        url=receiver.url(), events=["analysis.done"]
    )
    failed_before = _counter(
        "postwriter_webhook_deliveries_total", event="analysis.done", outcome="failed"
    )
    async with dispatcher_running(hook_settings), open_broker(hook_settings) as broker:
        job_id = await _job(db, "https://blog.acme.test/")
        await EventSink(db, broker).emit(job_id, "analysis.done", {"pages": []}, key="analysis")
        delivery_id = delivery_id_for(webhook["_id"], f"{job_id}:1")
        doc = await _wait_status(db, delivery_id, "failed")
        async with running(hook_settings) as (client, _):
            path = f"/v1/webhooks/{webhook['_id']}/deliveries?status=failed"
            listed = await (await client.get(path, headers=AUTH)).json()
    assert len(receiver.requests) == 3 == hook_settings.webhook_max_attempts
    assert [a["status_code"] for a in doc["attempts"]] == [500, 500, 500]
    assert doc["next_attempt_at"] is None and doc["finished_at"] is not None
    [delivery] = listed["deliveries"]
    assert delivery["delivery_id"] == delivery_id and delivery["attempt_count"] == 3
    after = _counter("postwriter_webhook_deliveries_total", event="analysis.done", outcome="failed")
    assert after == failed_before + 1


async def test_a_destination_the_policy_refuses_at_delivery_fails_at_once(
    hook_settings: Settings, db: Database, receiver: Receiver
) -> None:
    # Created while the receiver was allowed; the dispatcher runs with a stricter policy.
    webhook, _ = await _store(db, hook_settings).create(url=receiver.url(), events=["job.failed"])
    strict = replace(hook_settings, egress_allow=())
    async with dispatcher_running(strict), open_broker(strict) as broker:
        job_id = await _job(db, "https://blog.acme.test/")
        await EventSink(db, broker).emit(job_id, "job.failed", {}, key="final")
        doc = await _wait_status(db, delivery_id_for(webhook["_id"], f"{job_id}:1"), "failed")
    [attempt] = doc["attempts"]
    assert attempt["error"] == "blocked_destination" and attempt["status_code"] is None
    assert "127.0.0.1" in attempt["message"]
    assert receiver.requests == []


async def test_the_sender_connects_only_to_checked_addresses(receiver: Receiver) -> None:
    port = int(receiver.host_port.rsplit(":", 1)[1])
    names = {"hooks.receiver.test": ["127.0.0.1"], "rebind.receiver.test": ["10.9.8.7"]}

    async def lookup(host: str, _: int) -> list[str]:
        return names.get(host, [])

    policy = EgressPolicy(("127.0.0.1/32",))
    headers = {"Content-Type": "application/json"}
    async with Sender(policy, 0.5, lookup) as sender:
        # A name real DNS does not know: reached through the address the policy checked.
        ok = await sender.post(f"http://hooks.receiver.test:{port}/a", b"{}", headers)
        assert ok.ok and ok.status_code == 200 and ok.error is None
        assert receiver.requests[-1].headers["Host"] == f"hooks.receiver.test:{port}"
        blocked = await sender.post(f"http://rebind.receiver.test:{port}/b", b"{}", headers)
        assert blocked.error == "blocked_destination" and blocked.permanent
        assert "10.9.8.7" in (blocked.message or "")
        unknown = await sender.post(f"http://nowhere.receiver.test:{port}/c", b"{}", headers)
        assert unknown.error == "blocked_destination"
        literal = await sender.post("http://169.254.169.254/latest", b"{}", headers)
        assert literal.error == "blocked_destination"
        assert len(receiver.requests) == 1

        # Redirects are answers, not instructions: the target is never requested.
        receiver.script = [(302, {"Location": receiver.url("/elsewhere")})]
        moved = await sender.post(receiver.url("/a"), b"{}", headers)
        assert moved.error == "http_error" and moved.status_code == 302 and not moved.permanent
        assert [r.headers["Host"] for r in receiver.requests[1:]] == [receiver.host_port]
        assert len(receiver.requests) == 2

        receiver.delay_s = 3.0
        slow = await sender.post(receiver.url("/slow"), b"{}", headers)
        assert slow.error == "timeout" and slow.status_code is None
    refused = Sender(EgressPolicy((receiver.host_port, "127.0.0.1:1")), 2.0)
    async with refused as sender:
        closed = await sender.post("http://127.0.0.1:1/none", b"{}", headers)
        assert closed.error == "connection_error" and not closed.permanent


async def test_a_redelivered_event_creates_no_second_delivery(
    hook_settings: Settings, db: Database, receiver: Receiver
) -> None:
    _, secret = await _store(db, hook_settings).create(url=receiver.url(), events=["job.succeeded"])
    async with dispatcher_running(hook_settings), open_broker(hook_settings) as broker:
        sink = EventSink(db, broker)
        job_id = await _job(db, "https://blog.acme.test/")
        event = await sink.emit(job_id, "job.succeeded", {}, key="final")
        assert event is not None
        [first] = await receiver.wait_for(1)
        await sink.publish(event)  # the same event again, as after a redelivery
        # Events are handled in order: once a later event is delivered, the repeat was seen.
        later = await sink.emit(await _job(db, "https://blog.acme.test/"), "job.succeeded")
        assert later is not None
        requests = await receiver.wait_for(2)
    assert [r.json["job"]["job_id"] for r in requests] == [job_id, later.job_id]
    assert _check_signed(first, secret, "job.succeeded")["job"]["seq"] == event.seq
    deliveries = await db.db["webhook_deliveries"].find({"job_id": job_id}).to_list()
    assert len(deliveries) == 1 and len(deliveries[0]["attempts"]) == 1

    # The same holds for the intake itself, called twice with one event.
    async with Sender(EgressPolicy(hook_settings.egress_allow), 5.0) as sender:
        dispatcher = Dispatcher(hook_settings, db, KeyRing.from_config(KEYS), sender)
        assert await dispatcher.on_event(event) == 0
        other = JobEvent(job_id, event.seq + 1, "job.succeeded", event.at, {})
        assert await dispatcher.on_event(other) == 1
        assert await dispatcher.on_event(other) == 0
        assert await dispatcher.on_event(JobEvent(job_id, 99, "job.started", event.at, {})) == 0


async def test_two_dispatchers_send_each_delivery_once(
    hook_settings: Settings, db: Database, receiver: Receiver
) -> None:
    _, secret = await _store(db, hook_settings).create(url=receiver.url(), events=["job.failed"])
    receiver.delay_s = 0.02
    ring = KeyRing.from_config(KEYS)
    policy = EgressPolicy(hook_settings.egress_allow)
    stop = asyncio.Event()
    async with Sender(policy, 5.0) as first, Sender(policy, 5.0) as second:
        replicas = [Dispatcher(hook_settings, db, ring, s) for s in (first, second)]
        at = utcnow()
        for n in range(1, 31):
            await replicas[n % 2].on_event(JobEvent("job-race-0001", n, "job.failed", at, {}))
        loops = [asyncio.create_task(d.run(stop)) for d in replicas]
        try:
            async with asyncio.timeout(WAIT_S):
                while await DeliveryStore(db).pending_count():
                    await asyncio.sleep(0.05)
        finally:
            stop.set()
            await asyncio.gather(*loops)
    ids = [r.headers["PostWriter-Delivery"] for r in receiver.requests]
    assert len(ids) == 30 == len(set(ids))
    assert all(_check_signed(r, secret, "job.failed") for r in receiver.requests)
    succeeded = await db.db["webhook_deliveries"].count_documents({"status": "succeeded"})
    assert succeeded == 30


async def test_a_due_retry_survives_a_restart(
    hook_settings: Settings, db: Database, receiver: Receiver
) -> None:
    receiver.script = [(500, {})]
    webhook, secret = await _store(db, hook_settings).create(
        url=receiver.url(), events=["job.failed"]
    )
    ring = KeyRing.from_config(KEYS)
    policy = EgressPolicy(hook_settings.egress_allow)
    event = JobEvent("job-restart-01", 4, "job.failed", utcnow(), {})
    delivery_id = delivery_id_for(webhook["_id"], "job-restart-01:4")
    # The first process: one attempt (500), then it is gone.
    async with Sender(policy, 5.0) as sender:
        gone = Dispatcher(hook_settings, db, ring, sender)
        assert await gone.on_event(event) == 1
        assert await gone.dispatch_due() == 1
        assert await gone.settle()
    doc = await DeliveryStore(db).get(delivery_id)
    assert doc is not None and doc["status"] == "pending" and len(doc["attempts"]) == 1
    assert doc["next_attempt_at"] > doc["attempts"][0]["started_at"]
    # A new process finds the retry in the database.
    async with dispatcher_running(hook_settings):
        doc = await _wait_status(db, delivery_id, "succeeded")
    assert [r.headers["PostWriter-Attempt"] for r in receiver.requests] == ["1", "2"]
    assert _check_signed(receiver.requests[1], secret, "job.failed")["id"] == delivery_id


async def test_a_claim_whose_holder_died_expires_after_the_lease(
    hook_settings: Settings, db: Database
) -> None:
    store = DeliveryStore(db)
    now = utcnow()
    assert await store.create(
        delivery_id="d" * 32,
        webhook_id="w" * 32,
        event_type="job.failed",
        body="{}",
        job_id=None,
        now=now,
    )
    doc = await store.get("d" * 32)
    assert doc is not None
    lease = timedelta(seconds=40)
    assert await store.claim(doc, now, lease)
    assert not await store.claim(doc, now + timedelta(seconds=39), lease)
    # The holder never moved the due time: one lease later a new round may be claimed, once.
    assert await store.claim(doc, now + lease, lease)
    assert not await store.claim(doc, now + lease + timedelta(seconds=1), lease)
    assert await store.claim(doc, now + 2 * lease, lease)


async def test_a_ping_from_the_api_is_delivered(
    hook_settings: Settings, db: Database, receiver: Receiver
) -> None:
    async with running(hook_settings) as (client, _), dispatcher_running(hook_settings):
        resp = await client.post(
            "/v1/webhooks", json={"url": receiver.url(), "events": ["job.failed"]}, headers=AUTH
        )
        created = await resp.json()
        resp = await client.post(f"/v1/webhooks/{created['webhook_id']}/ping", headers=AUTH)
        assert resp.status == 202
        queued = await resp.json()
        [request] = await receiver.wait_for(1)
        body = _check_signed(request, created["secret"], "webhook.ping")
        await _wait_status(db, queued["delivery_id"], "succeeded")
    assert body["id"] == queued["delivery_id"] and body["job"] is None


async def test_a_real_job_and_its_analysis_reach_the_webhook(
    hook_settings: Settings, db: Database, receiver: Receiver, fixture_site: str
) -> None:
    page = f"{fixture_site}/acmecoffee"
    _, secret = await _store(db, hook_settings).create(
        url=receiver.url(), events=["job.succeeded", "analysis.done"], sources=[page]
    )
    async with (
        dispatcher_running(hook_settings),
        api_running(hook_settings) as stack,
        consumer_running(hook_settings),
        analysis_running(hook_settings),
    ):
        job_id = await submit(stack.client, {"url": page})
        requests = await receiver.wait_for(2, timeout=180)
    bodies = [_check_signed(r, secret, r.headers["PostWriter-Event"]) for r in requests]
    assert [b["type"] for b in bodies] == ["job.succeeded", "analysis.done"]
    assert {b["job"]["job_id"] for b in bodies} == {job_id}
    assert bodies[0]["job"]["url"] == page and bodies[0]["job"]["status"] == "succeeded"
    assert bodies[0]["data"]["counts"]["posts_found"] == 24
    assert bodies[1]["data"]["pages"][0]["page_id"] == "facebook:acmecoffee"


async def test_old_claims_and_finished_deliveries_are_purged(
    hook_settings: Settings, db: Database
) -> None:
    store = DeliveryStore(db)
    now = utcnow()
    long_ago = now - timedelta(days=31)
    for name, status, finished in (
        ("old-done", "succeeded", long_ago),
        ("old-failed", "failed", long_ago),
        ("recent-done", "succeeded", now - timedelta(days=2)),
        ("old-pending", "pending", None),
    ):
        await store.create(
            delivery_id=name,
            webhook_id="w",
            event_type="job.failed",
            body="{}",
            job_id=None,
            now=long_ago,
        )
        await store.collection.update_one(
            {"_id": name}, {"$set": {"status": status, "finished_at": finished}}
        )
    await store.claims.insert_many(
        [
            {"_id": "old", "delivery_id": "x", "claimed_at": now - timedelta(days=2)},
            {"_id": "new", "delivery_id": "x", "claimed_at": now - timedelta(hours=1)},
        ]
    )
    await store.purge(now)
    left = sorted(d["_id"] for d in await store.collection.find({}).to_list())
    assert left == ["old-pending", "recent-done"]
    assert [c["_id"] for c in await store.claims.find({}).to_list()] == ["new"]
    assert await store.pending_count() == 1
