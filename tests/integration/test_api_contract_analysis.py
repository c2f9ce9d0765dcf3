"""The analysis routes answer what the OpenAPI document says, and refuse what it forbids.

A page is seeded the way the service builds one: corpus posts stored by `upsert_posts`,
then the real analyser (per-post features, then the page's topics and templates).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from postwriter.models.post import Metrics, Post
from postwriter.services.analysis import Analyzer
from postwriter.settings import Settings
from postwriter.storage.database import Database
from postwriter.storage.posts import upsert_posts
from tests.conftest import ROOT
from tests.contract import assert_error, documented
from tests.integration.stack import AUTH, api_running

pytestmark = pytest.mark.integration

CORPUS = ROOT / "tests" / "fixtures" / "corpus" / "posts.jsonl"
PAGE = "facebook:contractcafe"
# A page the scraper noted (followers, name) that analysis has not reached yet.
NOTED_PAGE = "facebook:notedonly"


async def seed_page(db: Database) -> None:
    rows = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line]
    rows = [r for r in rows if r["language"] == "en"][:40]
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    posts = [
        Post(
            platform="facebook",
            source="contractcafe",
            external_id=row["id"],
            url=f"https://www.facebook.com/contractcafe/posts/{row['id']}",
            text=row["text"],
            published_at=start + timedelta(hours=7 * i),
            metrics=Metrics(reactions=10 + (i * 37) % 200, comments=i % 9, shares=i % 5),
        )
        for i, row in enumerate(rows)
    ]
    await upsert_posts(db, posts, "contractjob01")
    analyzer = Analyzer(db)
    await analyzer.analyse_job_posts("contractjob01")
    report = await analyzer.refresh_page("facebook", "contractcafe")
    assert report.templates > 0 and report.topics > 0, report
    await db.pages.update_one(
        {"_id": NOTED_PAGE}, {"$set": {"followers": 12, "name": "Noted"}}, upsert=True
    )


async def test_before_any_analysis_the_routes_answer_documented_empties(
    settings: Settings,
) -> None:
    async with api_running(settings) as stack:
        get = stack.client.get
        body = await documented(await get("/v1/pages", headers=AUTH), "GET", "/v1/pages", 200)
        assert body == {"pages": []}
        resp = await get("/v1/templates", headers=AUTH)
        assert await documented(resp, "GET", "/v1/templates", 200) == {"templates": []}
        for path in ("/v1/ideas", "/v1/generate"):
            resp = await stack.client.post(path, json={"idea": "cold brew"}, headers=AUTH)
            assert_error(await documented(resp, "POST", path, 409), "no_templates")
        resp = await get(f"/v1/pages/{PAGE}/analytics", headers=AUTH)
        assert_error(
            await documented(resp, "GET", "/v1/pages/{page_id}/analytics", 404), "not_found"
        )


async def test_every_analysis_route_answers_its_documented_shape(settings: Settings) -> None:
    async with api_running(settings) as stack:
        await seed_page(stack.db)
        get, post = stack.client.get, stack.client.post

        pages = await documented(await get("/v1/pages", headers=AUTH), "GET", "/v1/pages", 200)
        by_id = {p["page_id"]: p for p in pages["pages"]}
        assert set(by_id) == {PAGE, NOTED_PAGE}
        assert by_id[PAGE]["posts_analysed"] == 40 and by_id[PAGE]["analysed_at"]
        noted = by_id[NOTED_PAGE]
        assert (noted["posts_analysed"], noted["analysed_at"], noted["name"]) == (0, None, "Noted")

        path = "/v1/pages/{page_id}/analytics"
        analytics = await documented(
            await get(f"/v1/pages/{PAGE}/analytics", headers=AUTH), "GET", path, 200
        )
        assert analytics["page_id"] == PAGE and analytics["topics"] and analytics["effects"]
        empty = await documented(
            await get(f"/v1/pages/{NOTED_PAGE}/analytics", headers=AUTH), "GET", path, 200
        )
        assert (empty["topics"], empty["effects"], empty["followers"]) == ([], {}, 12)

        path = "/v1/pages/{page_id}/topics"
        topics = await documented(
            await get(f"/v1/pages/{PAGE}/topics", headers=AUTH), "GET", path, 200
        )
        assert topics["topics"] == analytics["topics"]

        resp = await get("/v1/templates", params={"page_id": PAGE, "limit": "3"}, headers=AUTH)
        templates = (await documented(resp, "GET", "/v1/templates", 200))["templates"]
        assert len(templates) == 3 and {t["source"] for t in templates} == {"contractcafe"}
        resp = await get("/v1/templates", params={"page_id": "facebook:nosuch"}, headers=AUTH)
        assert (await documented(resp, "GET", "/v1/templates", 200))["templates"] == []
        one = templates[0]["template_id"]
        path = "/v1/templates/{template_id}"
        shown = await documented(await get(f"/v1/templates/{one}", headers=AUTH), "GET", path, 200)
        assert shown == templates[0]

        body: dict[str, Any] = {"idea": "cold brew for summer mornings", "page_id": PAGE}
        ranked = await documented(
            await post("/v1/ideas", json={**body, "limit": 2}, headers=AUTH),
            "POST",
            "/v1/ideas",
            200,
        )
        assert len(ranked["ranked"]) == 2 and ranked["idea"] == body["idea"]
        generate = {**body, "vars": 2, "language": "en", "link": "https://shop.example/cold"}
        result = await documented(
            await post("/v1/generate", json=generate, headers=AUTH), "POST", "/v1/generate", 200
        )
        assert len(result["drafts"]) == 2 and result["preview"]


async def test_bad_query_path_and_body_input_is_refused_with_the_stable_error(
    settings: Settings,
) -> None:
    async with api_running(settings) as stack:
        await seed_page(stack.db)
        get, post = stack.client.get, stack.client.post

        for params, field in (
            ({"limit": "abc"}, "limit"),
            ({"limit": "0"}, "limit"),
            ({"limit": "201"}, "limit"),
            ({"limit": "9" * 40}, "limit"),
            ({"page_id": "nocolon"}, "page_id"),
            ({"page_id": ""}, "page_id"),
            ({"sort": "score"}, "sort"),
        ):
            resp = await get("/v1/templates", params=params, headers=AUTH)
            assert_error(
                await documented(resp, "GET", "/v1/templates", 400), "invalid_request", field=field
            )
        resp = await get("/v1/pages", params={"limit": "5"}, headers=AUTH)
        assert_error(
            await documented(resp, "GET", "/v1/pages", 400), "invalid_request", field="limit"
        )

        path = "/v1/templates/{template_id}"
        resp = await get("/v1/templates/0000000000000000", headers=AUTH)
        assert_error(await documented(resp, "GET", path, 404), "not_found")
        for malformed in ("nosuch", "0000000000000000.json", "ABCDEF0123456789"):
            resp = await get(f"/v1/templates/{malformed}", headers=AUTH)
            assert_error(
                await documented(resp, "GET", path, 400), "invalid_request", field="template_id"
            )

        path = "/v1/pages/{page_id}/analytics"
        resp = await get("/v1/pages/facebook:nosuch/analytics", headers=AUTH)
        assert_error(await documented(resp, "GET", path, 404), "not_found")
        for odd in (
            "nocolon",
            "facebook:",
            ":acme",
            "Facebook:acme",
            "facebook:a%00b",
            "x" * 40 + ":a",
        ):
            resp = await get(f"/v1/pages/{odd}/analytics", headers=AUTH)
            assert_error(
                await documented(resp, "GET", path, 400), "invalid_request", field="page_id"
            )
        # Well-formed but odd: unicode, dots and percent-encoded bytes reach the database.
        for odd in ("facebook:☕café", "facebook:a.b.c", "facebook:%ED%A0%80", "rss:%F0%9F"):
            resp = await get(f"/v1/pages/{odd}/topics", headers=AUTH)
            assert resp.status in (400, 404), await resp.text()
            assert_error(
                await resp.json(), "not_found" if resp.status == 404 else "invalid_request"
            )

        for path in ("/v1/ideas", "/v1/generate"):
            for idea_body, idea_field in (
                ({}, "idea"),
                ({"idea": "cold brew", "extra": 1}, None),
                ({"idea": 5}, "idea"),
                ({"idea": "x"}, "idea"),
                ({"idea": "cold brew", "page_id": "nocolon"}, "page_id"),
                ({"idea": "cold brew", "language": "fr"}, "language"),
            ):
                resp = await post(path, json=idea_body, headers=AUTH)
                error = await documented(resp, "POST", path, 400)
                assert_error(error, "invalid_request", field=idea_field)
            # Whitespace passes the schema; the idea parser refuses it (field still named).
            resp = await post(path, json={"idea": "   "}, headers=AUTH)
            assert_error(await documented(resp, "POST", path, 400), "invalid_request", field="idea")
            resp = await post(
                path, data=b"[1]", headers={**AUTH, "Content-Type": "application/json"}
            )
            assert_error(await documented(resp, "POST", path, 400), "invalid_request")
            resp = await post(path, data=b"idea=x", headers={**AUTH, "Content-Type": "text/plain"})
            assert_error(await documented(resp, "POST", path, 415), "unsupported_media_type")
        # Each operation takes its own fields only.
        resp = await post("/v1/ideas", json={"idea": "cold brew", "vars": 2}, headers=AUTH)
        assert_error(await documented(resp, "POST", "/v1/ideas", 400), "invalid_request")
        resp = await post("/v1/generate", json={"idea": "cold brew", "limit": 2}, headers=AUTH)
        assert_error(await documented(resp, "POST", "/v1/generate", 400), "invalid_request")
        body = {"idea": "cold brew", "limit": 21}
        resp = await post("/v1/ideas", json=body, headers=AUTH)
        assert_error(
            await documented(resp, "POST", "/v1/ideas", 400), "invalid_request", field="limit"
        )
        body = {"idea": "cold brew", "link": "javascript:alert(1)"}
        resp = await post("/v1/generate", json=body, headers=AUTH)
        assert_error(
            await documented(resp, "POST", "/v1/generate", 400), "invalid_request", field="link"
        )
        # An unpaired surrogate in the idea: a 4xx or an answer, never a server error.
        raw = b'{"idea": "cold \\ud800 brew", "page_id": "facebook:contractcafe"}'
        resp = await post(
            "/v1/ideas", data=raw, headers={**AUTH, "Content-Type": "application/json"}
        )
        assert resp.status < 500, await resp.text()
