"""The `schedules` collection: recurring scrapes, validated at the edge, with CRUD.

A schedule's `next_run_at` is the UTC instant of its next tick; the scheduler fires every
enabled schedule whose `next_run_at` has passed (see `postwriter.schedules.runner`).
A disabled schedule has `next_run_at = None`, so no query and no claim can match it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from postwriter.errors import InvalidRequest, NotFound
from postwriter.schedules import cron
from postwriter.security.egress import EgressPolicy
from postwriter.storage.database import Database, Document

COLLECTION = "schedules"
ADAPTERS = ("auto", "facebook", "article", "feed", "recipe")
MAX_POSTS_RANGE = (1, 1000)
DEFAULT_MAX_POSTS = 100
MAX_NAME_CHARS = 200
MAX_URL_CHARS = 2048
LIST_LIMIT_MAX = 500
# Fields a client may set; everything else is the scheduler's.
EDITABLE = (
    "name",
    "url",
    "adapter",
    "max_posts",
    "cron",
    "timezone",
    "enabled",
    "session_id",
    "recipe_id",
    "block_resources",
)
_RECIPE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")  # as in scrape.request.v1.json


def collection(db: Database) -> AsyncCollection[Document]:
    return db.db[COLLECTION]


def _now() -> datetime:
    return datetime.now(UTC)


async def ensure_indexes(db: Database) -> None:
    """Idempotent; kinds both MongoDB 7 and FerretDB 1.24 support (FerretDB scans anyway)."""
    await collection(db).create_index(
        [("enabled", ASCENDING), ("next_run_at", ASCENDING)], name="due"
    )
    await collection(db).create_index([("created_at", DESCENDING)], name="newest_first")


def new_schedule_id() -> str:
    return uuid.uuid4().hex


# -- validation ---------------------------------------------------------------------------


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest("name must be a non-empty string", field="name")
    name = value.strip()
    if len(name) > MAX_NAME_CHARS:
        raise InvalidRequest(f"name is longer than {MAX_NAME_CHARS} characters", field="name")
    return name


def _url(value: Any, policy: EgressPolicy) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest("url must be a non-empty string", field="url")
    url = value.strip()
    if len(url) > MAX_URL_CHARS:
        raise InvalidRequest(f"url is longer than {MAX_URL_CHARS} characters", field="url")
    policy.check_static(url)  # BlockedDestination(field="url")
    return url


def _adapter(value: Any) -> str:
    if value not in ADAPTERS:
        raise InvalidRequest(f"adapter must be one of {', '.join(ADAPTERS)}", field="adapter")
    return str(value)


def _max_posts(value: Any) -> int:
    low, high = MAX_POSTS_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidRequest(
            f"max_posts must be a whole number from {low} to {high}", field="max_posts"
        )
    return value


def _timezone(value: Any) -> str:
    if value is None or value == "":
        return cron.DEFAULT_TIMEZONE
    if not isinstance(value, str):
        raise InvalidRequest("timezone must be a string", field="timezone")
    cron.zone(value)
    return value


def _enabled(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidRequest("enabled must be true or false", field="enabled")
    return value


def _session_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _SESSION_ID.match(value):
        raise InvalidRequest("session_id must be 8-64 of A-Z a-z 0-9 _ -", field="session_id")
    return value


def _recipe_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _RECIPE_ID.match(value):
        raise InvalidRequest("recipe_id must be 1-64 of A-Z a-z 0-9 . _ -", field="recipe_id")
    return value


def _block_resources(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidRequest("block_resources must be true or false", field="block_resources")
    return value


def _check_recipe(adapter: str, recipe_id: str | None) -> None:
    if (adapter == "recipe") != (recipe_id is not None):
        raise InvalidRequest("adapter 'recipe' and recipe_id go together", field="recipe_id")


def check_id(schedule_id: str) -> str:
    if not isinstance(schedule_id, str) or not _ID.match(schedule_id):
        raise NotFound(f"no schedule {schedule_id!r}")
    return schedule_id


# -- CRUD ---------------------------------------------------------------------------------


async def create_schedule(
    db: Database,
    policy: EgressPolicy,
    *,
    name: str,
    url: str,
    cron_expr: str,
    timezone: str | None = None,
    adapter: str = "auto",
    max_posts: int = DEFAULT_MAX_POSTS,
    enabled: bool = True,
    session_id: str | None = None,
    recipe_id: str | None = None,
    block_resources: bool = True,
    schedule_id: str | None = None,
    now: datetime | None = None,
) -> Document:
    """Validate and insert a schedule; its first tick is the first one after `now`."""
    _check_recipe(_adapter(adapter), _recipe_id(recipe_id))
    now = now or _now()
    tz = _timezone(timezone)
    expr = cron.validate(cron_expr)
    is_enabled = _enabled(enabled)
    doc: Document = {
        "_id": check_id(schedule_id) if schedule_id is not None else new_schedule_id(),
        "name": _name(name),
        "url": _url(url, policy),
        "adapter": _adapter(adapter),
        "max_posts": _max_posts(max_posts),
        "cron": expr,
        "timezone": tz,
        "enabled": is_enabled,
        "next_run_at": cron.next_after(expr, tz, now) if is_enabled else None,
        "last_run_at": None,
        "last_job_id": None,
        "session_id": _session_id(session_id),
        "recipe_id": _recipe_id(recipe_id),
        "block_resources": _block_resources(block_resources),
        "created_at": now,
        "updated_at": now,
    }
    await collection(db).insert_one(doc)
    return doc


async def create_schedule_from(
    db: Database, policy: EgressPolicy, fields: Mapping[str, Any], *, now: datetime | None = None
) -> Document:
    """Create from an API body or CLI options: `name`, `url`, `cron` required; the other
    fields of `EDITABLE` optional; anything else is refused."""
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise InvalidRequest(f"unknown field: {unknown[0]}", field=unknown[0])
    for required in ("name", "url", "cron"):
        if required not in fields:
            raise InvalidRequest(f"{required} is required", field=required)
    return await create_schedule(
        db,
        policy,
        name=fields["name"],
        url=fields["url"],
        cron_expr=fields["cron"],
        timezone=fields.get("timezone"),
        adapter=fields.get("adapter", "auto"),
        max_posts=fields.get("max_posts", DEFAULT_MAX_POSTS),
        enabled=fields.get("enabled", True),
        session_id=fields.get("session_id"),
        recipe_id=fields.get("recipe_id"),
        block_resources=fields.get("block_resources", True),
        now=now,
    )


async def get_schedule(db: Database, schedule_id: str) -> Document | None:
    return await collection(db).find_one({"_id": schedule_id})


async def require_schedule(db: Database, schedule_id: str) -> Document:
    doc = await get_schedule(db, check_id(schedule_id))
    if doc is None:
        raise NotFound(f"no schedule {schedule_id}")
    return doc


async def list_schedules(
    db: Database, *, enabled: bool | None = None, limit: int = 100
) -> list[Document]:
    """Newest first."""
    query: dict[str, Any] = {} if enabled is None else {"enabled": enabled}
    limit = max(1, min(limit, LIST_LIMIT_MAX))
    found = collection(db).find(query).sort("created_at", DESCENDING).limit(limit)
    return await found.to_list()


async def update_schedule(
    db: Database,
    policy: EgressPolicy,
    schedule_id: str,
    changes: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> Document:
    """Apply a partial update (fields in `EDITABLE`); a new cron, time zone or enabling
    recomputes `next_run_at` from now (no catch-up for the time it was off)."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidRequest(f"unknown or read-only field: {unknown[0]}", field=unknown[0])
    current = await require_schedule(db, schedule_id)
    now = now or _now()
    update: dict[str, Any] = {}
    if "name" in changes:
        update["name"] = _name(changes["name"])
    if "url" in changes:
        update["url"] = _url(changes["url"], policy)
    if "adapter" in changes:
        update["adapter"] = _adapter(changes["adapter"])
    if "max_posts" in changes:
        update["max_posts"] = _max_posts(changes["max_posts"])
    if "session_id" in changes:
        update["session_id"] = _session_id(changes["session_id"])
    if "recipe_id" in changes:
        update["recipe_id"] = _recipe_id(changes["recipe_id"])
    if "block_resources" in changes:
        update["block_resources"] = _block_resources(changes["block_resources"])
    if "adapter" in update or "recipe_id" in update:
        adapter = str(update.get("adapter", current["adapter"]))
        _check_recipe(adapter, update.get("recipe_id", current.get("recipe_id")))
    tz = _timezone(changes["timezone"]) if "timezone" in changes else current["timezone"]
    expr = cron.validate(changes["cron"]) if "cron" in changes else current["cron"]
    enabled = _enabled(changes["enabled"]) if "enabled" in changes else current["enabled"]
    timing_changed = (tz, expr, enabled) != (
        current["timezone"],
        current["cron"],
        current["enabled"],
    )
    if timing_changed:
        update.update(
            timezone=tz,
            cron=expr,
            enabled=enabled,
            next_run_at=cron.next_after(expr, tz, now) if enabled else None,
        )
    if not update:
        return current
    update["updated_at"] = now
    stored = await collection(db).find_one_and_update(
        {"_id": current["_id"]}, {"$set": update}, return_document=ReturnDocument.AFTER
    )
    if stored is None:
        raise NotFound(f"no schedule {schedule_id}")
    return stored


async def set_enabled(
    db: Database, schedule_id: str, enabled: bool, *, now: datetime | None = None
) -> Document:
    """Enable (next tick after now: ticks missed while disabled are not run) or disable."""
    current = await require_schedule(db, schedule_id)
    if current["enabled"] is enabled:
        return current
    now = now or _now()
    next_run_at = cron.next_after(current["cron"], current["timezone"], now) if enabled else None
    stored = await collection(db).find_one_and_update(
        {"_id": current["_id"]},
        {"$set": {"enabled": enabled, "next_run_at": next_run_at, "updated_at": now}},
        return_document=ReturnDocument.AFTER,
    )
    if stored is None:
        raise NotFound(f"no schedule {schedule_id}")
    return stored


async def enable_schedule(
    db: Database, schedule_id: str, *, now: datetime | None = None
) -> Document:
    return await set_enabled(db, schedule_id, True, now=now)


async def disable_schedule(
    db: Database, schedule_id: str, *, now: datetime | None = None
) -> Document:
    return await set_enabled(db, schedule_id, False, now=now)


async def delete_schedule(db: Database, schedule_id: str) -> bool:
    """True when it existed. Jobs it already created are kept."""
    result = await collection(db).delete_one({"_id": check_id(schedule_id)})
    return result.deleted_count == 1


async def jobs_of_schedule(db: Database, schedule_id: str, limit: int = 20) -> list[Document]:
    """The jobs a schedule created, newest tick first (`storage.jobs.public_job` shows one)."""
    limit = max(1, min(limit, LIST_LIMIT_MAX))
    found = db.jobs.find({"schedule_id": schedule_id}).sort("scheduled_for", DESCENDING)
    return await found.limit(limit).to_list()


def public_schedule(doc: Document) -> dict[str, Any]:
    """The schedule as the API and CLI show it: ISO times, `schedule_id` for `_id`."""

    def iso(value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime) else value

    return {
        "schedule_id": doc["_id"],
        "name": doc["name"],
        "url": doc["url"],
        "adapter": doc["adapter"],
        "max_posts": doc["max_posts"],
        "cron": doc["cron"],
        "timezone": doc["timezone"],
        "enabled": doc["enabled"],
        "session_id": doc.get("session_id"),
        "recipe_id": doc.get("recipe_id"),
        "block_resources": doc.get("block_resources", True),
        "next_run_at": iso(doc.get("next_run_at")),
        "last_run_at": iso(doc.get("last_run_at")),
        "last_job_id": doc.get("last_job_id"),
        "created_at": iso(doc.get("created_at")),
        "updated_at": iso(doc.get("updated_at")),
    }
