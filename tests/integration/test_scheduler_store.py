"""The `schedules` collection: validation at the edge, CRUD, enable and disable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from postwriter.errors import BlockedDestination, InvalidRequest, NotFound
from postwriter.schedules import store
from postwriter.security.egress import EgressPolicy
from postwriter.settings import Settings
from postwriter.storage.database import Database, open_database

pytestmark = pytest.mark.integration

URL = "https://www.example.com/acme"
T0 = datetime(2030, 1, 7, 9, 2, 30, tzinfo=UTC)
POLICY = EgressPolicy()


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    async with open_database(settings) as database:
        await store.ensure_indexes(database)
        yield database


async def create(db: Database, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"name": "acme", "url": URL, "cron_expr": "0 9 * * *"}
    values.update(fields)
    return await store.create_schedule(db, POLICY, now=T0, **values)


async def test_create_stores_every_field_and_the_first_tick(db: Database) -> None:
    doc = await create(
        db,
        name="  acme mornings ",
        cron_expr="0 9 * * *",
        timezone="Europe/Paris",
        adapter="facebook",
        max_posts=40,
        session_id="sess_0123456789",
    )
    stored = await store.get_schedule(db, doc["_id"])
    assert stored == doc
    shown = store.public_schedule(doc)
    assert shown == {
        "schedule_id": doc["_id"],
        "name": "acme mornings",
        "url": URL,
        "adapter": "facebook",
        "max_posts": 40,
        "cron": "0 9 * * *",
        "timezone": "Europe/Paris",
        "enabled": True,
        "session_id": "sess_0123456789",
        "recipe_id": None,
        "block_resources": True,
        "next_run_at": "2030-01-08T08:00:00+00:00",  # 09:00 in Paris (winter) is next day
        "last_run_at": None,
        "last_job_id": None,
        "created_at": T0.isoformat(),
        "updated_at": T0.isoformat(),
    }


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"name": "  "}, InvalidRequest, "name"),
        ({"name": "x" * 201}, InvalidRequest, "name"),
        ({"url": "ftp://example.com/"}, BlockedDestination, "url"),
        ({"url": "http://127.0.0.1/admin"}, BlockedDestination, "url"),
        ({"url": "http://169.254.169.254/latest"}, BlockedDestination, "url"),
        ({"url": "https://user:pw@example.com/"}, BlockedDestination, "url"),
        ({"url": "https://example.com/" + "a" * 2048}, InvalidRequest, "url"),
        ({"adapter": "twitter"}, InvalidRequest, "adapter"),
        ({"max_posts": 0}, InvalidRequest, "max_posts"),
        ({"max_posts": 1001}, InvalidRequest, "max_posts"),
        ({"max_posts": True}, InvalidRequest, "max_posts"),
        ({"max_posts": "10"}, InvalidRequest, "max_posts"),
        ({"cron_expr": "* * * * *"}, InvalidRequest, "cron"),
        ({"cron_expr": "0 9 * *"}, InvalidRequest, "cron"),
        ({"timezone": "Europe/Atlantis"}, InvalidRequest, "timezone"),
        ({"enabled": "yes"}, InvalidRequest, "enabled"),
        ({"session_id": "a b"}, InvalidRequest, "session_id"),
        ({"schedule_id": "../x"}, NotFound, None),
    ],
)
async def test_create_refuses_bad_fields(
    db: Database, fields: dict[str, Any], error: type[Exception], field: str | None
) -> None:
    with pytest.raises(error) as caught:
        await create(db, **fields)
    assert getattr(caught.value, "field", None) == field
    assert await db.db[store.COLLECTION].count_documents({}) == 0


async def test_update_recomputes_the_next_tick_only_when_timing_changes(db: Database) -> None:
    doc = await create(db)
    later = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)
    renamed = await store.update_schedule(
        db, POLICY, doc["_id"], {"name": "renamed", "max_posts": 7}, now=later
    )
    assert (renamed["name"], renamed["max_posts"]) == ("renamed", 7)
    assert renamed["next_run_at"] == doc["next_run_at"]
    assert renamed["updated_at"] == later

    moved = await store.update_schedule(
        db, POLICY, doc["_id"], {"cron": "@hourly", "timezone": "Asia/Kolkata"}, now=later
    )
    assert moved["cron"] == "@hourly"
    assert moved["next_run_at"] == datetime(2030, 1, 7, 12, 30, tzinfo=UTC)  # UTC+05:30

    with pytest.raises(InvalidRequest) as caught:
        await store.update_schedule(db, POLICY, doc["_id"], {"next_run_at": None})
    assert caught.value.field == "next_run_at"
    with pytest.raises(InvalidRequest):
        await store.update_schedule(db, POLICY, doc["_id"], {"cron": "*/2 * * * *"})
    with pytest.raises(NotFound):
        await store.update_schedule(db, POLICY, "0123456789abcdef", {"name": "x"})


async def test_enable_disable_list_delete(db: Database) -> None:
    first = await create(db, name="first")
    second = await create(db, name="second", enabled=False)
    assert {d["_id"] for d in await store.list_schedules(db)} == {first["_id"], second["_id"]}
    assert [d["_id"] for d in await store.list_schedules(db, enabled=False)] == [second["_id"]]

    off = await store.disable_schedule(db, first["_id"], now=T0)
    assert (off["enabled"], off["next_run_at"]) == (False, None)
    later = datetime(2030, 2, 1, 10, 0, tzinfo=UTC)
    on = await store.enable_schedule(db, first["_id"], now=later)
    assert on["enabled"] is True
    assert on["next_run_at"] == datetime(2030, 2, 2, 9, 0, tzinfo=UTC)
    assert await store.enable_schedule(db, first["_id"], now=T0) == on  # already on: unchanged

    assert await store.delete_schedule(db, first["_id"]) is True
    assert await store.delete_schedule(db, first["_id"]) is False
    with pytest.raises(NotFound):
        await store.enable_schedule(db, first["_id"])
    assert await store.get_schedule(db, first["_id"]) is None


async def test_create_from_an_api_body(db: Database) -> None:
    doc = await store.create_schedule_from(
        db, POLICY, {"name": "n", "url": URL, "cron": "@daily", "max_posts": 3}, now=T0
    )
    assert (doc["cron"], doc["timezone"], doc["adapter"], doc["max_posts"]) == (
        "@daily",
        "UTC",
        "auto",
        3,
    )
    assert doc["next_run_at"] == datetime(2030, 1, 8, 0, 0, tzinfo=UTC)
    with pytest.raises(InvalidRequest) as caught:
        await store.create_schedule_from(db, POLICY, {"name": "n", "url": URL})
    assert caught.value.field == "cron"
    with pytest.raises(InvalidRequest) as caught:
        await store.create_schedule_from(
            db, POLICY, {"name": "n", "url": URL, "cron": "@daily", "next_run_at": "x"}
        )
    assert caught.value.field == "next_run_at"
    assert await store.jobs_of_schedule(db, doc["_id"]) == []
