"""Feeds and recipes through the whole path: API → RabbitMQ → Chromium → MongoDB."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from postwriter.settings import Settings
from tests.fixtures.site.expected import expected_feed, expected_forum
from tests.integration.stack import AUTH, api_running, consumer_running, submit, watch

pytestmark = pytest.mark.integration
RECIPE = Path(__file__).resolve().parents[1] / "fixtures/site/data/recipes/threadly.json"


@pytest.mark.parametrize("kind", ["rss", "atom"])
async def test_a_feed_is_read_from_the_bytes_the_server_sent(
    settings: Settings, fixture_site: str, kind: str
) -> None:
    async with api_running(settings) as stack, consumer_running(settings):
        job_id = await submit(stack.client, {"url": f"{fixture_site}/feeds/blog.{kind}"})
        assert (await watch(stack.client, job_id))[-1]["type"] == "job.succeeded"
        stored = {d["external_id"]: d for d in await stack.db.posts.find({}).to_list()}
        expected = expected_feed(fixture_site, kind)
        assert sorted(stored) == sorted(p["external_id"] for p in expected)
        for want in expected:
            got = stored[want["external_id"]]
            assert got["platform"] == "rss"
            assert got["text"] == want["text"]
            assert got["url"] == want["url"]
            assert got["metrics"] == want["metrics"]


async def test_a_recipe_is_managed_by_the_api_and_reads_its_platform(
    settings: Settings, fixture_site: str
) -> None:
    recipe = json.loads(RECIPE.read_text("utf-8"))
    async with api_running(settings) as stack, consumer_running(settings):
        broken = json.loads(json.dumps(recipe))
        broken["fields"]["reactions"]["selector"] = "li[[oops"
        resp = await stack.client.post("/v1/recipes", json=broken, headers=AUTH)
        assert resp.status == 400
        error = (await resp.json())["error"]
        assert error["code"] == "invalid_request"
        assert error["details"]["field"] == "fields.reactions.selector"

        resp = await stack.client.post("/v1/recipes", json=recipe, headers=AUTH)
        assert resp.status == 201
        shown = await (await stack.client.get("/v1/recipes/threadly", headers=AUTH)).json()
        assert shown["item"] == recipe["item"]

        no_recipe = await stack.client.post(
            "/v1/jobs",
            json={"url": f"{fixture_site}/forum/marketing", "adapter": "recipe"},
            headers=AUTH,
        )
        assert no_recipe.status == 400
        body = {
            "url": f"{fixture_site}/forum/marketing",
            "adapter": "recipe",
            "recipe_id": "threadly",
        }
        job_id = await submit(stack.client, body)
        assert (await watch(stack.client, job_id))[-1]["type"] == "job.succeeded"
        stored = {d["external_id"]: d for d in await stack.db.posts.find({}).to_list()}
        expected = expected_forum(fixture_site, datetime.now(UTC))
        assert sorted(stored) == sorted(p["external_id"] for p in expected)
        for want in expected:
            got = stored[want["external_id"]]
            assert (got["platform"], got["text"], got["url"], got["metrics"]) == (
                want["platform"],
                want["text"],
                want["url"],
                want["metrics"],
            )

        missing = {**body, "recipe_id": "nosuch"}
        job_id = await submit(stack.client, missing)
        final = (await watch(stack.client, job_id))[-1]
        assert final["type"] == "job.failed"
        assert final["data"]["error"]["code"] == "not_found"
        assert (await stack.client.delete("/v1/recipes/threadly", headers=AUTH)).status == 204
