"""The scheduler process: publishes the scrape requests of due schedules. Thin on purpose.

Run any number of replicas: each tick of each schedule is published once (see
`postwriter.schedules.runner`).
"""

from __future__ import annotations

import asyncio
import logging

from postwriter.messaging.broker import open_broker
from postwriter.observability.signals import release_signals, stop_on_signals
from postwriter.schedules import store
from postwriter.schedules.runner import Scheduler
from postwriter.settings import Settings
from postwriter.storage.database import open_database

log = logging.getLogger(__name__)
STOP_GRACE_S = 30.0


async def main(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until SIGTERM/SIGINT (or `stop`), finishing the current pass within a grace."""
    stop = stop_on_signals(stop)
    try:
        async with open_database(settings) as db, open_broker(settings) as broker:
            async with asyncio.timeout(4 * settings.db_timeout_s):
                await store.ensure_indexes(db)
            scheduler = Scheduler(settings, db, broker)
            async with asyncio.timeout(4 * settings.db_timeout_s):
                await scheduler.ensure_indexes()
            log.info("scheduling", extra={"interval_s": settings.scheduler_interval_s})
            task = asyncio.create_task(scheduler.run(stop))
            stopper = asyncio.create_task(stop.wait())
            try:
                await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
                # The loop ends at its next check of `stop`; a pass in flight gets a grace.
                await asyncio.wait({task}, timeout=STOP_GRACE_S)
            finally:
                for owned in (task, stopper):
                    owned.cancel()
                await asyncio.gather(task, stopper, return_exceptions=True)
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        release_signals()
    log.info("stopped")
