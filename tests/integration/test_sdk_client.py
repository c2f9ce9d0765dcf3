"""The SDK against the real stack over real HTTP: API (TestServer port), consumer, services."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from postwriter.sdk import (
    AsyncClient,
    BadRequest,
    Client,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
)
from postwriter.settings import Settings
from tests.conftest import TEST_API_KEY
from tests.integration.stack import Stack, api_running, consumer_running

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "fixtures" / "site" / "data" / "recipes" / "threadly.json"
VAULT_KEY = "k1:" + "A" * 43  # 32 bytes, base64url without padding


def base_url(stack: Stack) -> str:
    return str(stack.client.make_url("")).rstrip("/")


@asynccontextmanager
async def sdk(stack: Stack, key: str = TEST_API_KEY) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(base_url(stack), key, timeout=30) as client:
        yield client


async def test_scrape_watch_and_read_back_through_the_sdk(
    settings: Settings, fixture_site: str
) -> None:
    async with api_running(settings) as stack, consumer_running(settings), sdk(stack) as client:
        accepted = await client.create_job(f"{fixture_site}/acmecoffee", max_posts=50)
        assert accepted.status == "queued" and accepted.idempotency_key

        events = [e async for e in client.watch(accepted.job_id, timeout=120)]
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert events[0].type == "job.queued"
        assert events[-1].type == "job.succeeded" and events[-1].is_final

        job = await client.get_job(accepted.job_id)
        assert job.is_final and job.status == "succeeded"
        found = job.counts["posts_found"]
        assert found == 24

        # Same key, same body: the same job, not a second one.
        again = await client.create_job(
            f"{fixture_site}/acmecoffee", max_posts=50, idempotency_key=accepted.idempotency_key
        )
        assert again.job_id == accepted.job_id and again.status == "succeeded"
        with pytest.raises(Conflict) as reused:
            await client.create_job(
                f"{fixture_site}/acmecoffee", idempotency_key=accepted.idempotency_key
            )
        assert reused.value.code == "idempotency_conflict"

        posts = [p async for p in client.iter_job_posts(job.job_id, page_size=10)]
        assert len({p.id for p in posts}) == found
        one = await client.get_post(posts[0].id)
        assert one.id == posts[0].id and one.platform == "facebook"
        history = await client.get_post_history(one.id)
        assert history.post_id == one.id and history.snapshots[0]["job_id"] == job.job_id

        listed = await client.list_jobs(limit=5, status="succeeded")
        assert job.job_id in {j.job_id for j in listed}
        logged = await client.list_job_events(job.job_id, after_seq=0)
        assert [e.seq for e in logged] == [e.seq for e in events]

        # Resuming from a seq gives the rest of the log, nothing before it.
        tail = [e.seq async for e in client.watch(job.job_id, after_seq=2, timeout=60)]
        assert tail == [e.seq for e in events][2:]

        by_job = await client.list_posts(job_id=job.job_id, sort="published_at", limit=200)
        assert len(by_job) == found and by_job.next_cursor is None
        records = [r async for r in client.export_post_records(job_id=job.job_id)]
        assert {r["id"] for r in records} == {p.id for p in posts}
        csv = b"".join([c async for c in client.export_posts(format="csv", job_id=job.job_id)])
        assert csv.decode("utf-8").count("\n") >= found + 1

        with pytest.raises(Conflict) as final:
            await client.cancel_job(job.job_id)
        assert final.value.code == "job_already_final"


async def test_errors_come_back_typed(settings: Settings) -> None:
    async with api_running(settings) as stack, sdk(stack) as client:
        with pytest.raises(NotFound) as missing:
            await client.get_job("nosuchjob123")
        assert missing.value.code == "not_found" and missing.value.status == 404
        with pytest.raises(BadRequest) as bad:
            await client.create_job("ftp://example.com/feed")
        assert bad.value.field == "url"
        with pytest.raises(BadRequest) as blocked:
            await client.create_job("http://169.254.169.254/latest/meta-data")
        assert blocked.value.code == "blocked_destination"
        with pytest.raises(NotFound):
            [e async for e in client.watch("nosuchjob123", timeout=30)]
    async with api_running(settings) as stack, sdk(stack, "pw_wrong_key") as client:
        with pytest.raises(Unauthorized):
            await client.list_jobs()


async def test_keys_roles_and_the_audit_log(settings: Settings) -> None:
    async with api_running(settings) as stack, sdk(stack) as admin:
        made = await admin.create_api_key("dashboard reader", "viewer")
        assert made.key and made.role == "viewer"
        async with sdk(stack, made.key) as viewer:
            assert isinstance((await viewer.list_jobs()).items, list)
            with pytest.raises(Forbidden) as forbidden:
                await viewer.create_job("https://example.com/page")
            assert forbidden.value.code == "forbidden"
            assert (await admin.get_api_key(made.key_id)).name == "dashboard reader"
            assert made.key_id in {k.key_id for k in await admin.list_api_keys()}
            await admin.revoke_api_key(made.key_id)
            with pytest.raises(Unauthorized):
                await viewer.list_jobs()
            with pytest.raises(NotFound):
                await admin.get_api_key(made.key_id)
        audit = await admin.list_audit_events(limit=50)
        assert {"key.created", "key.revoked"} <= {e.event for e in audit}


async def test_schedules_recipes_sessions_and_dead_letters(settings: Settings) -> None:
    vault = replace(settings, keys=VAULT_KEY)
    async with api_running(vault) as stack, sdk(stack) as client:
        schedule = await client.create_schedule(
            "acme daily", "https://www.facebook.com/acmecoffee", "0 9 * * *", max_posts=20
        )
        assert schedule.enabled and schedule.next_run_at is not None
        changed = await client.update_schedule(schedule.schedule_id, name="acme mornings")
        assert changed.name == "acme mornings"
        assert not (await client.disable_schedule(schedule.schedule_id)).enabled
        assert (await client.enable_schedule(schedule.schedule_id)).enabled
        assert [s.schedule_id for s in await client.list_schedules()] == [schedule.schedule_id]
        assert len(await client.list_schedule_jobs(schedule.schedule_id)) == 0
        await client.delete_schedule(schedule.schedule_id)
        with pytest.raises(NotFound):
            await client.get_schedule(schedule.schedule_id)

        recipe = json.loads(RECIPE.read_text("utf-8"))
        saved = await client.create_recipe(recipe)
        assert saved.name == "threadly" and saved.item == recipe["item"]
        put = await client.put_recipe("threadly", {**recipe, "description": "boards"})
        assert put.description == "boards"
        assert (await client.get_recipe("threadly")).definition()["fields"] == recipe["fields"]
        assert [r.name for r in await client.list_recipes()] == ["threadly"]
        await client.delete_recipe("threadly")

        cookies = (ROOT / "fixtures" / "cookies" / "storage_state.json").read_text("utf-8")
        session = await client.import_session("facebook", "Acme team", cookies)
        assert session.status == "active" and session.cookie_count
        assert "value" not in json.dumps(session.raw)
        assert (await client.get_session(session.session_id)).name == "Acme team"
        assert [s.session_id for s in await client.list_sessions()] == [session.session_id]
        await client.delete_session(session.session_id)
        with pytest.raises(NotFound):
            await client.get_session(session.session_id)

        letters = await client.list_dead_letters(limit=10)
        assert len(letters) == 0 and letters.raw["archived_now"] == 0
        with pytest.raises(NotFound):
            await client.get_dead_letter("0" * 32)
        with pytest.raises(NotFound):
            await client.replay_dead_letter("0" * 32, force=True)


async def test_the_sync_client_on_the_real_stack(settings: Settings, fixture_site: str) -> None:
    async with api_running(settings) as stack, consumer_running(settings):
        url = base_url(stack)

        def blocking() -> tuple[list[str], str | None, int]:
            with Client(url, TEST_API_KEY) as client:
                job = client.create_job(f"{fixture_site}/acmecoffee", max_posts=5)
                kinds = [e.type for e in client.watch(job.job_id, timeout=120)]
                done = client.get_job(job.job_id)
                return kinds, done.status, len(list(client.iter_job_posts(job.job_id)))

        # The stack runs on this loop: the blocking client must run in another thread.
        kinds, status, posts = await asyncio.to_thread(blocking)
    assert kinds[0] == "job.queued" and kinds[-1] == "job.succeeded"
    assert status == "succeeded" and posts == 5


async def test_webhooks_through_the_sdk(settings: Settings, fixture_site: str) -> None:
    vault = replace(settings, keys=VAULT_KEY)
    receiver = f"{fixture_site}/webhook-receiver"  # the egress policy allows the fixture site
    async with api_running(vault) as stack, sdk(stack) as client:
        hook = await client.create_webhook(
            receiver, ["job.succeeded"], sources=[fixture_site + "/"], description="crm"
        )
        assert hook.secret and hook.events == ["job.succeeded"]
        assert hook.sources == [fixture_site + "/"]
        shown = await client.get_webhook(hook.webhook_id)
        assert shown.secret is None and shown.description == "crm"
        changed = await client.update_webhook(hook.webhook_id, events=["job.failed"])
        assert changed.events == ["job.failed"]
        rotated = await client.rotate_webhook_secret(hook.webhook_id, keep_previous_s=0)
        assert rotated.secret and rotated.secret != hook.secret
        ping = await client.ping_webhook(hook.webhook_id)
        assert ping.event_type == "webhook.ping" and ping.status == "pending"
        deliveries = await client.list_webhook_deliveries(hook.webhook_id, limit=5)
        assert [d.delivery_id for d in deliveries] == [ping.delivery_id]
        assert [w.webhook_id for w in await client.list_webhooks()] == [hook.webhook_id]
        await client.delete_webhook(hook.webhook_id)
        with pytest.raises(NotFound):
            await client.get_webhook(hook.webhook_id)
        with pytest.raises(BadRequest) as blocked:
            await client.create_webhook("http://10.0.0.1/hook", ["job.failed"])
        assert blocked.value.code == "blocked_destination"
