"""Argument parsing and the process-level subcommands (api, consume, submit, extract, demo)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from postwriter.cli import (
    analysis,
    api_keys,
    deadletters,
    posts,
    recipes,
    schedules,
    sessions,
)
from postwriter.cli.common import CommandGroup
from postwriter.errors import InvalidRequest, PostWriterError, SettingsError
from postwriter.models.job import ADAPTERS
from postwriter.observability.logging import configure_logging
from postwriter.settings import Settings

_MODULES: tuple[CommandGroup, ...] = (
    schedules,
    deadletters,
    sessions,
    sessions.Keys(),
    recipes,
    analysis,
    api_keys,
    posts,
)
_GROUPS: dict[str, CommandGroup] = {}


def _max_posts(raw: str) -> int:
    value = int(raw)
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError("must be between 1 and 1000")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postwriter",
        description="PostWriter: scrape posts with their engagement, learn what works.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("api", help="serve the HTTP and WebSocket API")

    consume = sub.add_parser("consume", help="run a consumer")
    consume.add_argument(
        "queue", choices=["scrape", "analysis", "webhooks"], help="which queue to consume"
    )

    submit = sub.add_parser("submit", help="publish a scrape request to RabbitMQ")
    submit.add_argument("url")
    submit.add_argument("--adapter", default="auto", choices=list(ADAPTERS))
    submit.add_argument("--max-posts", type=_max_posts, default=100, help="1 to 1000")
    submit.add_argument("--recipe-id", default=None, help="with --adapter recipe")

    extract = sub.add_parser("extract", help="print the posts of a saved page or a URL")
    extract.add_argument("source", metavar="PATH_OR_URL")
    extract.add_argument("--adapter", default="auto")
    extract.add_argument("--base-url", help="URL the saved page came from (resolves links)")
    extract.add_argument("--recipe", help="a recipe JSON file (with --adapter recipe)")

    demo = sub.add_parser("demo", help="scrape the demo timeline through the running stack")
    demo.add_argument("--api", default=None, help="API base URL (default: from settings)")
    demo.add_argument("--url", default=None, help="page to scrape (default: the fixture site)")
    demo.add_argument("--max-posts", type=int, default=100)

    for group in _MODULES:
        for name in group.register(sub):
            _GROUPS[name] = group
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"postwriter: invalid setting {exc.message}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format, service=f"postwriter-{args.command}")
    try:
        return _dispatch(args, settings)
    except PostWriterError as exc:
        print(f"postwriter: {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "api":
        from postwriter.api.app import run

        run(settings)
        return 0
    if args.command == "consume" and args.queue == "analysis":
        from consumers.analysis_events import main as analysis_main

        asyncio.run(analysis_main(settings))
        return 0
    if args.command == "consume" and args.queue == "webhooks":
        from consumers.job_events_webhooks import main as webhooks_main

        asyncio.run(webhooks_main(settings))
        return 0
    if args.command == "consume":
        from consumers.scrape_requests import main as consume_main

        asyncio.run(consume_main(settings))
        return 0
    if args.command == "submit":
        from producers.submit import submit

        if (args.adapter == "recipe") != (args.recipe_id is not None):
            raise InvalidRequest("--adapter recipe and --recipe-id go together", field="recipe_id")
        job_id = asyncio.run(
            submit(settings, args.url, args.adapter, args.max_posts, recipe_id=args.recipe_id)
        )
        print(json.dumps({"job_id": job_id, "status": "queued"}))
        return 0
    if args.command == "extract":
        return _extract(args, settings)
    if args.command in _GROUPS:
        return _GROUPS[args.command].run(args, settings)
    if args.command == "demo":
        from postwriter.demo import run_demo

        return asyncio.run(run_demo(settings, args.api, args.url, args.max_posts))
    raise AssertionError(args.command)


def _extract(args: argparse.Namespace, settings: Settings) -> int:
    from postwriter.extract.registry import extract_posts

    source: str = args.source
    fetched_at = datetime.now(UTC)
    if source.startswith(("http://", "https://")):
        from postwriter.browser.fetch import fetch_html

        html, url = asyncio.run(fetch_html(settings, source))
    else:
        path = Path(source)
        if not path.is_file():
            print(f"postwriter: no such file: {source}", file=sys.stderr)
            return 2
        html = path.read_text("utf-8", errors="replace")
        url = args.base_url or path.resolve().as_uri()
    recipe = recipes.load_recipe_file(args.recipe) if args.recipe else None
    _, posts = extract_posts(
        html, url=url, adapter=args.adapter, fetched_at=fetched_at, recipe=recipe
    )
    for post in posts:
        sys.stdout.write(json.dumps(post.to_json(), ensure_ascii=False) + "\n")
    return 0
