"""`postwriter schedule ...`: recurring scrapes."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from postwriter.cli.common import database, emit
from postwriter.errors import NotFound
from postwriter.schedules import store
from postwriter.security.egress import EgressPolicy
from postwriter.settings import Settings

ADAPTERS = ["auto", "facebook", "article", "feed", "recipe"]


def register(sub: Any) -> list[str]:
    parser = sub.add_parser("schedule", help="recurring scrapes")
    cmd = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    cmd.add_parser("run", help="run the scheduler: publishes due scrapes (one per tick)")
    add = cmd.add_parser("add", help="add a schedule")
    add.add_argument("name")
    add.add_argument("url")
    add.add_argument("cron", help="5-field cron expression or @hourly/@daily/@weekly")
    add.add_argument("--timezone", default=None)
    add.add_argument("--adapter", default="auto", choices=ADAPTERS)
    add.add_argument("--max-posts", type=int, default=100)
    add.add_argument("--session-id", default=None)
    add.add_argument("--disabled", action="store_true")
    listing = cmd.add_parser("list", help="list schedules")
    state = listing.add_mutually_exclusive_group()
    state.add_argument("--enabled", dest="only", action="store_const", const=True)
    state.add_argument("--disabled", dest="only", action="store_const", const=False)
    for name in ("enable", "disable", "rm"):
        one = cmd.add_parser(name, help=f"{name} a schedule")
        one.add_argument("schedule_id")
    return ["schedule"]


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "run":
        from producers.scheduler import main as scheduler_main

        asyncio.run(scheduler_main(settings))
        return 0
    return asyncio.run(_manage(args, settings))


async def _manage(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings) as db:
        if args.action == "add":
            fields: dict[str, Any] = {
                "name": args.name,
                "url": args.url,
                "cron": args.cron,
                "adapter": args.adapter,
                "max_posts": args.max_posts,
                "enabled": not args.disabled,
            }
            if args.timezone:
                fields["timezone"] = args.timezone
            if args.session_id:
                fields["session_id"] = args.session_id
            policy = EgressPolicy(settings.egress_allow)
            emit(store.public_schedule(await store.create_schedule_from(db, policy, fields)))
        elif args.action == "list":
            for doc in await store.list_schedules(db, enabled=args.only):
                emit(store.public_schedule(doc))
        elif args.action == "enable":
            emit(store.public_schedule(await store.enable_schedule(db, args.schedule_id)))
        elif args.action == "disable":
            emit(store.public_schedule(await store.disable_schedule(db, args.schedule_id)))
        elif args.action == "rm" and not await store.delete_schedule(db, args.schedule_id):
            raise NotFound(f"no schedule {args.schedule_id}")
    return 0
