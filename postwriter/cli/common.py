"""Helpers shared by the CLI's command groups."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Protocol

from postwriter.messaging.broker import Broker, open_broker
from postwriter.settings import Settings
from postwriter.storage.database import Database, open_database


class CommandGroup(Protocol):
    """A module adding one subcommand (with actions) to the `postwriter` command."""

    def register(self, sub: Any) -> list[str]:
        """Add the group's subcommands; returns their names."""
        ...

    def run(self, args: argparse.Namespace, settings: Settings) -> int: ...


def emit(obj: Any) -> None:
    """One JSON object on its own line on stdout: easy to pipe into jq."""

    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value)

    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=default) + "\n")


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[Database]:
    async with open_database(settings) as db:
        yield db


@asynccontextmanager
async def database_and_broker(settings: Settings) -> AsyncIterator[tuple[Database, Broker]]:
    async with open_database(settings) as db, open_broker(settings) as broker:
        yield db, broker
