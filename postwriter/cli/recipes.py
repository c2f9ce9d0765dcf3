"""`postwriter recipes ...`: selector recipes for platforms without an adapter."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from postwriter.cli.common import database, emit
from postwriter.errors import InvalidRequest, NotFound
from postwriter.extract.recipe import Recipe
from postwriter.settings import Settings
from postwriter.storage import recipes


def register(sub: Any) -> list[str]:
    parser = sub.add_parser("recipes", help="selector recipes for platforms without an adapter")
    cmd = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = cmd.add_parser("add", help="add or replace a recipe from a JSON file")
    add.add_argument("file")
    cmd.add_parser("list", help="list recipes")
    rm = cmd.add_parser("rm", help="delete a recipe")
    rm.add_argument("name")
    return ["recipes"]


def load_recipe_file(path: str) -> Recipe:
    file = Path(path)
    if not file.is_file():
        raise InvalidRequest(f"no such file: {path}", field="recipe")
    try:
        data = json.loads(file.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidRequest(f"{path} is not JSON: {exc}", field="recipe") from None
    return Recipe.from_dict(data)


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    recipe = load_recipe_file(args.file) if args.action == "add" else None
    async with database(settings) as db:
        if recipe is not None:
            doc, _ = await recipes.save_recipe(db, recipe)
            emit(recipes.public_recipe(doc))
        elif args.action == "list":
            for doc in await recipes.list_recipes(db):
                emit(recipes.public_recipe(doc))
        elif not await recipes.delete_recipe(db, args.name):
            raise NotFound(f"no recipe {args.name}")
    return 0
