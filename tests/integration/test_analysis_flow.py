"""After a scrape, analysis runs as its own consumer and the API serves what it found."""

from __future__ import annotations

import pytest

from postwriter.settings import Settings
from tests.integration.stack import (
    AUTH,
    analysis_running,
    api_running,
    consumer_running,
    submit,
    watch_until,
)

pytestmark = pytest.mark.integration


async def test_the_demo_scrape_yields_topics_templates_and_three_checked_variations(
    settings: Settings, fixture_site: str
) -> None:
    async with (
        api_running(settings) as stack,
        consumer_running(settings),
        analysis_running(settings),
    ):
        resp = await stack.client.post("/v1/generate", json={"idea": "cold brew"}, headers=AUTH)
        assert resp.status == 409
        error = (await resp.json())["error"]
        assert error["code"] == "no_templates" and "scrape" in error["message"]

        job_id = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee"})
        events = await watch_until(stack.client, job_id, "analysis.done")
        assert events[-1]["type"] == "analysis.done", events[-1]
        page_id = events[-1]["data"]["pages"][0]["page_id"]
        assert page_id == "facebook:acmecoffee"

        analysed = await stack.db.posts.count_documents({"analysis.version": {"$exists": True}})
        assert analysed == 24
        resp = await stack.client.get(f"/v1/jobs/{job_id}/posts?limit=50", headers=AUTH)
        assert resp.status == 200
        posts = (await resp.json())["posts"]
        languages = [p["analysis"]["language"] for p in posts]
        assert set(languages) == {"en", "he"}  # the page has one Hebrew post
        assert languages.count("he") == 1
        analytics = await (
            await stack.client.get(f"/v1/pages/{page_id}/analytics", headers=AUTH)
        ).json()
        assert analytics["posts_analysed"] == 24 and analytics["voice"]

        topics = (
            await (await stack.client.get(f"/v1/pages/{page_id}/topics", headers=AUTH)).json()
        )["topics"]
        # 5 to 10 topics from 25 posts on; a 24-post page gets one per 5 posts.
        assert len(topics) == 4
        assert all(t["label"] and t["terms"] for t in topics)

        templates = (
            await (
                await stack.client.get("/v1/templates", params={"page_id": page_id}, headers=AUTH)
            ).json()
        )["templates"]
        assert templates
        scores = [t["score"] for t in templates if t["score"] is not None]
        assert scores == sorted(scores, reverse=True)
        one = templates[0]["template_id"]
        assert (await stack.client.get(f"/v1/templates/{one}", headers=AUTH)).status == 200
        unknown = "0" * 16  # well-formed (16 hex digits) but not stored
        assert (await stack.client.get(f"/v1/templates/{unknown}", headers=AUTH)).status == 404

        body = {"idea": "cold brew for summer mornings", "page_id": page_id, "vars": 3}
        resp = await stack.client.post("/v1/generate", json=body, headers=AUTH)
        assert resp.status == 200, await resp.text()
        result = await resp.json()
        assert len(result["drafts"]) == 3
        for draft in result["drafts"]:
            assert "cold brew" in draft["text"].lower()
            assert "{" not in draft["text"]  # every placeholder filled
            assert {c["name"] for c in draft["checks"]} >= {
                "length_limit",
                "hook_first_125",
                "restricted_words",
            }
        assert len({(d["hook_type"], d["cta_type"]) for d in result["drafts"]}) == 3
        assert result["preview"]

        # Analysing again changes nothing: same templates, no duplicates.
        before = sorted(t["template_id"] for t in templates)
        again = await submit(stack.client, {"url": f"{fixture_site}/acmecoffee"})
        await watch_until(stack.client, again, "analysis.done")
        after = await stack.db.templates.find({}, projection={"_id": True}).to_list()
        assert sorted(d["_id"] for d in after) == before
