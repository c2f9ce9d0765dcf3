"""From job events to webhook POSTs: create deliveries, attempt them, retry, give up.

`on_event` turns one job event into one delivery per matching webhook (an idempotent
insert, so the caller may ack the AMQP message once it returns). `run` is the loop that
attempts every due delivery, those just created and retries alike; because retries live in
MongoDB, a restart (or another replica) picks them up where they were.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pymongo.errors import PyMongoError

from postwriter.errors import PostWriterError, ServiceUnavailable
from postwriter.models.job import JobEvent
from postwriter.security.egress import EgressPolicy
from postwriter.security.keyring import KeyRing
from postwriter.settings import Settings
from postwriter.storage import jobs
from postwriter.storage.database import Database, Document

from .deliveries import DeliveryStore
from .delivery import AttemptResult, Sender
from .metrics import WEBHOOK_ATTEMPT_DURATION, WEBHOOK_ATTEMPTS, WEBHOOK_DELIVERIES, WEBHOOK_PENDING
from .models import (
    EVENT_TYPES,
    USER_AGENT,
    DeliveryStatus,
    delivery_id_for,
    event_body,
    event_key,
    utcnow,
)
from .retry import next_delay
from .signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signature_header
from .store import WebhookStore

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
MAX_IN_FLIGHT = 32
# Longest sleep between looks for due deliveries (new pings, other replicas' retries).
IDLE_POLL_S = 1.0
# A claimed attempt holds its delivery this long past the POST timeout; then it is due again.
LEASE_MARGIN_S = 30.0
GAUGE_EVERY_S = 60.0
# Purging scans collections without a TTL index (FerretDB has none): not too often.
PURGE_EVERY_S = 900.0
DRAIN_S = 10.0
ERROR_PAUSE_S = 1.0


class Dispatcher:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        keyring: KeyRing,
        sender: Sender,
        *,
        clock: Clock = utcnow,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._settings = settings
        self._db = db
        self._sender = sender
        self._clock = clock
        self._rand = rand
        self.webhooks = WebhookStore(db, keyring, EgressPolicy(settings.egress_allow))
        self.deliveries = DeliveryStore(db)
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight: set[str] = set()
        self._lease = timedelta(seconds=settings.webhook_timeout_s + LEASE_MARGIN_S)

    async def ensure_indexes(self) -> None:
        await self.webhooks.ensure_indexes()
        await self.deliveries.ensure_indexes()

    def wake(self) -> None:
        self._wake.set()

    # -- intake -----------------------------------------------------------------------

    async def on_event(self, event: JobEvent) -> int:
        """Create the deliveries of one event; returns how many were new.

        Safe to repeat: each delivery's id comes from (webhook, event), so a redelivered
        message creates nothing. Raises `PyMongoError` when the database fails (the caller
        nacks and the message comes back).
        """
        if event.type not in EVENT_TYPES:
            return 0
        job = await jobs.get_job(self._db, event.job_id)
        source = str(job["url"]) if job and job.get("url") else None
        created = 0
        now = self._clock()
        for webhook in await self.webhooks.matching(event.type, source):
            webhook_id = str(webhook["_id"])
            delivery_id = delivery_id_for(webhook_id, event_key(event))
            if await self.deliveries.create(
                delivery_id=delivery_id,
                webhook_id=webhook_id,
                event_type=event.type,
                body=event_body(delivery_id, webhook_id, event, job),
                job_id=event.job_id,
                now=now,
            ):
                created += 1
        if created:
            log.info(
                "webhook deliveries created",
                extra={"job_id": event.job_id, "event": event.type, "deliveries": created},
            )
            self.wake()
        return created

    # -- the loop ---------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Attempt due deliveries until `stop` is set; then let attempts in flight finish
        for a bounded time and cancel the rest (their lease runs out: retried later)."""
        last_gauge = last_purge = -PURGE_EVERY_S
        try:
            while not stop.is_set():
                wait_s = IDLE_POLL_S
                try:
                    if time.monotonic() - last_purge >= PURGE_EVERY_S:
                        await self.deliveries.purge(self._clock())
                        last_purge = time.monotonic()
                    if time.monotonic() - last_gauge >= GAUGE_EVERY_S:
                        WEBHOOK_PENDING.set(await self.deliveries.pending_count())
                        last_gauge = time.monotonic()
                    # Cleared before the pass: a wake during it makes the next pass start at once.
                    self._wake.clear()
                    started = await self.dispatch_due()
                    wait_s = await self._idle_time(started)
                except (PyMongoError, ServiceUnavailable) as exc:
                    log.warning("webhook dispatch pass failed", extra={"error": str(exc)[:300]})
                    wait_s = ERROR_PAUSE_S
                await self._sleep(stop, wait_s)
        finally:
            await self._drain()

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        waiters = {asyncio.create_task(self._wake.wait()), asyncio.create_task(stop.wait())}
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)

    async def _idle_time(self, started: int) -> float:
        """How long to sleep after a pass that started `started` attempts."""
        if len(self._in_flight) >= MAX_IN_FLIGHT:
            return IDLE_POLL_S  # a finishing attempt wakes the loop
        due = await self.deliveries.next_due_at()
        if due is None:
            return IDLE_POLL_S
        wait = (due - self._clock()).total_seconds()
        if wait <= 0:
            # Due but claimed elsewhere: look again later rather than spin on it. Due after
            # a pass that started attempts: there may be more than fitted in this pass.
            return 0.0 if started else IDLE_POLL_S
        return min(IDLE_POLL_S, wait)

    async def settle(self, timeout_s: float = DRAIN_S) -> bool:
        """Wait for the attempts in flight; True if none is left within `timeout_s`."""
        if not self._tasks:
            return True
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout_s)
        return not pending

    async def _drain(self) -> None:
        if await self.settle(DRAIN_S):
            return
        pending = set(self._tasks)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def dispatch_due(self) -> int:
        """Claim the due deliveries this replica has room for and start their attempts."""
        free = MAX_IN_FLIGHT - len(self._in_flight)
        if free <= 0:
            return 0
        now = self._clock()
        started = 0
        for doc in await self.deliveries.due(now, free, self._in_flight):
            if not await self.deliveries.claim(doc, now, self._lease):
                continue  # another dispatcher has it
            await self.deliveries.hold(str(doc["_id"]), now + self._lease)
            self._start(doc)
            started += 1
        return started

    def _start(self, doc: Document) -> None:
        delivery_id = str(doc["_id"])
        self._in_flight.add(delivery_id)
        task = asyncio.create_task(self._attempt_guarded(doc))
        self._tasks.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._tasks.discard(finished)
            self._in_flight.discard(delivery_id)
            self.wake()

        task.add_done_callback(done)

    async def _attempt_guarded(self, doc: Document) -> None:
        try:
            await self.attempt(doc)
        except (PyMongoError, PostWriterError) as exc:
            # Not recorded: the lease runs out and the attempt is made again.
            log.warning(
                "webhook attempt not recorded",
                extra={"delivery_id": doc["_id"], "error": str(exc)[:300]},
            )
        except Exception:
            log.exception("webhook attempt crashed", extra={"delivery_id": doc["_id"]})

    # -- one attempt ------------------------------------------------------------------

    async def attempt(self, doc: Document) -> DeliveryStatus:
        """POST one delivery once and record the outcome; returns the delivery's status."""
        number = len(doc.get("attempts") or []) + 1
        started_at = self._clock()
        webhook = await self.webhooks.get(str(doc["webhook_id"]))
        result: AttemptResult
        if webhook is None or not webhook.get("enabled"):
            reason = "deleted" if webhook is None else "disabled"
            result = AttemptResult(False, "webhook_gone", None, f"the webhook was {reason}", 0.0)
        else:
            result = await self._send(webhook, doc, number)
        return await self._record(doc, number, started_at, result)

    async def _send(self, webhook: Document, doc: Document, number: int) -> AttemptResult:
        try:
            signing = self.webhooks.signing_secrets(webhook, self._clock())
        except PostWriterError as exc:
            log.error(
                "webhook secret does not decrypt",
                extra={"webhook_id": webhook["_id"], "reason": exc.message},
            )
            return AttemptResult(False, "decryption_failed", None, exc.message, 0.0)
        body = str(doc["body"]).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: signature_header(signing, int(time.time()), body),
            EVENT_HEADER: str(doc["event_type"]),
            DELIVERY_HEADER: str(doc["_id"]),
            "PostWriter-Attempt": str(number),
        }
        result = await self._sender.post(str(webhook["url"]), body, headers)
        WEBHOOK_ATTEMPT_DURATION.observe(result.duration_s)
        return result

    async def _record(
        self, doc: Document, number: int, started_at: datetime, result: AttemptResult
    ) -> DeliveryStatus:
        delivery_id = str(doc["_id"])
        attempt: dict[str, Any] = {
            "attempt": number,
            "started_at": started_at,
            "duration_ms": round(result.duration_s * 1000),
            "status_code": result.status_code,
            "error": result.error,
            "message": result.message,
        }
        attempts = [*(doc.get("attempts") or []), attempt]
        WEBHOOK_ATTEMPTS.labels(result="success" if result.ok else result.error).inc()
        now = self._clock()
        next_at: datetime | None = None
        if result.ok:
            status = DeliveryStatus.SUCCEEDED
        elif (
            result.permanent
            or result.error == "webhook_gone"
            or number >= self._settings.webhook_max_attempts
        ):
            status = DeliveryStatus.FAILED
        else:
            status = DeliveryStatus.PENDING
            delay = next_delay(
                number,
                self._settings.webhook_backoff_base_s,
                self._settings.webhook_backoff_max_s,
                status_code=result.status_code,
                retry_after_s=result.retry_after_s,
                rand=self._rand,
            )
            next_at = now + timedelta(seconds=delay)
        await self.deliveries.record(delivery_id, attempts, status, next_at, now)
        if status != DeliveryStatus.PENDING:
            WEBHOOK_DELIVERIES.labels(event=str(doc["event_type"]), outcome=status.value).inc()
        log_extra: dict[str, Any] = {
            "delivery_id": delivery_id,
            "webhook_id": doc["webhook_id"],
            "event": doc["event_type"],
            "attempt": number,
            "status_code": result.status_code,
            "error": result.error,
            "outcome": status.value,
        }
        if result.ok:
            log.info("webhook delivered", extra=log_extra)
        else:
            log_extra["next_attempt_at"] = next_at.isoformat() if next_at else None
            log.warning("webhook attempt failed", extra=log_extra)
        return status
