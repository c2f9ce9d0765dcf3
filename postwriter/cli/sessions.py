"""`postwriter sessions ...` and `postwriter keys ...`: the encrypted session vault."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from postwriter.cli.common import database, emit
from postwriter.errors import InvalidRequest, NotFound
from postwriter.security.egress import EgressPolicy
from postwriter.security.keyring import KeyRing, prepend_key_to_file
from postwriter.services.scraper_factory import build_vault
from postwriter.settings import Settings
from postwriter.webhooks.store import WebhookStore

FORMATS = ["auto", "storage_state", "extension_json", "netscape"]


def register(sub: Any) -> list[str]:
    parser = sub.add_parser("sessions", help="logged-in browser sessions (encrypted at rest)")
    cmd = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = cmd.add_parser("import", help="import a cookie export (storage_state, extension, txt)")
    imp.add_argument("file", help="the cookie file; - reads standard input")
    imp.add_argument("--platform", required=True)
    imp.add_argument("--name", required=True)
    imp.add_argument("--format", default="auto", choices=FORMATS)
    imp.add_argument("--session-id", default=None, help="replace this session's cookies")
    cmd.add_parser("list", help="sessions with their status (never their cookies)")
    rm = cmd.add_parser("rm", aliases=["delete"], help="delete a session")
    rm.add_argument("session_id")
    return ["sessions"]


def register_keys(sub: Any) -> list[str]:
    parser = sub.add_parser("keys", help="the vault's key ring")
    cmd = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    cmd.add_parser("generate", help="print a new key entry (kid:key) for the key ring")
    rotate = cmd.add_parser(
        "rotate",
        help="with POSTWRITER_KEYS_FILE: add a new first key to the file; then re-encrypt "
        "every session with the first key",
    )
    rotate.add_argument(
        "--reencrypt-only",
        action="store_true",
        help="add no key (e.g. a read-only mounted key file): re-encrypt with the first key",
    )
    return ["keys"]


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_sessions(args, settings))


async def _sessions(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "import":
        data = sys.stdin.buffer.read() if args.file == "-" else _read(args.file)
    async with database(settings) as db:
        vault = build_vault(settings, db)
        await vault.ensure_indexes()
        if args.action == "import":
            info = await vault.import_cookies(
                args.platform, args.name, data, args.format, session_id=args.session_id
            )
            emit(info.to_json())
        elif args.action == "list":
            for info in await vault.list():
                emit(info.to_json())
        elif not await vault.delete(args.session_id):  # rm / delete
            raise NotFound(f"no session {args.session_id}")
    return 0


def _read(path: str) -> bytes:
    file = Path(path)
    if not file.is_file():
        raise InvalidRequest(f"no such file: {path}", field="file")
    return file.read_bytes()


class Keys:
    """The `keys` command group."""

    @staticmethod
    def register(sub: Any) -> list[str]:
        return register_keys(sub)

    @staticmethod
    def run(args: argparse.Namespace, settings: Settings) -> int:
        if args.action == "generate":
            sys.stdout.write(KeyRing.generate_key() + "\n")
            return 0
        return asyncio.run(_rotate(settings, add_key=not args.reencrypt_only))


async def _rotate(settings: Settings, *, add_key: bool) -> int:
    async with database(settings) as db:  # reachable before the key file changes
        if settings.keys_file and add_key:
            kid = prepend_key_to_file(settings.keys_file, KeyRing.generate_key())
            sys.stderr.write(f"postwriter: added key {kid} first in {settings.keys_file}\n")
        ring = KeyRing.from_config(settings.keys, settings.keys_file)
        vault = build_vault(settings, db)
        report = await vault.rotate(ring)
        # Webhook secrets are sealed with the same ring: re-encrypt them too, or dropping
        # the old key later would break their signatures.
        webhooks = await WebhookStore(db, ring, EgressPolicy(settings.egress_allow)).reseal(ring)
    emit({**report.to_json(), "webhooks": webhooks})
    return 1 if report.failed or webhooks.get("failed") else 0
