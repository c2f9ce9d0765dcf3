"""Consumer of `<namespace>.analysis.events`: posts.stored and job.succeeded events → analysis.

Thin on purpose: parse, hand to postwriter.services.analysis, ack.
"""

from __future__ import annotations

import asyncio
import logging

from aio_pika.abc import AbstractIncomingMessage, AbstractQueue, AbstractQueueIterator
from pymongo.errors import PyMongoError

from postwriter.errors import InvalidMessage
from postwriter.messaging.broker import Broker, open_broker
from postwriter.messaging.envelope import Envelope
from postwriter.models.job import EventType
from postwriter.observability.metrics import MESSAGES
from postwriter.observability.server import metrics_server
from postwriter.observability.signals import stop_on_signals
from postwriter.services.analysis import Analyzer
from postwriter.services.events import EventSink
from postwriter.settings import Settings
from postwriter.storage.database import open_database

log = logging.getLogger(__name__)
QUEUE = "analysis.events"
ROUTING_KEYS = (EventType.POSTS_STORED.value, EventType.SUCCEEDED.value)


async def declare_queue(broker: Broker) -> AbstractQueue:
    """Only this consumer declares its queue: no analysis deployed, no events piling up."""
    settings = broker.settings
    names = broker.topology.names
    queue = await broker.channel.declare_queue(
        settings.queue_name(QUEUE),
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": settings.delivery_limit,
            "x-dead-letter-exchange": names.dead_exchange,
            "x-dead-letter-routing-key": QUEUE,
        },
        timeout=settings.connect_timeout_s,
    )
    for key in ROUTING_KEYS:
        await queue.bind(broker.topology.events, key, timeout=settings.connect_timeout_s)
    await broker.topology.dead_queue.bind(broker.topology.dead, QUEUE)
    return queue


async def handle(message: AbstractIncomingMessage, analyzer: Analyzer, events: EventSink) -> str:
    """Process one event; returns the outcome label."""
    try:
        envelope = Envelope.parse(message.body, expected_type="job.event")
    except InvalidMessage as exc:
        log.warning("bad event dead-lettered", extra={"reason": exc.message})
        await message.reject(requeue=False)
        return "dead_letter"
    job_id = envelope.payload["job_id"]
    try:
        analysed = await analyzer.analyse_job_posts(job_id)
        if envelope.payload["type"] == EventType.SUCCEEDED:
            reports = [
                await analyzer.refresh_page(*page) for page in await analyzer.pages_of_job(job_id)
            ]
            data = {
                "posts_analysed": analysed,
                "pages": [
                    {
                        "page_id": r.page_id,
                        "posts": r.posts,
                        "topics": r.topics,
                        "templates": r.templates,
                    }
                    for r in reports
                ],
            }
            await events.emit(job_id, EventType.ANALYSIS_DONE, data, key=EventType.ANALYSIS_DONE)
    except PyMongoError as exc:
        log.warning("analysis will be retried", extra={"job_id": job_id, "error": str(exc)})
        await message.nack(requeue=True)
        return "retry"
    await message.ack()
    return "ack"


async def main(settings: Settings) -> None:
    stop = stop_on_signals()
    async with (
        metrics_server(settings.metrics_host, settings.metrics_port),
        open_database(settings) as db,
        open_broker(settings, prefetch=1) as broker,
    ):
        queue = await declare_queue(broker)
        analyzer = Analyzer(db)
        events = EventSink(db, broker)
        log.info("consuming", extra={"queue": queue.name})
        async with queue.iterator() as messages:
            intake = asyncio.create_task(_loop(messages, analyzer, events))
            await stop.wait()
            intake.cancel()
            await asyncio.gather(intake, return_exceptions=True)
    log.info("stopped")


async def _loop(messages: AbstractQueueIterator, analyzer: Analyzer, events: EventSink) -> None:
    async for message in messages:
        outcome = await handle(message, analyzer, events)
        MESSAGES.labels(queue=QUEUE, outcome=outcome).inc()
