"""Fan-out of live job events to WebSocket clients, in seq order with no gap and no repeat.

Each API replica has its own exclusive queue on the events exchange, so every replica sees
every event. A client's writer sends a job's stored log first, then live events; a live event
that skips a seq makes the writer back-fill from the log, and an idle writer polls the log, so
an event whose publish was lost still arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from aio_pika.abc import AbstractIncomingMessage, AbstractQueue
from aiohttp import web

from postwriter.errors import InvalidMessage
from postwriter.messaging.broker import Broker
from postwriter.messaging.envelope import Envelope
from postwriter.models.job import FINAL_EVENTS, JobEvent
from postwriter.observability.metrics import WS_CLIENTS, WS_DROPPED
from postwriter.storage import jobs
from postwriter.storage.database import Database

log = logging.getLogger(__name__)

FINAL_TYPES = frozenset(e.value for e in FINAL_EVENTS.values())
CLOSE_OVERFLOW = 1013  # "try again later": the client could not keep up
IDLE_POLL_SECONDS = 5.0


@dataclass(slots=True)
class _Subscribe:
    job_id: str
    after_seq: int


@dataclass(eq=False, slots=True)
class Client:
    ws: web.WebSocketResponse
    queue: asyncio.Queue[JobEvent | _Subscribe]
    last_seq: dict[str, int] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)
    overflowed: bool = False


class EventHub:
    def __init__(self, db: Database, send_queue: int) -> None:
        self._db = db
        self._send_queue = send_queue
        self._subscribers: dict[str, set[Client]] = defaultdict(set)
        self._queue: AbstractQueue | None = None
        self._consumer_tag: str | None = None
        self._closing: set[asyncio.Task[bool]] = set()

    async def start(self, broker: Broker) -> None:
        channel = broker.channel
        queue = await channel.declare_queue(
            exclusive=True, auto_delete=True, timeout=broker.settings.connect_timeout_s
        )
        await queue.bind(broker.topology.events, "#", timeout=broker.settings.connect_timeout_s)
        self._queue = queue
        self._consumer_tag = await queue.consume(self._on_message, no_ack=True)

    async def stop(self) -> None:
        if self._queue is not None and self._consumer_tag is not None:
            with contextlib.suppress(Exception):
                await self._queue.cancel(self._consumer_tag)
        if self._closing:
            await asyncio.wait(set(self._closing), timeout=5)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = Envelope.parse(message.body, expected_type="job.event")
        except InvalidMessage as exc:
            log.warning("ignoring bad event", extra={"reason": exc.message})
            return
        p = envelope.payload
        at = datetime.fromisoformat(p["at"])
        self.dispatch(JobEvent(p["job_id"], p["seq"], p["type"], at, p["data"]))

    def dispatch(self, event: JobEvent) -> None:
        for client in list(self._subscribers.get(event.job_id, ())):
            self._offer(client, event)

    def _offer(self, client: Client, item: JobEvent | _Subscribe) -> None:
        if client.overflowed:
            return
        try:
            client.queue.put_nowait(item)
        except asyncio.QueueFull:
            # One slow client must not hold up the others: close it, it can resume by seq.
            client.overflowed = True
            WS_DROPPED.labels(reason="send_queue_full").inc()
            self.remove(client)
            task = asyncio.get_running_loop().create_task(
                client.ws.close(code=CLOSE_OVERFLOW, message=b"send queue overflow")
            )
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def add(self, ws: web.WebSocketResponse) -> Client:
        WS_CLIENTS.inc()
        return Client(ws, asyncio.Queue(maxsize=self._send_queue))

    def subscribe(self, client: Client, job_id: str, after_seq: int) -> None:
        # Register before the replay is read, so nothing published meanwhile is missed.
        self._subscribers[job_id].add(client)
        self._offer(client, _Subscribe(job_id, after_seq))

    def unsubscribe(self, client: Client, job_id: str) -> None:
        subs = self._subscribers.get(job_id)
        if subs is not None:
            subs.discard(client)
            if not subs:
                del self._subscribers[job_id]
        client.last_seq.pop(job_id, None)

    def remove(self, client: Client) -> None:
        for job_id in list(client.last_seq):
            self.unsubscribe(client, job_id)
        for job_id, subs in list(self._subscribers.items()):
            if client in subs:
                self.unsubscribe(client, job_id)

    def closed(self, client: Client) -> None:
        self.remove(client)
        WS_CLIENTS.dec()

    async def writer(self, client: Client) -> None:
        """Send to one client until it closes: replay, live events, gap repair."""
        while not client.ws.closed:
            try:
                item = await asyncio.wait_for(client.queue.get(), IDLE_POLL_SECONDS)
            except TimeoutError:
                for job_id in list(client.last_seq):
                    if job_id not in client.finished:
                        await self._send_from_log(client, job_id)
                continue
            if isinstance(item, _Subscribe):
                client.last_seq[item.job_id] = item.after_seq
                await self._send_from_log(client, item.job_id)
            elif item.job_id in client.last_seq:
                last = client.last_seq[item.job_id]
                if item.seq > last + 1:
                    await self._send_from_log(client, item.job_id, upto=item.seq - 1)
                if item.seq == client.last_seq.get(item.job_id, -1) + 1:
                    await self._send(client, item)

    async def _send_from_log(self, client: Client, job_id: str, upto: int | None = None) -> None:
        while job_id in client.last_seq:
            batch = await jobs.events_after(self._db, job_id, client.last_seq[job_id], 500)
            if upto is not None:
                batch = [e for e in batch if e.seq <= upto]
            for event in batch:
                await self._send(client, event)
            if len(batch) < 500:
                return

    async def _send(self, client: Client, event: JobEvent) -> None:
        if client.ws.closed or event.job_id not in client.last_seq:
            return
        await client.ws.send_json(event.to_json())
        client.last_seq[event.job_id] = event.seq
        if event.type in FINAL_TYPES:
            client.finished.add(event.job_id)
