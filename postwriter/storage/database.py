"""The MongoDB client a process owns, and the indexes every collection needs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from postwriter.errors import ServiceUnavailable
from postwriter.settings import Settings

log = logging.getLogger(__name__)

Document = dict[str, Any]


@dataclass(slots=True)
class Database:
    client: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]

    @property
    def posts(self) -> AsyncCollection[Document]:
        return self.db["posts"]

    @property
    def jobs(self) -> AsyncCollection[Document]:
        return self.db["jobs"]

    @property
    def events(self) -> AsyncCollection[Document]:
        return self.db["job_events"]

    @property
    def snapshots(self) -> AsyncCollection[Document]:
        return self.db["post_metrics"]

    @property
    def dead_letters(self) -> AsyncCollection[Document]:
        return self.db["dead_letters"]

    @property
    def pages(self) -> AsyncCollection[Document]:
        return self.db["pages"]

    @property
    def templates(self) -> AsyncCollection[Document]:
        return self.db["templates"]

    @property
    def api_keys(self) -> AsyncCollection[Document]:
        return self.db["api_keys"]

    @property
    def audit(self) -> AsyncCollection[Document]:
        return self.db["audit_log"]

    async def ping(self) -> bool:
        try:
            await self.db.command("ping")
        except PyMongoError:
            return False
        return True

    async def ensure_indexes(self) -> None:
        """Idempotent; only index kinds that MongoDB 7 and FerretDB 1.24 both support."""
        await self.posts.create_index(
            [("platform", ASCENDING), ("source", ASCENDING), ("external_id", ASCENDING)],
            unique=True,
            name="natural_key",
        )
        await self.posts.create_index([("job_ids", ASCENDING)], name="by_job")
        await self.events.create_index(
            [("job_id", ASCENDING), ("seq", ASCENDING)], unique=True, name="job_seq"
        )
        await self.events.create_index(
            [("job_id", ASCENDING), ("key", ASCENDING)], unique=True, name="job_key"
        )
        await self.snapshots.create_index(
            [("post_id", ASCENDING), ("at", ASCENDING)], name="post_time"
        )
        await self.jobs.create_index([("status", ASCENDING)], name="by_status")
        await self.posts.create_index(
            [("source", ASCENDING), ("platform", ASCENDING)], name="by_page"
        )
        await self.templates.create_index([("source", ASCENDING)], name="by_source")
        await self.jobs.create_index([("created_at", DESCENDING)], name="newest_first")
        await self.audit.create_index([("at", DESCENDING)], name="newest_first")
        from postwriter.storage.post_query import ensure_post_query_indexes  # imports Database

        await ensure_post_query_indexes(self)


@asynccontextmanager
async def open_database(settings: Settings, *, indexes: bool = True) -> AsyncIterator[Database]:
    """Create the client inside the running loop; close it on exit."""
    timeout_ms = int(settings.db_timeout_s * 1000)
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        settings.mongodb_url,
        tz_aware=True,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        timeoutMS=timeout_ms,
        appname="postwriter",
    )
    try:
        database = Database(client, client[settings.mongodb_db])
        if indexes:
            try:
                await database.ensure_indexes()
            except PyMongoError as exc:
                raise ServiceUnavailable(f"cannot reach the database: {exc}") from None
        yield database
    finally:
        await client.close()
