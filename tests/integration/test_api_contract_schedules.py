"""The schedule routes answer what the OpenAPI document says, and refuse what it forbids."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from postwriter.schedules.runner import Scheduler
from postwriter.settings import Settings
from tests.contract import assert_error, documented
from tests.integration.stack import AUTH, api_running

pytestmark = pytest.mark.integration

ONE = "/v1/schedules/{schedule_id}"
JSON = {**AUTH, "Content-Type": "application/json"}


class FixedClock:
    def __init__(self, now: Any) -> None:
        self.now = now

    def __call__(self) -> Any:
        return self.now


async def test_every_schedule_route_answers_its_documented_shape(
    settings: Settings, fixture_site: str
) -> None:
    async with api_running(settings) as stack:
        client = stack.client
        body = {"name": "  acme hourly ", "url": f"{fixture_site}/acmecoffee", "cron": "@Hourly"}
        created = await documented(
            await client.post("/v1/schedules", json=body, headers=AUTH),
            "POST",
            "/v1/schedules",
            201,
        )
        sid = created["schedule_id"]
        assert (created["name"], created["cron"], created["timezone"]) == (
            "acme hourly",
            "@hourly",
            "UTC",
        )
        assert created["adapter"] == "auto" and created["max_posts"] == 100 and created["enabled"]
        second = {**body, "name": "paused", "enabled": False, "timezone": "Europe/Paris"}
        paused = await documented(
            await client.post("/v1/schedules", json=second, headers=AUTH),
            "POST",
            "/v1/schedules",
            201,
        )
        assert paused["next_run_at"] is None

        listed = await documented(
            await client.get("/v1/schedules", headers=AUTH), "GET", "/v1/schedules", 200
        )
        assert [s["schedule_id"] for s in listed["schedules"]] == [paused["schedule_id"], sid]
        resp = await client.get(
            "/v1/schedules", params={"enabled": "false", "limit": "1"}, headers=AUTH
        )
        only = await documented(resp, "GET", "/v1/schedules", 200)
        assert [s["schedule_id"] for s in only["schedules"]] == [paused["schedule_id"]]

        shown = await documented(
            await client.get(f"/v1/schedules/{sid}", headers=AUTH), "GET", ONE, 200
        )
        # Stored times keep milliseconds only: compare the rest.
        times = ("created_at", "updated_at", "next_run_at")
        assert {k: v for k, v in shown.items() if k not in times} == {
            k: v for k, v in created.items() if k not in times
        }
        changes = {"max_posts": 7, "timezone": None, "session_id": None, "block_resources": False}
        updated = await documented(
            await client.patch(f"/v1/schedules/{sid}", json=changes, headers=AUTH),
            "PATCH",
            ONE,
            200,
        )
        assert (updated["max_posts"], updated["block_resources"]) == (7, False)
        same = await documented(
            await client.patch(f"/v1/schedules/{sid}", json={}, headers=AUTH), "PATCH", ONE, 200
        )
        assert same == updated

        path = "/v1/schedules/{schedule_id}/disable"
        off = await documented(
            await client.post(f"/v1/schedules/{sid}/disable", headers=AUTH), "POST", path, 200
        )
        assert off["enabled"] is False and off["next_run_at"] is None
        path = "/v1/schedules/{schedule_id}/enable"
        on = await documented(
            await client.post(f"/v1/schedules/{sid}/enable", headers=AUTH), "POST", path, 200
        )
        assert on["enabled"] is True and on["next_run_at"]

        # One tick of the real scheduler, on a clock just past the next run.
        stored = await stack.db.db["schedules"].find_one({"_id": sid})
        assert stored is not None
        clock = FixedClock(stored["next_run_at"] + timedelta(seconds=1))
        scheduler = Scheduler(settings, stack.db, stack.broker, clock=clock)
        await scheduler.ensure_indexes()
        assert len((await scheduler.tick()).fired) == 1
        path = "/v1/schedules/{schedule_id}/jobs"
        resp = await client.get(f"/v1/schedules/{sid}/jobs", params={"limit": "5"}, headers=AUTH)
        jobs = (await documented(resp, "GET", path, 200))["jobs"]
        assert len(jobs) == 1 and jobs[0]["schedule_id"] == sid and jobs[0]["max_posts"] == 7
        shown = await documented(
            await client.get(f"/v1/schedules/{sid}", headers=AUTH), "GET", ONE, 200
        )
        assert shown["last_job_id"] == jobs[0]["job_id"] and shown["last_run_at"]

        assert (
            await documented(
                await client.delete(f"/v1/schedules/{sid}", headers=AUTH), "DELETE", ONE, 204
            )
            is None
        )
        resp = await client.delete(f"/v1/schedules/{sid}", headers=AUTH)
        assert_error(await documented(resp, "DELETE", ONE, 404), "not_found")
        # The jobs it created are kept.
        assert await stack.db.jobs.count_documents({"schedule_id": sid}) == 1


async def test_bad_schedule_input_is_refused_with_the_stable_error(
    settings: Settings, fixture_site: str
) -> None:
    url = f"{fixture_site}/acmecoffee"
    good = {"name": "acme", "url": url, "cron": "0 9 * * *"}
    async with api_running(settings) as stack:
        client = stack.client
        for body, field in (
            ({"url": url, "cron": "@daily"}, "name"),
            ({**good, "owner": "me"}, None),
            ({**good, "next_run_at": "2030-01-01T00:00:00Z"}, None),
            ({**good, "name": "   "}, "name"),
            ({**good, "name": "x" * 201}, "name"),
            ({**good, "max_posts": 0}, "max_posts"),
            ({**good, "max_posts": 10**30}, "max_posts"),
            ({**good, "max_posts": "5"}, "max_posts"),
            ({**good, "enabled": "yes"}, "enabled"),
            ({**good, "adapter": "magic"}, "adapter"),
            ({**good, "session_id": "short"}, "session_id"),
            ({**good, "recipe_id": "../x"}, "recipe_id"),
            # What only the store knows: cron, time zone, pairing, destinations.
            ({**good, "cron": "* * * * *"}, "cron"),
            ({**good, "cron": "61 * * * *"}, "cron"),
            ({**good, "timezone": "Mars/Olympus"}, "timezone"),
            ({**good, "adapter": "recipe"}, "recipe_id"),
            ({**good, "url": "ftp://example.com/feed"}, "url"),
        ):
            resp = await client.post("/v1/schedules", json=body, headers=AUTH)
            status = 400
            error = await documented(resp, "POST", "/v1/schedules", status)
            assert error["error"]["code"] in ("invalid_request", "blocked_destination"), (
                body,
                error,
            )
            if field is not None:
                assert error["error"].get("details", {}).get("field") == field, (body, error)
        resp = await client.post("/v1/schedules", data=b"[]", headers=JSON)
        assert_error(await documented(resp, "POST", "/v1/schedules", 400), "invalid_request")
        resp = await client.post("/v1/schedules", data=b"{", headers=JSON)
        assert_error(await documented(resp, "POST", "/v1/schedules", 400), "invalid_request")
        resp = await client.post("/v1/schedules", headers=AUTH)
        assert_error(await documented(resp, "POST", "/v1/schedules", 400), "invalid_request")
        # An unpaired surrogate (legal JSON, unstorable text) is refused, not a server error.
        raw = b'{"name": "a\\udc80b", "url": "%s", "cron": "@daily"}' % url.encode()
        resp = await client.post("/v1/schedules", data=raw, headers=JSON)
        assert_error(
            await documented(resp, "POST", "/v1/schedules", 400), "invalid_request", field="name"
        )

        created = await documented(
            await client.post("/v1/schedules", json=good, headers=AUTH),
            "POST",
            "/v1/schedules",
            201,
        )
        sid = created["schedule_id"]
        patches: list[tuple[dict[str, Any], str | None]] = [
            ({"schedule_id": "abcdefgh12"}, None),
            ({"last_run_at": None}, None),
            ({"cron": 5}, "cron"),
            ({"timezone": "x" * 65}, "timezone"),
        ]
        for changes, field in patches:
            resp = await client.patch(f"/v1/schedules/{sid}", json=changes, headers=AUTH)
            assert_error(await documented(resp, "PATCH", ONE, 400), "invalid_request", field=field)

        for params, field in (
            ({"enabled": "yes"}, "enabled"),
            ({"limit": "0"}, "limit"),
            ({"limit": "501"}, "limit"),
            ({"limit": "1e3"}, "limit"),
            ({"offset": "1"}, "offset"),
        ):
            resp = await client.get("/v1/schedules", params=params, headers=AUTH)
            assert_error(
                await documented(resp, "GET", "/v1/schedules", 400), "invalid_request", field=field
            )
        resp = await client.get(f"/v1/schedules/{sid}/jobs", params={"limit": "201"}, headers=AUTH)
        path = "/v1/schedules/{schedule_id}/jobs"
        assert_error(await documented(resp, "GET", path, 400), "invalid_request", field="limit")

        resp = await client.get("/v1/schedules/nosuchschedule", headers=AUTH)
        assert_error(await documented(resp, "GET", ONE, 404), "not_found")
        resp = await client.post("/v1/schedules/nosuchschedule/enable", headers=AUTH)
        assert_error(await documented(resp, "POST", ONE + "/enable", 404), "not_found")
        for odd in ("short", "a.b.c.d.e.f", "%E2%98%95" * 4, "x" * 65, "abcdefgh%00"):
            resp = await client.get(f"/v1/schedules/{odd}", headers=AUTH)
            assert_error(
                await documented(resp, "GET", ONE, 400), "invalid_request", field="schedule_id"
            )
