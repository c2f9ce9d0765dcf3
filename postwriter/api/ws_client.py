"""One WebSocket client: its bounded send queue, its writer, and a close that cannot hang.

Only the writer task sends on the socket, so every message leaves in the order it was queued:
a job's `subscribed` before its events, its events in seq order. The writer sends a job's
stored log after `after_seq` first, then live events; a live event that skips a seq makes it
back-fill from the log, and an idle writer polls the log, so an event whose publish was lost
still arrives. Nothing is sent twice: a live event at or below the last sent seq is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web
from pymongo.errors import PyMongoError

from postwriter.errors import PostWriterError
from postwriter.models.job import FINAL_EVENTS, JobEvent
from postwriter.storage import jobs
from postwriter.storage.database import Database

from . import ws_protocol as proto

log = logging.getLogger(__name__)

FINAL_TYPES = frozenset(e.value for e in FINAL_EVENTS.values())
IDLE_POLL_S = 5.0
REPLAY_BATCH = 500
LOG_READ_TIMEOUT_S = 10.0
# The close handshake (and the flush of what precedes the close frame) gets this long;
# then the connection is aborted, so a peer that stopped reading cannot hold it open.
CLOSE_GRACE_S = 5.0
_FLUSH_POLL_S = 0.05


@dataclass(frozen=True, slots=True)
class Live:
    """A live event, encoded once for every client it goes to."""

    event: JobEvent
    text: str


@dataclass(frozen=True, slots=True)
class Start:
    """(Re)start sending a job: its `subscribed` message, then its log after `after_seq`."""

    job_id: str
    after_seq: int
    reply: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str


@dataclass(frozen=True, slots=True)
class Stop:
    """The last item before a close: what was queued ahead of it is sent first."""


Outgoing = Live | Start | Reply | Stop


@dataclass(eq=False, slots=True)
class Client:
    ws: web.WebSocketResponse
    transport: asyncio.Transport | None
    queue: asyncio.Queue[Outgoing]
    principal: str
    max_subscriptions: int
    heartbeat_s: float
    # Subscribed jobs → the source that brought each, None when asked for by id. Changed by
    # the hub as ops arrive; the writer reads it to drop what is no longer wanted.
    jobs: dict[str, str | None] = field(default_factory=dict)
    sources: set[str] = field(default_factory=set)
    # The writer's progress: last seq sent per job, and jobs whose final event was sent.
    last_seq: dict[str, int] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)
    invalid_ops: int = 0
    writer: asyncio.Task[None] | None = None
    closing: asyncio.Task[None] | None = None

    @property
    def explicit_subscriptions(self) -> int:
        return sum(1 for origin in self.jobs.values() if origin is None) + len(self.sources)

    def forget_job(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)
        self.last_seq.pop(job_id, None)
        self.finished.discard(job_id)


# Starts a client's close (once) and returns its task: `EventHub.close`.
CloseFn = Callable[[Client, int, str], "asyncio.Task[None]"]


async def run_writer(client: Client, db: Database, close: CloseFn) -> None:
    """Send to one client until it closes; on a log failure close it with 1011."""
    try:
        await _write(client, db)
    except ConnectionError:
        return  # the peer went away; the handler's close does the rest
    except (PostWriterError, PyMongoError, TimeoutError) as exc:
        log.warning("websocket writer stopped", extra={"reason": type(exc).__name__})
        close(client, proto.CLOSE_INTERNAL, "event log unavailable: reconnect and resume")


async def _write(client: Client, db: Database) -> None:
    loop = asyncio.get_running_loop()
    next_beat = loop.time() + client.heartbeat_s
    next_poll = loop.time() + IDLE_POLL_S
    while not client.ws.closed:
        item: Outgoing | None = None
        try:
            async with asyncio.timeout(max(0.0, min(next_beat, next_poll) - loop.time())):
                item = await client.queue.get()
        except TimeoutError:
            pass
        now = loop.time()
        if now >= next_beat:
            await client.ws.send_str(proto.encode(proto.heartbeat(client.heartbeat_s)))
            next_beat = now + client.heartbeat_s
        if item is None:
            if now >= next_poll:
                for job_id in [j for j in client.last_seq if j not in client.finished]:
                    await _send_from_log(client, db, job_id)
                next_poll = now + IDLE_POLL_S
            continue
        next_poll = now + IDLE_POLL_S
        if isinstance(item, Stop):
            return
        await _handle(client, db, item)


async def _handle(client: Client, db: Database, item: Live | Start | Reply) -> None:
    if isinstance(item, Reply):
        await client.ws.send_str(item.text)
    elif isinstance(item, Start):
        if item.job_id not in client.jobs:
            return  # unsubscribed before its turn came
        client.last_seq[item.job_id] = item.after_seq
        client.finished.discard(item.job_id)
        await client.ws.send_str(item.reply)
        await _send_from_log(client, db, item.job_id)
    else:
        event = item.event
        last = client.last_seq.get(event.job_id)
        if last is None or event.job_id not in client.jobs or event.seq <= last:
            return
        if event.seq > last + 1:
            await _send_from_log(client, db, event.job_id, upto=event.seq - 1)
        if event.seq == client.last_seq.get(event.job_id, -1) + 1:
            await _send(client, event, item.text)


async def _send_from_log(
    client: Client, db: Database, job_id: str, upto: int | None = None
) -> None:
    while job_id in client.last_seq:
        async with asyncio.timeout(LOG_READ_TIMEOUT_S):
            batch = await jobs.events_after(db, job_id, client.last_seq[job_id], REPLAY_BATCH)
        for event in batch:
            if upto is not None and event.seq > upto:
                return
            await _send(client, event, proto.event_message(event))
        if len(batch) < REPLAY_BATCH:
            return


async def _send(client: Client, event: JobEvent, text: str) -> None:
    if event.job_id not in client.jobs or event.job_id not in client.last_seq:
        return
    await client.ws.send_str(text)
    client.last_seq[event.job_id] = event.seq
    if event.type in FINAL_TYPES:
        client.finished.add(event.job_id)


async def close_client(client: Client, code: int, reason: str, *, flush: bool) -> None:
    """Close with `code`, bounded: a peer that does not read is aborted after CLOSE_GRACE_S.

    With `flush`, the writer first sends what was queued (up to a `Stop` the caller queued).
    """
    writer = client.writer
    current = asyncio.current_task()
    transport = client.transport
    try:
        async with asyncio.timeout(CLOSE_GRACE_S):
            if flush and writer is not None and writer is not current:
                await asyncio.wait({writer})
            if writer is not None and writer is not current:
                # It may be stuck on a full socket; what it still holds is dropped.
                writer.cancel()
            # No drain: cancelling a writer blocked on drain leaves aiohttp's shared drain
            # waiter cancelled, and a drain here would raise at once.
            await client.ws.close(code=code, message=reason.encode()[:123], drain=False)
            # The close frame may still sit behind unsent data; wait until it has left.
            # (asyncio has no "buffer empty" event; this poll is bounded by the grace.)
            while transport is not None and transport.get_write_buffer_size() > 0:  # noqa: ASYNC110
                await asyncio.sleep(_FLUSH_POLL_S)
    except TimeoutError:
        log.info("websocket close timed out: aborting", extra={"code": code})
    except (ConnectionError, RuntimeError):
        pass
    except asyncio.CancelledError:
        # aiohttp's drain waiter, cancelled with the writer, is not this task being cancelled.
        if current is not None and current.cancelling():
            raise
    finally:
        # Aborting drops what the peer never read; a transport already gone is left alone.
        if transport is not None and (
            transport.get_write_buffer_size() > 0 or not transport.is_closing()
        ):
            transport.abort()
        if writer is not None and writer is not current:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer
