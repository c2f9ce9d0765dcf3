"""The AMQP connection a process owns, and confirmed, mandatory publishing with a timeout."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection
from aio_pika.exceptions import AMQPError, DeliveryError

from postwriter.errors import ServiceUnavailable
from postwriter.messaging.envelope import Envelope
from postwriter.messaging.topology import Topology, declare
from postwriter.observability.metrics import PUBLISH_FAILURES
from postwriter.settings import Settings

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Broker:
    settings: Settings
    connection: AbstractRobustConnection
    channel: AbstractChannel
    topology: Topology

    async def publish(
        self,
        exchange: AbstractExchange,
        envelope: Envelope,
        routing_key: str,
        headers: Mapping[str, Any] | None = None,
        *,
        mandatory: bool = True,
    ) -> None:
        """Publish and wait for the broker's confirm; late (or, if mandatory, unroutable)
        means an error."""
        message = aio_pika.Message(
            envelope.to_bytes(),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=envelope.message_id,
            correlation_id=envelope.correlation_id,
            type=envelope.type,
            headers=dict(headers or {}),
        )
        await self.publish_raw(exchange, message, routing_key, mandatory=mandatory)

    async def publish_raw(
        self,
        exchange: AbstractExchange,
        message: aio_pika.Message,
        routing_key: str,
        *,
        mandatory: bool = True,
    ) -> None:
        try:
            # A publish on a robust connection that is down waits for the reconnect.
            async with asyncio.timeout(self.settings.publish_timeout_s):
                await exchange.publish(message, routing_key, mandatory=mandatory)
        except (TimeoutError, AMQPError, DeliveryError, ConnectionError) as exc:
            PUBLISH_FAILURES.labels(exchange=exchange.name).inc()
            raise ServiceUnavailable(
                f"the message broker did not confirm a publish to {exchange.name!r}"
            ) from exc

    async def ping(self) -> bool:
        return not self.connection.is_closed and not self.channel.is_closed


@asynccontextmanager
async def open_broker(settings: Settings, prefetch: int = 0) -> AsyncIterator[Broker]:
    """Connect, declare the topology, and close in reverse order on exit."""
    try:
        connection = await aio_pika.connect_robust(
            settings.amqp_url, timeout=settings.connect_timeout_s
        )
    except (OSError, AMQPError, TimeoutError) as exc:
        raise ServiceUnavailable(f"cannot connect to the message broker: {exc}") from None
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        if prefetch:
            await channel.set_qos(prefetch_count=prefetch)
        topology = await declare(channel, settings)
        yield Broker(settings, connection, channel, topology)
    finally:
        await connection.close()
