"""Consumer of `<namespace>.scrape.requests`: parse, hand to the scraper, ack. Thin on purpose."""

from __future__ import annotations

import asyncio
import logging

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from pymongo.errors import PyMongoError

from postwriter.browser.pool import BrowserPool
from postwriter.errors import InvalidMessage, ServiceUnavailable
from postwriter.messaging.broker import Broker, open_broker
from postwriter.messaging.envelope import Envelope
from postwriter.messaging.topology import DEAD_ROUTING_KEY
from postwriter.observability.logging import correlation_id
from postwriter.observability.metrics import MESSAGES
from postwriter.observability.server import metrics_server
from postwriter.observability.signals import stop_on_signals
from postwriter.services.scrape import Outcome, Scraper, ScrapeRequest
from postwriter.services.scraper_factory import Politeness, build_scraper
from postwriter.settings import Settings
from postwriter.storage.database import open_database

log = logging.getLogger(__name__)
QUEUE = "scrape.requests"
DRAIN_SECONDS = 20.0
PURGE_INTERVAL_S = 600.0


class ScrapeConsumer:
    def __init__(self, settings: Settings, broker: Broker, scraper: Scraper) -> None:
        self._settings = settings
        self._broker = broker
        self._scraper = scraper
        self._slots = asyncio.Semaphore(settings.scrape_concurrency)
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Take messages until `stop` is set, then drain for a bounded time."""
        intake = asyncio.create_task(self._intake())
        stopper = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({intake, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (intake, stopper):
                task.cancel()
            await asyncio.gather(intake, stopper, return_exceptions=True)
            await self._drain()
        if intake.done() and not intake.cancelled() and intake.exception():
            raise intake.exception()  # type: ignore[misc]

    async def _intake(self) -> None:
        queue = self._broker.topology.scrape_queue
        async with queue.iterator() as messages:
            async for message in messages:
                await self._slots.acquire()
                task = asyncio.create_task(self._handle(message))
                self._tasks.add(task)
                task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._slots.release()

    async def _drain(self) -> None:
        if not self._tasks:
            return
        log.info("draining", extra={"in_flight": len(self._tasks)})
        _, pending = await asyncio.wait(set(self._tasks), timeout=DRAIN_SECONDS)
        for task in pending:
            task.cancel()  # its message stays unacked and goes back to the queue
        await asyncio.gather(*pending, return_exceptions=True)

    async def _handle(self, message: AbstractIncomingMessage) -> None:
        deliveries = _delivery_count(message)
        try:
            envelope = Envelope.parse(message.body, expected_type="scrape.request")
            request = ScrapeRequest.from_envelope(envelope)
        except InvalidMessage as exc:
            await self._dead_letter(message, exc.message)
            return
        token = correlation_id.set(envelope.correlation_id or request.job_id)
        try:
            outcome = await self._scraper.process(request, deliveries=deliveries)
        except Exception:
            log.exception("unexpected error", extra={"job_id": request.job_id})
            outcome = Outcome.RETRY
        finally:
            correlation_id.reset(token)
        if outcome is Outcome.ACK:
            await message.ack()
        else:
            await message.nack(requeue=True)
        MESSAGES.labels(queue=QUEUE, outcome=outcome.value).inc()

    async def _dead_letter(self, message: AbstractIncomingMessage, reason: str) -> None:
        """Park a bad message with its reason in a header, then drop it from the work queue."""
        log.warning("dead-lettering message", extra={"reason": reason})
        headers = dict(message.headers or {})
        headers["x-postwriter-error"] = reason[:1000]
        headers["x-postwriter-original-queue"] = self._broker.topology.names.scrape_queue
        copy = aio_pika.Message(
            message.body,
            headers=headers,
            content_type=message.content_type,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        try:
            await self._broker.publish_raw(self._broker.topology.dead, copy, DEAD_ROUTING_KEY)
        except ServiceUnavailable:
            await message.nack(requeue=True)
            return
        await message.ack()
        MESSAGES.labels(queue=QUEUE, outcome="dead_letter").inc()


def _delivery_count(message: AbstractIncomingMessage) -> int:
    """Earlier failed deliveries, as the quorum queue counts them."""
    value = (message.headers or {}).get("x-delivery-count", 0)
    return value if isinstance(value, int) else 0


async def main(settings: Settings) -> None:
    stop = stop_on_signals()
    async with (
        metrics_server(settings.metrics_host, settings.metrics_port),
        open_database(settings) as db,
        open_broker(settings, prefetch=settings.scrape_concurrency) as broker,
        BrowserPool(settings) as pool,
    ):
        scraper, politeness = await build_scraper(settings, db, broker, pool)
        housekeeping = asyncio.create_task(_purge_forever(politeness))
        log.info("consuming", extra={"queue": broker.topology.names.scrape_queue})
        try:
            await ScrapeConsumer(settings, broker, scraper).run(stop)
        finally:
            housekeeping.cancel()
            await asyncio.gather(housekeeping, return_exceptions=True)
    log.info("stopped")


async def _purge_forever(politeness: Politeness) -> None:
    """No TTL indexes (FerretDB has none): old rate-limit and robots state goes by sweep."""
    while True:
        await asyncio.sleep(PURGE_INTERVAL_S)
        try:
            await politeness.purge()
        except PyMongoError as exc:
            log.warning("purge failed", extra={"error": str(exc)})
