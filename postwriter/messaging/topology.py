"""Exchanges and queues, declared idempotently by every process at start."""

from __future__ import annotations

from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue

from postwriter.settings import Settings

SCRAPE_ROUTING_KEY = "scrape.request"
DEAD_ROUTING_KEY = "scrape.requests"
# The webhook dispatcher's queue (suffix) and the job events it takes from the events exchange.
WEBHOOK_QUEUE = "webhooks.events"
WEBHOOK_ROUTING_KEYS = ("job.succeeded", "job.failed", "analysis.done")


@dataclass(frozen=True, slots=True)
class Names:
    requests_exchange: str
    dead_exchange: str
    events_exchange: str
    scrape_queue: str
    dead_queue: str
    webhook_queue: str

    @classmethod
    def for_settings(cls, settings: Settings) -> Names:
        return cls(
            requests_exchange=settings.queue_name("requests"),
            dead_exchange=settings.queue_name("dead"),
            events_exchange=settings.queue_name("events"),
            scrape_queue=settings.queue_name("scrape.requests"),
            dead_queue=settings.queue_name("scrape.dead"),
            webhook_queue=settings.queue_name(WEBHOOK_QUEUE),
        )


@dataclass(frozen=True, slots=True)
class Topology:
    names: Names
    requests: AbstractExchange
    dead: AbstractExchange
    events: AbstractExchange
    scrape_queue: AbstractQueue
    dead_queue: AbstractQueue


async def declare(channel: AbstractChannel, settings: Settings) -> Topology:
    """Declare everything; safe to run from any number of processes at once."""
    names = Names.for_settings(settings)
    timeout = settings.connect_timeout_s
    requests = await channel.declare_exchange(
        names.requests_exchange, aio_pika.ExchangeType.DIRECT, durable=True, timeout=timeout
    )
    dead = await channel.declare_exchange(
        names.dead_exchange, aio_pika.ExchangeType.DIRECT, durable=True, timeout=timeout
    )
    events = await channel.declare_exchange(
        names.events_exchange, aio_pika.ExchangeType.TOPIC, durable=True, timeout=timeout
    )
    dead_queue = await channel.declare_queue(
        names.dead_queue,
        durable=True,
        arguments={"x-queue-type": "quorum"},
        timeout=timeout,
    )
    await dead_queue.bind(dead, DEAD_ROUTING_KEY, timeout=timeout)
    scrape_queue = await channel.declare_queue(
        names.scrape_queue,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            # Quorum queues count deliveries; past the limit the broker dead-letters.
            "x-delivery-limit": settings.delivery_limit,
            "x-dead-letter-exchange": names.dead_exchange,
            "x-dead-letter-routing-key": DEAD_ROUTING_KEY,
        },
        timeout=timeout,
    )
    await scrape_queue.bind(requests, SCRAPE_ROUTING_KEY, timeout=timeout)
    return Topology(names, requests, dead, events, scrape_queue, dead_queue)


async def declare_webhook_queue(
    channel: AbstractChannel, topology: Topology, settings: Settings
) -> AbstractQueue:
    """The webhook dispatcher's queue, bound to the events it delivers.

    Declared by the dispatcher only, not by `declare`: where no dispatcher was ever
    deployed, no queue collects events nobody reads. Past the delivery limit a message
    goes to the dead-letter queue under the routing key `webhooks.events`.
    """
    timeout = settings.connect_timeout_s
    queue = await channel.declare_queue(
        topology.names.webhook_queue,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": settings.delivery_limit,
            "x-dead-letter-exchange": topology.names.dead_exchange,
            "x-dead-letter-routing-key": WEBHOOK_QUEUE,
        },
        timeout=timeout,
    )
    for key in WEBHOOK_ROUTING_KEYS:
        await queue.bind(topology.events, key, timeout=timeout)
    await topology.dead_queue.bind(topology.dead, WEBHOOK_QUEUE, timeout=timeout)
    return queue
