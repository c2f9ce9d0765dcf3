"""Fan-out of live job events to WebSocket clients, in seq order with no gap and no repeat.

Each API replica has its own exclusive queue on the events exchange, so every replica sees
every event. The dispatcher never waits on a client: it puts each event (encoded once) into
every subscriber's bounded queue, and a client whose queue is full is closed with 1013 in a
task of its own (see `ws_client.close_client`), so one stuck peer slows no one else.

Source subscriptions follow a page: when an event names a job the hub has not seen, the job's
URL is looked up once (cached), and every client subscribed to that source gets the job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from datetime import datetime

from aio_pika.abc import AbstractIncomingMessage, AbstractQueue
from aiohttp import web
from pymongo.errors import PyMongoError

from postwriter.errors import InvalidMessage
from postwriter.messaging.broker import Broker
from postwriter.messaging.envelope import Envelope
from postwriter.models.job import JobEvent
from postwriter.observability.metrics import WS_CLIENTS, WS_DROPPED
from postwriter.storage.database import Database

from . import ws_protocol as proto
from .ws_client import (
    CLOSE_GRACE_S,
    Client,
    Live,
    Outgoing,
    Reply,
    Start,
    Stop,
    close_client,
    run_writer,
)
from .ws_sources import source_of_job

log = logging.getLogger(__name__)

# Job → source lookups remembered (most recently seen kept).
SOURCE_CACHE_SIZE = 10_000
LOOKUP_TIMEOUT_S = 10.0
_UNKNOWN = object()


class EventHub:
    def __init__(self, db: Database, send_queue: int) -> None:
        self._db = db
        self._send_queue = send_queue
        self._clients: set[Client] = set()
        self._by_job: dict[str, set[Client]] = {}
        self._by_source: dict[str, set[Client]] = {}
        self._job_sources: OrderedDict[str, str | None] = OrderedDict()
        self._lookups: dict[str, asyncio.Task[None]] = {}
        self._closing: set[asyncio.Task[None]] = set()
        self._queue: AbstractQueue | None = None
        self._consumer_tag: str | None = None

    async def start(self, broker: Broker) -> None:
        timeout = broker.settings.connect_timeout_s
        channel = broker.channel
        queue = await channel.declare_queue(exclusive=True, auto_delete=True, timeout=timeout)
        await queue.bind(broker.topology.events, "#", timeout=timeout)
        self._queue = queue
        self._consumer_tag = await queue.consume(self._on_message, no_ack=True)

    async def stop(self) -> None:
        if self._queue is not None and self._consumer_tag is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._queue.cancel(self._consumer_tag), CLOSE_GRACE_S)
        for task in self._lookups.values():
            task.cancel()
        await self.close_all()

    async def close_all(self, code: int = proto.CLOSE_GOING_AWAY) -> None:
        """Close every client (server shutdown); bounded by the close grace."""
        for client in list(self._clients):
            self.close(client, code, "server shutting down: reconnect and resume")
        if self._closing:
            await asyncio.wait(set(self._closing), timeout=CLOSE_GRACE_S + 1)

    # -- clients ----------------------------------------------------------------------------

    def add(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport | None,
        *,
        principal: str,
        max_subscriptions: int,
        heartbeat_s: float,
    ) -> Client:
        client = Client(
            ws,
            transport,
            asyncio.Queue(maxsize=self._send_queue),
            principal,
            max_subscriptions,
            heartbeat_s,
        )
        self._clients.add(client)
        WS_CLIENTS.inc()
        client.writer = asyncio.get_running_loop().create_task(
            run_writer(client, self._db, self.close)
        )
        return client

    def close(
        self, client: Client, code: int, reason: str, *, flush: bool = True
    ) -> asyncio.Task[None]:
        """Start closing a client (once; later calls return the same task).

        With `flush`, messages already queued (an error explaining the close) go out first,
        within the close grace; an overflowing client is closed without.
        """
        if client.closing is None:
            self._unregister(client)
            try:
                client.queue.put_nowait(Stop())
            except asyncio.QueueFull:
                flush = False
            closer = close_client(client, code, reason, flush=flush)
            task = asyncio.get_running_loop().create_task(closer)
            client.closing = task
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        return client.closing

    def closed(self, client: Client) -> None:
        """The handler is done with this client."""
        self._unregister(client)
        if client in self._clients:
            self._clients.discard(client)
            WS_CLIENTS.dec()

    def _unregister(self, client: Client) -> None:
        for job_id in list(client.jobs):
            self._drop_job(client, job_id)
        for key in list(client.sources):
            self._discard(self._by_source, key, client)
        client.sources.clear()

    def offer(self, client: Client, item: Outgoing) -> None:
        if client.closing is not None:
            return
        try:
            client.queue.put_nowait(item)
        except asyncio.QueueFull:
            WS_DROPPED.labels(reason="send_queue_full").inc()
            log.info("websocket client too slow: closing", extra={"principal": client.principal})
            reason = "send queue overflow: resume with after_seq"
            self.close(client, proto.CLOSE_OVERFLOW, reason, flush=False)

    def reply(self, client: Client, message: dict[str, object]) -> None:
        self.offer(client, Reply(proto.encode(message)))

    # -- subscriptions ----------------------------------------------------------------------

    def subscribe_job(
        self,
        client: Client,
        job_id: str,
        after_seq: int,
        *,
        source: str | None = None,
        request_id: proto.RequestId = None,
    ) -> None:
        if client.closing is not None:
            return
        # Registered before the writer reads the log, so nothing published meanwhile is missed.
        self._by_job.setdefault(job_id, set()).add(client)
        if source is None or client.jobs.get(job_id, source) is not None:
            client.jobs[job_id] = source
        reply = proto.subscribed_job(job_id, after_seq, source, request_id)
        self.offer(client, Start(job_id, after_seq, proto.encode(reply)))

    def unsubscribe_job(self, client: Client, job_id: str) -> bool:
        if job_id not in client.jobs:
            return False
        self._drop_job(client, job_id)
        return True

    def subscribe_source(self, client: Client, key: str) -> None:
        client.sources.add(key)
        self._by_source.setdefault(key, set()).add(client)

    def unsubscribe_source(self, client: Client, key: str) -> list[str]:
        """Drop a source and the jobs it brought (jobs also asked for by id stay)."""
        client.sources.discard(key)
        self._discard(self._by_source, key, client)
        brought = [job_id for job_id, origin in client.jobs.items() if origin == key]
        for job_id in brought:
            self._drop_job(client, job_id)
        return brought

    def add_source_job(self, client: Client, key: str, job_id: str) -> None:
        """A job of a subscribed source, from its first event on; no-op when already there."""
        if job_id in client.jobs or key not in client.sources or client.closing is not None:
            return
        brought = [j for j, origin in client.jobs.items() if origin is not None]
        if len(brought) >= client.max_subscriptions:
            # Bounded: make room by dropping the oldest such job, a finished one first.
            done = [j for j in brought if j in client.finished]
            evicted = (done or brought)[0]
            self._drop_job(client, evicted)
            self.reply(client, proto.unsubscribed_job(evicted, "source_limit", None))
        self.subscribe_job(client, job_id, 0, source=key)

    def _drop_job(self, client: Client, job_id: str) -> None:
        self._discard(self._by_job, job_id, client)
        client.forget_job(job_id)

    @staticmethod
    def _discard(index: dict[str, set[Client]], key: str, client: Client) -> None:
        members = index.get(key)
        if members is not None:
            members.discard(client)
            if not members:
                del index[key]

    # -- events -----------------------------------------------------------------------------

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = Envelope.parse(message.body, expected_type="job.event")
        except InvalidMessage as exc:
            log.warning("ignoring bad event", extra={"reason": exc.message})
            return
        p = envelope.payload
        try:
            at = datetime.fromisoformat(p["at"])
        except ValueError:
            log.warning("ignoring event with a bad time", extra={"job_id": p["job_id"]})
            return
        self.dispatch(JobEvent(p["job_id"], p["seq"], p["type"], at, p["data"]))

    def dispatch(self, event: JobEvent) -> None:
        subscribers = self._by_job.get(event.job_id)
        if subscribers:
            item = Live(event, proto.event_message(event))
            for client in list(subscribers):
                self.offer(client, item)
        if self._by_source:
            self._route_to_sources(event.job_id)

    def _route_to_sources(self, job_id: str) -> None:
        known = self._job_sources.get(job_id, _UNKNOWN)
        if known is not _UNKNOWN:
            self._job_sources.move_to_end(job_id)
            return  # routed when it was first seen; later subscribers found it as active
        if job_id not in self._lookups:
            task = asyncio.get_running_loop().create_task(self._look_up(job_id))
            self._lookups[job_id] = task

    async def _look_up(self, job_id: str) -> None:
        try:
            async with asyncio.timeout(LOOKUP_TIMEOUT_S):
                key = await source_of_job(self._db, job_id)
        except (PyMongoError, TimeoutError):
            log.warning("could not look up a job's source", extra={"job_id": job_id})
            return  # not cached: the job's next event tries again
        finally:
            self._lookups.pop(job_id, None)
        self._job_sources[job_id] = key
        while len(self._job_sources) > SOURCE_CACHE_SIZE:
            self._job_sources.popitem(last=False)
        if key is not None:
            for client in list(self._by_source.get(key, ())):
                self.add_source_job(client, key, job_id)
