"""Consumer of `<namespace>.webhooks.events`: job.succeeded, job.failed and analysis.done
events → webhook deliveries, and the loop that POSTs them (with retries from MongoDB).

Thin on purpose: parse, hand to postwriter.webhooks.dispatcher, ack. Run it with
`python -m consumers.job_events_webhooks` (settings from POSTWRITER_* variables).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import datetime

from aio_pika.abc import AbstractIncomingMessage, AbstractQueueIterator
from pymongo.errors import PyMongoError

from postwriter.errors import InvalidMessage, PostWriterError, ServiceUnavailable, SettingsError
from postwriter.messaging.broker import open_broker
from postwriter.messaging.envelope import Envelope
from postwriter.messaging.topology import WEBHOOK_QUEUE, declare_webhook_queue
from postwriter.models.job import JobEvent
from postwriter.observability.logging import configure_logging
from postwriter.observability.metrics import MESSAGES
from postwriter.observability.server import metrics_server
from postwriter.observability.signals import stop_on_signals
from postwriter.security.egress import EgressPolicy
from postwriter.security.keyring import KeyRing
from postwriter.settings import Settings
from postwriter.storage.database import open_database
from postwriter.webhooks.delivery import Sender
from postwriter.webhooks.dispatcher import Dispatcher

log = logging.getLogger(__name__)
# Events are handled one at a time (a few quick writes each); POSTs run in the dispatcher.
PREFETCH = 16


async def handle(message: AbstractIncomingMessage, dispatcher: Dispatcher) -> str:
    """Turn one event into deliveries; returns the outcome label."""
    try:
        envelope = Envelope.parse(message.body, expected_type="job.event")
        payload = envelope.payload
        event = JobEvent(
            payload["job_id"],
            payload["seq"],
            payload["type"],
            datetime.fromisoformat(payload["at"]),
            payload["data"],
        )
    except (InvalidMessage, ValueError) as exc:
        reason = exc.message if isinstance(exc, InvalidMessage) else str(exc)
        log.warning("bad event dead-lettered", extra={"reason": reason[:300]})
        await message.reject(requeue=False)
        return "dead_letter"
    try:
        await dispatcher.on_event(event)
    except (PyMongoError, ServiceUnavailable) as exc:
        # Nothing half-done to undo: the deliveries already created are found again.
        log.warning("webhook event will be retried", extra={"error": str(exc)[:300]})
        await message.nack(requeue=True)
        return "retry"
    await message.ack()
    return "ack"


async def run(settings: Settings, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
    """Consume events and dispatch deliveries until `stop` is set.

    `ready` is set once the queue is declared and bound: from then on no event is missed.
    """
    keyring = KeyRing.from_config(settings.keys, settings.keys_file)
    if not keyring.configured:
        log.warning("no key ring (POSTWRITER_KEYS or POSTWRITER_KEYS_FILE): nothing can be signed")
    async with (
        open_database(settings) as db,
        open_broker(settings, prefetch=PREFETCH) as broker,
        Sender(EgressPolicy(settings.egress_allow), settings.webhook_timeout_s) as sender,
    ):
        dispatcher = Dispatcher(settings, db, keyring, sender)
        await dispatcher.ensure_indexes()
        queue = await declare_webhook_queue(broker.channel, broker.topology, settings)
        log.info("consuming", extra={"queue": queue.name})
        if ready is not None:
            ready.set()
        worker = asyncio.create_task(dispatcher.run(stop))
        async with queue.iterator() as messages:
            intake = asyncio.create_task(_loop(messages, dispatcher))
            stopping = asyncio.create_task(stop.wait())
            # Whichever ends first (a signal, or a task that died) ends the process.
            await asyncio.wait({stopping, worker, intake}, return_when=asyncio.FIRST_COMPLETED)
            asked_to_stop = stop.is_set()
            stop.set()
            intake.cancel()
            results = await asyncio.gather(intake, stopping, return_exceptions=True)
        await worker  # raises what killed the dispatcher, if anything did
        if not asked_to_stop:
            raise ServiceUnavailable(f"event intake stopped unexpectedly: {results[0]!r}")


async def _loop(messages: AbstractQueueIterator, dispatcher: Dispatcher) -> None:
    async for message in messages:
        outcome = await handle(message, dispatcher)
        MESSAGES.labels(queue=WEBHOOK_QUEUE, outcome=outcome).inc()


async def main(settings: Settings) -> None:
    stop = stop_on_signals()
    async with metrics_server(settings.metrics_host, settings.metrics_port):
        await run(settings, stop)
    log.info("stopped")


def cli() -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"postwriter-webhooks: invalid setting {exc.message}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format, service="postwriter-webhooks")
    try:
        asyncio.run(main(settings))
    except PostWriterError as exc:
        print(f"postwriter-webhooks: {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(cli())
