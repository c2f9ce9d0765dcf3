"""Job events: stored first (the log is the truth), then published for live listeners."""

from __future__ import annotations

import logging
from typing import Any

from postwriter.errors import ServiceUnavailable
from postwriter.messaging.broker import Broker
from postwriter.messaging.envelope import Envelope
from postwriter.models.job import JobEvent
from postwriter.storage import jobs
from postwriter.storage.database import Database

log = logging.getLogger(__name__)


class EventSink:
    def __init__(self, db: Database, broker: Broker) -> None:
        self._db = db
        self._broker = broker

    async def emit(
        self,
        job_id: str,
        type_: str,
        data: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        correlation_id: str | None = None,
    ) -> JobEvent | None:
        event = await jobs.append_event(self._db, job_id, type_, data, key=key)
        if event is not None:
            await self.publish(event, correlation_id)
        return event

    async def publish(self, event: JobEvent, correlation_id: str | None = None) -> None:
        envelope = Envelope.new("job.event", event.to_json(), correlation_id=correlation_id)
        try:
            # Not mandatory: an event nobody listens to (no API replica up) is not an error.
            await self._broker.publish(
                self._broker.topology.events, envelope, event.type, mandatory=False
            )
        except ServiceUnavailable:
            # Stored already: WebSocket clients back-fill gaps from the log.
            log.warning("event not published", extra={"job_id": event.job_id, "seq": event.seq})
