"""The marketing commands: classify, topics, tpl list/show, idea, adgen, preview."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from postwriter.cli.common import database, emit
from postwriter.errors import NotFound
from postwriter.services import ideas
from postwriter.settings import Settings

COMMANDS = ("classify", "topics", "tpl", "idea", "adgen", "preview")


def register(sub: Any) -> list[str]:
    sub.add_parser("classify", help="JSON lines {id, text} on stdin → labels and tone on stdout")
    topics = sub.add_parser("topics", help="a page's topics (after analysis)")
    topics.add_argument("page_id", help="platform:source, e.g. facebook:acmecoffee")
    tpl = sub.add_parser("tpl", help="templates mined from the best posts")
    tpl_cmd = tpl.add_subparsers(dest="action", required=True, metavar="ACTION")
    tpl_list = tpl_cmd.add_parser("list", help="templates, best first")
    tpl_list.add_argument("--page", dest="page_id", default=None)
    tpl_list.add_argument("--limit", type=int, default=20)
    tpl_show = tpl_cmd.add_parser("show", help="one template")
    tpl_show.add_argument("template_id")
    for name, text in (
        ("idea", "rank templates for an idea"),
        ("adgen", "write post/ad variations for an idea"),
        ("preview", "show idea → template → text and why"),
    ):
        cmd = sub.add_parser(name, help=text)
        if name == "idea":
            cmd.add_argument("idea")
        else:
            cmd.add_argument("--idea", required=True)
            cmd.add_argument("--vars", type=int, default=3, choices=range(1, 11), metavar="1..10")
            cmd.add_argument("--link", default=None)
        cmd.add_argument("--page", dest="page_id", default=None, help="platform:source")
        cmd.add_argument("--language", choices=["en", "he"], default=None)
    return list(COMMANDS)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "classify":
        from postwriter.analysis.classify_cli import run_classify

        status: int = run_classify(sys.stdin, sys.stdout)
        return status
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    async with database(settings) as db:
        if args.command == "topics":
            page = await db.pages.find_one({"_id": args.page_id})
            if page is None:
                raise NotFound(f"no analysed page {args.page_id}")
            for topic in page.get("topics") or []:
                emit(topic)
        elif args.command == "tpl" and args.action == "list":
            query: dict[str, Any] = {}
            if args.page_id:
                platform, _, source = args.page_id.partition(":")
                query = {"platform": platform, "source": source}
            found = db.templates.find(query, projection={"_id": False})
            for doc in await found.sort("score", -1).limit(max(1, args.limit)).to_list():
                emit(doc)
        elif args.command == "tpl":
            template = await db.templates.find_one({"_id": args.template_id}, {"_id": False})
            if template is None:
                raise NotFound(f"no template {args.template_id}")
            emit(template)
        elif args.command == "idea":
            ranked = await ideas.rank(
                db, args.idea, page_id=args.page_id, language=args.language, limit=5
            )
            for item in ranked:
                emit(ideas.ranked_json(item))
        else:
            result = await ideas.generate(
                db,
                args.idea,
                page_id=args.page_id,
                language=args.language,
                n=args.vars,
                link=args.link,
            )
            if args.command == "preview":
                sys.stdout.write(result.preview + "\n")
            else:
                for draft in result.drafts:
                    emit(draft.to_json())
    return 0
