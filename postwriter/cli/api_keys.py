"""`postwriter api-keys ...`: create (shown once), list, revoke; and read the audit log."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from postwriter.cli.common import database, emit
from postwriter.errors import InvalidRequest, NotFound
from postwriter.security.roles import ROLE_NAMES, Role
from postwriter.settings import Settings
from postwriter.storage import api_keys, audit

CLI_ACTOR = "cli"


def register(sub: Any) -> list[str]:
    parser = sub.add_parser("api-keys", help="API keys for the HTTP API, and the audit log")
    cmd = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = cmd.add_parser("create", help="create a key; it is printed once, store it now")
    create.add_argument("--name", required=True, help="who or what uses it")
    create.add_argument("--role", required=True, choices=ROLE_NAMES)
    create.add_argument("--rate-per-minute", type=int, default=None)
    cmd.add_parser("list", help="list keys (never their secrets)")
    revoke = cmd.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    log = cmd.add_parser("audit", help="print security events, newest first")
    log.add_argument("--limit", type=int, default=50)
    log.add_argument("--event", default=None)
    return ["api-keys"]


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings) as db:
        if args.action == "create":
            rate = args.rate_per_minute
            if rate is not None and not 1 <= rate <= 1_000_000:
                raise InvalidRequest("--rate-per-minute must be between 1 and 1000000")
            new = await api_keys.create_key(
                db,
                name=args.name,
                role=Role.parse(args.role),
                created_by=CLI_ACTOR,
                rate_per_minute=rate,
            )
            await audit.record(
                db,
                "key.created",
                actor=CLI_ACTOR,
                details={"key_id": new.record["_id"], "role": args.role, "name": args.name},
            )
            emit({**api_keys.public_key(new.record), "key": new.key})
        elif args.action == "list":
            for record in await api_keys.list_keys(db):
                emit(api_keys.public_key(record))
        elif args.action == "revoke":
            gone = await api_keys.revoke_key(db, args.key_id)
            if gone is None:
                raise NotFound(f"no API key {args.key_id}")
            details = {"key_id": args.key_id, "role": gone["role"], "name": gone["name"]}
            await audit.record(db, "key.revoked", actor=CLI_ACTOR, details=details)
            emit({**api_keys.public_key(gone), "revoked": True})
        else:
            if not 1 <= args.limit <= 1000:
                raise InvalidRequest("--limit must be between 1 and 1000")
            for doc in await audit.listing(db, limit=args.limit, event=args.event):
                emit(audit.public_event(doc))
    return 0
