"""`postwriter dead-letters ...`: list, inspect and replay parked scrape requests."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from postwriter.cli.common import database_and_broker, emit
from postwriter.services import deadletters
from postwriter.services.events import EventSink
from postwriter.settings import Settings


def register(sub: Any) -> list[str]:
    parser = sub.add_parser("dead-letters", help="list, inspect and replay dead letters")
    cmd = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = cmd.add_parser("list", help="newest first (drains the dead-letter queue first)")
    listing.add_argument("--limit", type=int, default=50)
    show = cmd.add_parser("show", help="one dead letter with its body and headers")
    show.add_argument("letter_id")
    replay = cmd.add_parser("replay", help="submit the parked request again as a new job")
    replay.add_argument("letter_id")
    replay.add_argument("--force", action="store_true", help="replay even if replayed before")
    return ["dead-letters"]


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    async with database_and_broker(settings) as (db, broker):
        if args.action == "list":
            await deadletters.archive(broker, db)
            for doc in await deadletters.listing(db, max(1, min(args.limit, 500))):
                emit(deadletters.public(doc))
        elif args.action == "show":
            emit(deadletters.public(await deadletters.get(db, args.letter_id), with_body=True))
        else:
            job_id = await deadletters.replay(
                broker,
                db,
                EventSink(db, broker),
                args.letter_id,
                queued_deadline_s=settings.queued_deadline_s,
                force=args.force,
            )
            emit({"job_id": job_id, "status": "queued"})
    return 0
