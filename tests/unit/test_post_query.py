"""The post listing's query building and cursors (pure: no database)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from postwriter.analysis.classify import CTA_LABELS, HOOK_LABELS
from postwriter.api import openapi
from postwriter.errors import InvalidRequest
from postwriter.storage import post_query
from postwriter.storage.post_query import (
    SORTS,
    TONE_BANDS,
    Position,
    PostFilter,
    PostQuery,
    literal_pattern,
)

WHEN = datetime(2025, 3, 1, 8, 0, 0, 123000, tzinfo=UTC)


def _query(sort: str = "published_at", order: Any = "desc", **filters: Any) -> PostQuery:
    return PostQuery(PostFilter(**filters), SORTS[sort], order)


@pytest.mark.parametrize(
    "position",
    [
        Position(0, 1740816000123, "a" * 32),
        Position(1, None, "0" * 32),
    ],
)
def test_a_cursor_names_the_position_it_was_made_from(position: Position) -> None:
    query = _query()
    cursor = query.encode_cursor(position)
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", cursor)
    assert query.decode_cursor(cursor) == position


def test_number_positions_keep_floats_exactly() -> None:
    query = _query("engagement")
    position = Position(0, 0.1 + 0.2, "b" * 32)
    assert query.decode_cursor(query.encode_cursor(position)).value == 0.1 + 0.2


def test_a_date_position_is_exact_to_the_millisecond() -> None:
    query = _query()
    position = query.position_of({"_id": "x", "published_at": WHEN})
    assert position == Position(0, 1740816000123, "x")
    # What the next page compares against is the stored instant itself.
    condition = query.mongo_filter(0, position)["$and"][-1]["$or"][0]
    assert condition == {"published_at": {"$lt": WHEN}}


def test_a_naive_datetime_is_read_as_utc() -> None:
    naive = WHEN.replace(tzinfo=None)
    assert _query().position_of({"_id": "x", "published_at": naive}).value == 1740816000123


@pytest.mark.parametrize(
    ("sort", "doc", "phase"),
    [
        ("published_at", {"published_at": None}, 1),
        ("published_at", {}, 1),
        ("comments", {"metrics": {"comments": 0}}, 0),
        ("comments", {"metrics": {"comments": None}}, 1),
        ("comments", {"metrics": {"comments": True}}, 1),  # a bool is not a BSON number
        ("engagement", {"analysis": {"engagement": None}}, 1),
        ("engagement", {"analysis": {"engagement": {"normalised": 2.5}}}, 0),
        ("engagement", {"analysis": "odd"}, 1),
    ],
)
def test_posts_without_the_sort_value_go_to_the_second_phase(
    sort: str, doc: dict[str, Any], phase: int
) -> None:
    assert _query(sort).position_of({"_id": "x", **doc}).phase == phase


def test_a_cursor_only_works_for_the_query_that_made_it() -> None:
    cursor = _query().encode_cursor(Position(0, 5, "c" * 32))
    others = [
        _query("comments"),
        _query(order="asc"),
        _query(hook="question"),
        _query(platform="facebook", source="acme"),
        _query(since=WHEN),
        _query(text="coffee"),
    ]
    for other in others:
        with pytest.raises(InvalidRequest) as caught:
            other.decode_cursor(cursor)
        assert caught.value.field == "cursor"


def _forged(payload: list[Any], query: PostQuery) -> str:
    """A cursor whose payload was edited and re-encoded, keeping the old checksum."""
    good = query.encode_cursor(Position(0, 5, "d" * 32))
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{body}.{good.partition('.')[2]}"


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "abc",
        "abc.",
        ".abc",
        "é.é",
        "!!.!!",
        "a" * 600 + ".b",
        _forged([1, 0, 6, "d" * 32], _query()),
        _forged([1, 0, 5, "e" * 32], _query()),
    ],
)
def test_malformed_or_edited_cursors_are_invalid_requests(cursor: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        _query().decode_cursor(cursor)
    assert caught.value.field == "cursor"


def _signed(payload: list[Any], query: PostQuery) -> str:
    """A cursor with a valid checksum over a payload this module would never write."""
    raw = json.dumps(payload, separators=(",", ":")).encode()
    digest = hashlib.sha256(post_query._CURSOR_TAG + query._binding() + b"\x00" + raw).digest()[:12]
    b64 = post_query._b64
    return f"{b64(raw)}.{b64(digest)}"


@pytest.mark.parametrize(
    ("sort", "payload"),
    [
        ("published_at", [2, 0, 5, "x"]),  # unknown version
        ("published_at", [1, 2, 5, "x"]),  # unknown phase
        ("published_at", [1, 1, 5, "x"]),  # second phase with a value
        ("published_at", [1, 0, None, "x"]),  # first phase without one
        ("published_at", [1, 0, 1.5, "x"]),  # a date is whole milliseconds
        ("published_at", [1, 0, 10**20, "x"]),  # beyond year 9999
        ("comments", [1, 0, "5", "x"]),
        ("comments", [1, 0, True, "x"]),
        ("comments", [1, 0, 5, 7]),
        ("comments", [1, 0, 5]),
        ("comments", {"v": 1}),
    ],
)
def test_well_signed_but_impossible_cursors_are_refused(sort: str, payload: Any) -> None:
    query = _query(sort)
    with pytest.raises(InvalidRequest):
        query.decode_cursor(_signed(payload, query))


def test_nan_in_a_cursor_is_refused() -> None:
    query = _query("engagement")
    assert query.decode_cursor(_signed([1, 0, 0.5, "x"], query)).value == 0.5
    with pytest.raises(InvalidRequest):
        query.decode_cursor(_signed([1, 0, float("nan"), "x"], query))


def test_the_filter_becomes_one_condition_per_field() -> None:
    since, until = WHEN, WHEN + timedelta(days=1)
    conditions = PostFilter(
        platform="facebook",
        source="acme",
        since=since,
        until=until,
        hook="question",
        cta="shop",
        topic=2,
        tone="casual",
        min_engagement=1.5,
        marketing=False,
        language="he",
        text="a.b",
        job_id="job-aaaaaaaa",
    ).conditions()
    assert conditions == [
        {"platform": "facebook"},
        {"source": "acme"},
        {"published_at": {"$gte": since, "$lt": until}},
        {"analysis.hooks.label": "question"},
        {"analysis.cta.label": "shop"},
        {"analysis.topic_id": 2},
        {"analysis.tone.formality": {"$lt": 0.4}},
        {"analysis.engagement.normalised": {"$gte": 1.5}},
        {"analysis.is_marketing.value": False},
        {"analysis.language": "he"},
        {"text": {"$regex": "a\\.b", "$options": "i"}},
        {"job_ids": "job-aaaaaaaa"},
    ]
    assert PostFilter().conditions() == []


def test_phase_queries_and_sorts() -> None:
    query = _query("comments", "asc", platform="facebook")
    after = Position(0, 3, "f" * 32)
    assert query.mongo_filter(0, after) == {
        "$and": [
            {"platform": "facebook"},
            {"metrics.comments": {"$type": "number"}},
            {
                "$or": [
                    {"metrics.comments": {"$gt": 3}},
                    {"metrics.comments": 3, "_id": {"$gt": "f" * 32}},
                ]
            },
        ]
    }
    assert query.mongo_filter(1, Position(1, None, "a")) == {
        "$and": [
            {"platform": "facebook"},
            {"metrics.comments": {"$not": {"$type": "number"}}},
            {"_id": {"$gt": "a"}},
        ]
    }
    assert query.mongo_sort(0) == [("metrics.comments", 1), ("_id", 1)]
    assert _query("comments", "desc").mongo_sort(1) == [("_id", -1)]


@pytest.mark.parametrize(
    "text",
    ["a.b", "(USD) $5 [x]*?", "a|b^c{2}+", "back\\slash", "שלום עולם", "50% - off #1 / a&b ~"],
)
def test_literal_patterns_match_only_the_literal_text(text: str) -> None:
    pattern = re.compile(literal_pattern(text))
    assert pattern.search(f"before {text} after")
    assert pattern.fullmatch(text)
    # Every escaped character is a metacharacter: RE2 accepts them escaped.
    escaped = re.findall(r"\\(.)", literal_pattern(text))
    assert set(escaped) <= set("\\.^$|?*+()[]{}")


def test_tone_bands_cover_the_scale_without_overlap() -> None:
    def band(value: float) -> list[str]:
        hits = []
        for name, bounds in TONE_BANDS.items():
            ok = all(
                {"$gt": value > b, "$gte": value >= b, "$lt": value < b, "$lte": value <= b}[op]
                for op, b in bounds.items()
            )
            if ok:
                hits.append(name)
        return hits

    for step in range(101):
        assert len(band(step / 100)) == 1, step / 100
    assert band(0.0) == ["casual"] and band(0.5) == ["neutral"] and band(1.0) == ["formal"]


def _enum(operation: str, name: str) -> list[Any]:
    op = next(o for o in openapi.operations().values() if o.operation_id == operation)
    return list(op.query_params[name].schema["enum"])


@pytest.mark.parametrize("operation", ["listPosts", "exportPosts"])
def test_the_documented_choices_are_the_ones_the_code_knows(operation: str) -> None:
    assert _enum(operation, "hook") == list(HOOK_LABELS)
    assert _enum(operation, "cta") == list(CTA_LABELS)
    assert _enum(operation, "sort") == list(SORTS)
    assert _enum(operation, "tone") == list(TONE_BANDS)
