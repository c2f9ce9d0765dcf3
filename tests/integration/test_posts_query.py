"""GET /v1/posts and /v1/posts/export on the real MongoDB-wire server (FerretDB here).

Posts are stored with the storage functions the scrape consumer uses, then given analysis
fields in the shape the analysis consumer writes; expectations are computed in Python from
the stored documents.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from postwriter.cli import posts as cli_posts
from postwriter.errors import InvalidRequest
from postwriter.models.post import Metrics, Post
from postwriter.services.analysis import analyse_post
from postwriter.settings import Settings
from postwriter.storage.database import Database, Document
from postwriter.storage.post_export import CSV_COLUMNS
from postwriter.storage.post_query import (
    SORTS,
    PostFilter,
    PostQuery,
    ensure_post_query_indexes,
    iterate_posts,
)
from postwriter.storage.posts import upsert_posts
from tests.integration.stack import AUTH, Stack, api_running

pytestmark = pytest.mark.integration

BASE = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
JOB_A, JOB_B = "job-aaaaaaaa", "job-bbbbbbbb"
HOOKS = ("question", "number", "urgency", "benefit", "story")
CTAS = ("shop", "learn_more", "comment")
SPECIAL_TEXTS = {
    1: "=SUM(A1:A2) buy now",
    2: '-5 reasons, "quoted", with a comma\nand a new line',
    5: "@acme +1 Hello WORLD",
    6: "שלום עולם, מבצע היום",
    9: "Price (USD) is $5.00 [sale]*? really",
    11: "+972 call us",
    13: "\ttabbed start",
}
COUNT = 30


def _post(i: int) -> Post:
    return Post(
        platform="facebook",
        source="acme" if i < 20 else "beta",
        external_id=f"p{i:03d}",
        url=f"https://www.facebook.com/acme/posts/p{i:03d}",
        text=SPECIAL_TEXTS.get(i, f"Post number {i} about coffee and cake"),
        # Every seventh post is undated; the rest an hour apart.
        published_at=None if i % 7 == 3 else BASE + timedelta(hours=i),
        metrics=Metrics(
            reactions=None if i % 5 == 0 else (i * 37) % 50,
            comments=None if i % 6 == 1 else i % 4,  # many ties
            shares=(i * 3) % 7,
            views=i * 100 if i % 3 == 0 else None,
        ),
    )


def _analysis(i: int, doc: Document) -> Document | None:
    """Fields as the analysis consumer stores them, with chosen labels and scores."""
    if i % 8 == 7:
        return None  # not analysed yet
    features = analyse_post(doc)
    features["hooks"] = [{"label": HOOKS[i % len(HOOKS)], "confidence": 0.8}]
    if i % 4 == 0:
        features["hooks"].append({"label": "curiosity", "confidence": 0.6})
    features["cta"] = [{"label": CTAS[i % len(CTAS)], "confidence": 0.7}] if i % 2 else []
    features["language"] = "he" if i == 6 else "en"
    features["is_marketing"] = {"value": i % 2 == 0, "confidence": 0.9}
    features["tone"] = {**(features["tone"] or {}), "formality": (i % 10) / 10}
    if i % 9 == 4:
        features["engagement"] = None
    else:
        normalised = ((i * 13) % 20) / 4  # ties too
        features["engagement"] = {
            "external_id": doc["external_id"],
            "interactions": (i * 11) % 40,
            "rate": None,
            "normalised": normalised,
            "outlier": normalised >= 3,
        }
    features["topic_id"] = i % 3 if i < 20 else None
    return features


async def _seed(db: Database) -> list[Document]:
    await ensure_post_query_indexes(db)
    posts = [_post(i) for i in range(COUNT)]
    await upsert_posts(db, posts[:15], JOB_A)
    await upsert_posts(db, posts[10:], JOB_B)  # 10-14 seen by both jobs
    for i, post in enumerate(posts):
        doc = await db.posts.find_one({"external_id": post.external_id})
        assert doc is not None
        analysis = _analysis(i, doc)
        if analysis is not None:
            await db.posts.update_one({"_id": doc["_id"]}, {"$set": {"analysis": analysis}})
    return await db.posts.find({}).to_list()


@pytest.fixture
async def seeded(settings: Settings) -> AsyncIterator[tuple[Stack, list[Document]]]:
    async with api_running(settings) as stack:
        docs = await _seed(stack.db)
        yield stack, docs


def _dotted(doc: Any, path: str) -> Any:
    for part in path.split("."):
        doc = doc.get(part) if isinstance(doc, dict) else None
    return doc


def expected_order(docs: list[Document], sort: str, order: str) -> list[str]:
    """Posts with the value by (value, id), then those without by id; both reversed for desc."""
    key = SORTS[sort]
    kind = datetime if key.kind == "date" else (int, float)
    valued = [
        (v, d["_id"])
        for d in docs
        if isinstance(v := _dotted(d, key.field), kind) and not isinstance(v, bool)
    ]
    unvalued = [d["_id"] for d in docs if d["_id"] not in {i for _, i in valued}]
    desc = order == "desc"
    return [i for _, i in sorted(valued, reverse=desc)] + sorted(unvalued, reverse=desc)


async def read_all(
    stack: Stack, params: dict[str, str], limit: int = 7
) -> tuple[list[str], list[dict[str, Any]]]:
    """Every page of a listing: the ids in order, and the posts."""
    posts: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(COUNT + 2):
        query = {**params, "limit": str(limit)} | ({"cursor": cursor} if cursor else {})
        resp = await stack.client.get("/v1/posts", params=query, headers=AUTH)
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        assert len(body["posts"]) <= limit
        posts += body["posts"]
        cursor = body["next_cursor"]
        if cursor is None:
            return [p["id"] for p in posts], posts
        assert len(body["posts"]) == limit, "a page before the last is full"
    raise AssertionError("the cursor never ran out")


async def test_every_sort_in_both_orders_pages_through_each_post_once(
    seeded: tuple[Stack, list[Document]],
) -> None:
    stack, docs = seeded
    for sort in SORTS:
        for order in ("asc", "desc"):
            ids, _ = await read_all(stack, {"sort": sort, "order": order})
            assert ids == expected_order(docs, sort, order), (sort, order)
    # The default: newest first.
    ids, _ = await read_all(stack, {}, limit=200)
    assert ids == expected_order(docs, "published_at", "desc")


def _has_label(field: str, label: str) -> Callable[[Document], bool]:
    return lambda d: label in [e["label"] for e in _dotted(d, f"analysis.{field}") or []]


def _number_at(path: str, test: Callable[[float], bool]) -> Callable[[Document], bool]:
    def check(d: Document) -> bool:
        value = _dotted(d, path)
        return isinstance(value, int | float) and test(value)

    return check


def _published(test: Callable[[datetime], bool]) -> Callable[[Document], bool]:
    return lambda d: d.get("published_at") is not None and test(d["published_at"])


SINCE, UNTIL = BASE + timedelta(hours=5), BASE + timedelta(hours=18)
FILTERS: list[tuple[dict[str, str], Callable[[Document], bool]]] = [
    ({"page_id": "facebook:beta"}, lambda d: d["source"] == "beta"),
    ({"page_id": "facebook:nobody"}, lambda d: False),
    ({"since": SINCE.isoformat()}, _published(lambda p: p >= SINCE)),
    ({"until": UNTIL.isoformat()}, _published(lambda p: p < UNTIL)),
    (
        {"since": SINCE.isoformat(), "until": UNTIL.astimezone().isoformat()},
        _published(lambda p: SINCE <= p < UNTIL),
    ),
    ({"hook": "question"}, _has_label("hooks", "question")),
    ({"hook": "curiosity"}, _has_label("hooks", "curiosity")),
    ({"cta": "shop"}, _has_label("cta", "shop")),
    (
        {"topic": "1", "page_id": "facebook:acme"},
        lambda d: _dotted(d, "analysis.topic_id") == 1 and d["source"] == "acme",
    ),
    ({"tone": "formal"}, _number_at("analysis.tone.formality", lambda f: f > 0.6)),
    ({"tone": "neutral"}, _number_at("analysis.tone.formality", lambda f: 0.4 <= f <= 0.6)),
    ({"tone": "casual"}, _number_at("analysis.tone.formality", lambda f: f < 0.4)),
    ({"min_engagement": "2.5"}, _number_at("analysis.engagement.normalised", lambda n: n >= 2.5)),
    ({"min_engagement": "0"}, _number_at("analysis.engagement.normalised", lambda n: n >= 0)),
    ({"marketing": "true"}, lambda d: _dotted(d, "analysis.is_marketing.value") is True),
    ({"marketing": "false"}, lambda d: _dotted(d, "analysis.is_marketing.value") is False),
    ({"language": "he"}, lambda d: _dotted(d, "analysis.language") == "he"),
    ({"q": "hello world"}, lambda d: "hello world" in d["text"].lower()),
    ({"q": "(USD) is $5.00 [sale]*?"}, lambda d: "(USD) is $5.00 [sale]*?" in d["text"]),
    ({"q": "עולם"}, lambda d: "עולם" in d["text"]),
    ({"q": "COFFEE"}, lambda d: "coffee" in d["text"]),
    ({"job_id": JOB_A}, lambda d: JOB_A in d["job_ids"]),
    ({"job_id": JOB_B}, lambda d: JOB_B in d["job_ids"]),
    (
        {"page_id": "facebook:acme", "hook": "question", "marketing": "true", "job_id": JOB_A},
        lambda d: (
            d["source"] == "acme"
            and _has_label("hooks", "question")(d)
            and _dotted(d, "analysis.is_marketing.value") is True
            and JOB_A in d["job_ids"]
        ),
    ),
]


async def test_every_filter_selects_exactly_the_matching_posts(
    seeded: tuple[Stack, list[Document]],
) -> None:
    stack, docs = seeded
    for params, matches in FILTERS:
        chosen = [d for d in docs if matches(d)]
        for sort, order in (("published_at", "desc"), ("engagement", "asc")):
            ids, _ = await read_all(stack, {**params, "sort": sort, "order": order}, limit=4)
            assert ids == expected_order(chosen, sort, order), (params, sort)
    # The seed is varied enough that the filters above are not vacuous.
    assert any(_has_label("hooks", "question")(d) for d in docs)
    assert sum(1 for d in docs if JOB_A in d["job_ids"] and JOB_B in d["job_ids"]) > 0


async def test_posts_come_in_the_documented_shape(seeded: tuple[Stack, list[Document]]) -> None:
    stack, docs = seeded
    _, posts = await read_all(stack, {}, limit=50)
    by_id = {d["_id"]: d for d in docs}
    for post in posts:
        stored = by_id[post["id"]]
        assert "job_ids" not in post and "_id" not in post and "first_job_id" not in post
        assert post["external_id"] == stored["external_id"]
        assert post["metrics"]["comments"] == stored["metrics"]["comments"]
        if stored["published_at"] is not None:
            assert datetime.fromisoformat(post["published_at"]) == stored["published_at"]
    analysed = [p for p in posts if "analysis" in p]
    assert analysed and all("hooks" in p["analysis"] for p in analysed)
    one = await stack.client.get(f"/v1/posts/{posts[0]['id']}", headers=AUTH)
    assert one.status == 200
    assert await one.json() == posts[0]


async def test_paging_is_stable_when_posts_arrive_between_pages(
    seeded: tuple[Stack, list[Document]],
) -> None:
    stack, docs = seeded
    params = {"sort": "comments", "order": "desc", "limit": "6"}
    first = await stack.client.get("/v1/posts", params=params, headers=AUTH)
    body = await first.json()
    seen = [p["id"] for p in body["posts"]]
    # New posts land before, inside and after the part already read.
    late = [
        Post(
            platform="facebook",
            source="acme",
            external_id=f"late{n}",
            url=f"https://www.facebook.com/acme/posts/late{n}",
            text="arrived while a client was paging",
            metrics=Metrics(comments=comments),
        )
        for n, comments in enumerate((99, 3, 2, 0, None))
    ]
    await upsert_posts(stack.db, late, "job-cccccccc")
    cursor = body["next_cursor"]
    while cursor:
        resp = await stack.client.get(
            "/v1/posts", params={**params, "cursor": cursor}, headers=AUTH
        )
        assert resp.status == 200
        page = await resp.json()
        seen += [p["id"] for p in page["posts"]]
        cursor = page["next_cursor"]
    original = [i for i in seen if i in {d["_id"] for d in docs}]
    assert original == expected_order(docs, "comments", "desc")
    assert len(seen) == len(set(seen))


async def test_bad_cursors_are_refused_with_400(seeded: tuple[Stack, list[Document]]) -> None:
    stack, _ = seeded
    resp = await stack.client.get("/v1/posts", params={"limit": "3"}, headers=AUTH)
    cursor = (await resp.json())["next_cursor"]
    assert isinstance(cursor, str)
    body, _, check = cursor.partition(".")
    # The first character: a change in the last one may only touch base64 padding bits.
    flipped = ("A" if body[0] != "A" else "B") + body[1:]
    bad = [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "!!!.???"}, "cursor"),
        ({"cursor": f"{flipped}.{check}"}, "cursor"),
        ({"cursor": cursor[:-2]}, "cursor"),
        ({"cursor": cursor, "sort": "comments"}, "cursor"),
        ({"cursor": cursor, "order": "asc"}, "cursor"),
        ({"cursor": cursor, "hook": "question"}, "cursor"),
        ({"cursor": "x" * 600}, "cursor"),
    ]
    for params, field in bad:
        resp = await stack.client.get("/v1/posts", params=params, headers=AUTH)
        assert resp.status == 400, params
        error = (await resp.json())["error"]
        assert error["code"] == "invalid_request"
        assert error["details"]["field"] == field, params
    # The same cursor with a different page size is fine.
    resp = await stack.client.get("/v1/posts", params={"cursor": cursor, "limit": 5}, headers=AUTH)
    assert resp.status == 200


BAD_QUERIES: list[tuple[str, str]] = [
    ("since=yesterday", "since"),
    ("since=2025-03-01T08:00:00", "since"),  # no offset
    ("since=0001-01-01T00:00:00%2B05:00", "since"),  # out of range once in UTC
    ("since=2025-03-02T00:00:00Z&until=2025-03-01T00:00:00Z", "until"),
    ("page_id=nocolon", "page_id"),
    ("topic=1", "topic"),
    ("topic=-1&page_id=facebook:acme", "topic"),
    ("topic=99999999999999999999999&page_id=facebook:acme", "topic"),
    ("min_engagement=nan", "min_engagement"),
    ("min_engagement=inf", "min_engagement"),
    ("min_engagement=lots", "min_engagement"),
    ("hook=clickbait", "hook"),
    ("cta=buy", "cta"),
    ("tone=angry", "tone"),
    ("marketing=maybe", "marketing"),
    ("language=fr", "language"),
    ("q=", "q"),
    ("q=a%00b", "q"),
    ("q=" + "x" * 101, "q"),
    ("job_id=../etc", "job_id"),
    ("sort=random", "sort"),
    ("order=up", "order"),
    ("limit=0", "limit"),
    ("limit=201", "limit"),
    ("colour=red", "colour"),
]


@pytest.mark.parametrize(("query", "field"), BAD_QUERIES)
async def test_bad_listing_queries_answer_400(settings: Settings, query: str, field: str) -> None:
    async with api_running(settings) as stack:
        for path in ("/v1/posts", "/v1/posts/export"):
            resp = await stack.client.get(f"{path}?{query}", headers=AUTH)
            assert resp.status == 400, (path, query, await resp.text())
            error = (await resp.json())["error"]
            assert error["code"] == "invalid_request"
            assert error["details"]["field"] == field


@pytest.mark.parametrize(
    ("query", "field"),
    [("format=xml", "format"), ("max_rows=0", "max_rows"), ("max_rows=100001", "max_rows")],
)
async def test_bad_export_queries_answer_400(settings: Settings, query: str, field: str) -> None:
    async with api_running(settings) as stack:
        resp = await stack.client.get(f"/v1/posts/export?{query}", headers=AUTH)
        assert resp.status == 400
        assert (await resp.json())["error"]["details"]["field"] == field


async def _export(stack: Stack, params: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    resp = await stack.client.get("/v1/posts/export", params=params, headers=AUTH)
    assert resp.status == 200, await resp.text()
    return await resp.read(), dict(resp.headers)


async def test_csv_export_has_a_header_flattened_rows_and_no_formulas(
    seeded: tuple[Stack, list[Document]],
) -> None:
    stack, docs = seeded
    raw, headers = await _export(stack, {"sort": "engagement", "order": "desc"})
    assert headers["Content-Type"].startswith("text/csv")
    disposition = headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="posts-') and disposition.endswith('.csv"')
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [r["id"] for r in records] == expected_order(docs, "engagement", "desc")
    by_external = {r["external_id"]: r for r in records}
    # Text that a spreadsheet would run as a formula is prefixed; the rest is verbatim.
    assert by_external["p001"]["text"] == "'=SUM(A1:A2) buy now"
    assert by_external["p002"]["text"] == "'" + SPECIAL_TEXTS[2]
    assert by_external["p005"]["text"] == "'@acme +1 Hello WORLD"
    assert by_external["p011"]["text"] == "'+972 call us"
    assert by_external["p013"]["text"] == "'\ttabbed start"
    assert by_external["p006"]["text"] == SPECIAL_TEXTS[6]
    assert by_external["p009"]["text"] == SPECIAL_TEXTS[9]
    # Flattened figures and analysis fields.
    stored = next(d for d in docs if d["external_id"] == "p004")
    row = by_external["p004"]
    assert row["page_id"] == "facebook:acme"
    assert row["reactions"] == str(stored["metrics"]["reactions"])
    assert row["comments"] == str(stored["metrics"]["comments"])
    assert row["views"] == ""  # not shown by the page
    assert row["hooks"] == "story;curiosity"
    assert row["ctas"] == ""
    assert row["is_marketing"] == "true"
    assert row["formality"] == "0.4"
    assert row["engagement"] == ""  # p004 has no score
    assert row["topic_id"] == "1"
    assert datetime.fromisoformat(row["published_at"]) == stored["published_at"]
    assert by_external["p007"]["language"] == ""  # never analysed


async def test_export_honours_filters_max_rows_and_bom(
    seeded: tuple[Stack, list[Document]],
) -> None:
    stack, docs = seeded
    raw, _ = await _export(stack, {"page_id": "facebook:beta", "max_rows": "4", "bom": "true"})
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    beta = [d for d in docs if d["source"] == "beta"]
    assert [r[0] for r in rows[1:]] == expected_order(beta, "published_at", "desc")[:4]
    empty, _ = await _export(stack, {"page_id": "facebook:nobody"})
    assert empty.decode("utf-8").splitlines() == [",".join(CSV_COLUMNS)]


async def test_jsonl_export_matches_the_listing(seeded: tuple[Stack, list[Document]]) -> None:
    stack, _ = seeded
    params = {"sort": "shares", "order": "asc", "hook": "question"}
    raw, headers = await _export(stack, {**params, "format": "jsonl"})
    assert headers["Content-Type"].startswith("application/x-ndjson")
    assert headers["Content-Disposition"].endswith('.jsonl"')
    lines = raw.decode("utf-8").split("\n")
    assert lines.pop() == ""
    _, listed = await read_all(stack, params, limit=200)
    assert [json.loads(line) for line in lines] == listed
    assert listed


async def test_iterate_posts_batches_everything_in_order_up_to_the_cap(
    seeded: tuple[Stack, list[Document]],
) -> None:
    stack, docs = seeded
    query = PostQuery(PostFilter(), SORTS["reactions"], "asc")
    batches = [b async for b in iterate_posts(stack.db, query, max_rows=1000, batch=4)]
    assert all(len(b) <= 4 for b in batches)
    assert [d["_id"] for b in batches for d in b] == expected_order(docs, "reactions", "asc")
    capped = [b async for b in iterate_posts(stack.db, query, max_rows=9, batch=4)]
    assert [len(b) for b in capped] == [4, 4, 1]


async def test_get_post_and_history_keep_working(seeded: tuple[Stack, list[Document]]) -> None:
    stack, docs = seeded
    post_id = docs[0]["_id"]
    history = await stack.client.get(f"/v1/posts/{quote(post_id)}/history", headers=AUTH)
    assert history.status == 200
    body = await history.json()
    assert body["post_id"] == post_id and body["snapshots"] == []
    assert body["velocity"] == {"reactions_per_hour": None, "recent_reactions_per_hour": None}
    missing = await stack.client.get("/v1/posts/nosuchpost", headers=AUTH)
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "not_found"


def _cli_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli_posts.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["posts", "export", *argv])


async def test_the_cli_export_writes_what_the_api_serves(
    seeded: tuple[Stack, list[Document]], settings: Settings, tmp_path: Path
) -> None:
    stack, _ = seeded
    for fmt in ("csv", "jsonl"):
        target = tmp_path / f"posts.{fmt}"
        args = _cli_args("--format", fmt, "--sort", "views", "--hook", "story", "-o", str(target))
        # In a thread: the command runs its own event loop, as it does in a shell.
        assert await asyncio.to_thread(cli_posts.run, args, settings) == 0
        served, _ = await _export(stack, {"format": fmt, "sort": "views", "hook": "story"})
        assert target.read_bytes() == served
        assert served.count(b"\n") > 1
    with pytest.raises(InvalidRequest):
        cli_posts.run(_cli_args("--topic", "1", "-o", str(tmp_path / "no.csv")), settings)
    assert not (tmp_path / "no.csv").exists()
