"""`postwriter posts export`: the posts a listing would show, as CSV or JSON lines.

The same filters, sort and output as `GET /v1/posts/export` (docs/posts.md), read straight
from the database: for exports larger than the API's cap, or where no API runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import IO, Any

from postwriter.analysis.classify import CTA_LABELS, HOOK_LABELS
from postwriter.cli.common import database
from postwriter.settings import Settings
from postwriter.storage.post_export import csv_chunk, jsonl_chunk
from postwriter.storage.post_query import SORTS, TONE_BANDS, PostQuery, iterate_posts

_BATCH = 500
# The API's query parameters that map one to one onto an option.
_PARAMS = (
    "page_id", "since", "until", "hook", "cta", "topic", "tone",
    "min_engagement", "language", "q", "job_id", "sort", "order",
)  # fmt: skip


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def register(sub: Any) -> list[str]:
    parser = sub.add_parser("posts", help="export stored posts")
    cmd = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = cmd.add_parser("export", help="posts as CSV or JSON lines (see docs/posts.md)")
    export.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    export.add_argument("--output", "-o", default="-", help="a file (default: stdout)")
    export.add_argument("--max-rows", type=_positive, default=100_000)
    export.add_argument("--bom", action="store_true", help="start a CSV with a UTF-8 BOM")
    export.add_argument("--page-id", help="platform:source")
    export.add_argument("--since", help="published at or after (ISO 8601 with offset)")
    export.add_argument("--until", help="published before (ISO 8601 with offset)")
    export.add_argument("--hook", choices=HOOK_LABELS)
    export.add_argument("--cta", choices=CTA_LABELS)
    export.add_argument("--topic", type=int, help="a topic id of --page-id")
    export.add_argument("--tone", choices=list(TONE_BANDS))
    export.add_argument("--min-engagement", type=float)
    export.add_argument(
        "--marketing", choices=["true", "false"], help="only marketing posts, or only others"
    )
    export.add_argument("--language", choices=["en", "he", "other", "und"])
    export.add_argument("--q", help="text contains this, ignoring case")
    export.add_argument("--job-id")
    export.add_argument("--sort", choices=list(SORTS), default="published_at")
    export.add_argument("--order", choices=["asc", "desc"], default="desc")
    return ["posts"]


def run(args: argparse.Namespace, settings: Settings) -> int:
    query = _query(args)  # before any file is created: a bad option leaves nothing behind
    if args.output == "-":
        return asyncio.run(_export(args, settings, query, sys.stdout.buffer))
    with open(args.output, "wb") as out:
        return asyncio.run(_export(args, settings, query, out))


def _query(args: argparse.Namespace) -> PostQuery:
    # The API's parsing and cross-field checks, so both answer the same way.
    from postwriter.api.posts import post_query

    params = {key: value for key in _PARAMS if (value := getattr(args, key)) is not None}
    if args.marketing is not None:
        params["marketing"] = args.marketing == "true"
    return post_query(params)


async def _export(
    args: argparse.Namespace, settings: Settings, query: PostQuery, out: IO[bytes]
) -> int:
    from postwriter.api.jobs import public_post

    wrote_header = False
    async with database(settings) as db:
        async for batch in iterate_posts(db, query, args.max_rows, _BATCH):
            if args.format == "csv":
                out.write(
                    csv_chunk(batch, header=not wrote_header, bom=args.bom and not wrote_header)
                )
                wrote_header = True
            else:
                out.write(jsonl_chunk(batch, public_post))
    if args.format == "csv" and not wrote_header:
        out.write(csv_chunk([], header=True, bom=args.bom))
    out.flush()
    return 0
