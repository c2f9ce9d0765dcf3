"""Selector recipes for platforms nobody wrote an adapter for, stored by name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from postwriter.errors import NotFound
from postwriter.extract.recipe import Recipe
from postwriter.storage.database import Database, Document


def _collection(db: Database) -> AsyncCollection[Document]:
    return db.db["recipes"]


async def save_recipe(db: Database, recipe: Recipe) -> tuple[Document, bool]:
    """Create or replace; returns the stored document and whether it is new."""
    now = datetime.now(UTC)
    doc = {**recipe.to_dict(), "updated_at": now}
    stored: Document | None = None
    for attempt in range(3):
        try:
            stored = await _collection(db).find_one_and_update(
                {"_id": recipe.name},
                {"$set": doc, "$setOnInsert": {"created_at": now}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            # Two saves of a new name raced to insert: the loser updates the winner's copy.
            if attempt == 2:
                raise
            continue
        break
    if stored is None:  # an upsert always returns a document; this keeps the types honest
        raise NotFound(f"no recipe {recipe.name}")
    # Inserted by this call: its creation and last update are the same instant.
    return stored, stored["created_at"] == stored["updated_at"]


async def load_recipe(db: Database, name: str) -> Recipe:
    doc = await _collection(db).find_one({"_id": name})
    if doc is None:
        raise NotFound(f"no recipe {name}", field="recipe_id")
    return Recipe.from_dict(public_recipe(doc, with_times=False))


async def list_recipes(db: Database) -> list[Document]:
    found = _collection(db).find({}).sort("_id", 1).limit(500)
    docs: list[Document] = await found.to_list()
    return docs


async def get_recipe(db: Database, name: str) -> Document:
    doc: Document | None = await _collection(db).find_one({"_id": name})
    if doc is None:
        raise NotFound(f"no recipe {name}")
    return doc


async def delete_recipe(db: Database, name: str) -> bool:
    result = await _collection(db).delete_one({"_id": name})
    return bool(result.deleted_count)


def public_recipe(doc: Document, *, with_times: bool = True) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in ("_id", "created_at", "updated_at")}
    if with_times:
        for key in ("created_at", "updated_at"):
            if isinstance(doc.get(key), datetime):
                out[key] = doc[key].isoformat()
    return out
