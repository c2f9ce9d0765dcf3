"""CSV and JSON-lines rendering of stored posts (pure)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from postwriter.storage.post_export import CSV_COLUMNS, csv_cell, csv_chunk, jsonl_chunk

WHEN = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+972 50", "'+972 50"),
        ("-5 reasons", "'-5 reasons"),
        ("@acme", "'@acme"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain = text", "plain = text"),
        ("", ""),
        (None, ""),
        (True, "true"),
        (False, "false"),
        (-12.5, "-12.5"),  # a number stays a number: a spreadsheet reads it as one
        (0.1, "0.1"),
        (42, "42"),
        (WHEN, "2025-03-01T08:00:00+00:00"),
    ],
)
def test_cells_are_safe_to_open_in_a_spreadsheet(value: Any, cell: str) -> None:
    assert csv_cell(value) == cell


def _doc(**extra: Any) -> dict[str, Any]:
    return {
        "_id": "a" * 32,
        "platform": "facebook",
        "source": "acme",
        "external_id": "p1",
        "url": "https://www.facebook.com/acme/posts/p1",
        "author": {"name": "Acme", "url": None},
        "published_at": WHEN,
        "text": 'She said "hi", then\nleft',
        "media": [{"type": "image", "url": "https://x/1.jpg"}, {"type": "video", "url": "v"}],
        "links": ["https://a.example", "https://b.example"],
        "hashtags": ["#coffee", "#cake"],
        "mentions": [],
        "metrics": {
            "reactions": 12,
            "comments": None,
            "shares": 3,
            "views": None,
            "reactions_by_type": {"like": 10, "love": 2},
        },
        "is_sponsored": False,
        **extra,
    }


def _rows(data: bytes) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    return list(reader)


def test_a_post_is_flattened_into_one_row() -> None:
    analysis = {
        "language": "en",
        "is_marketing": {"value": True, "confidence": 0.9},
        "hooks": [{"label": "question", "confidence": 0.8}, {"label": "number", "confidence": 0.6}],
        "cta": [],
        "tone": {"formality": 0.55, "reading_ease": -3.2},
        "engagement": {"interactions": 15, "normalised": 1.25, "rate": None, "outlier": False},
        "topic_id": 0,
        "analysed_at": WHEN,
    }
    [row] = _rows(csv_chunk([_doc(analysis=analysis)], header=True))
    assert row["id"] == "a" * 32
    assert row["page_id"] == "facebook:acme"
    assert row["author_name"] == "Acme" and row["author_url"] == ""
    assert row["text"] == 'She said "hi", then\nleft'
    assert row["media_types"] == "image;video"
    assert row["links"] == "https://a.example https://b.example"
    assert row["hashtags"] == "#coffee #cake"
    assert (row["reactions"], row["comments"], row["shares"], row["views"]) == ("12", "", "3", "")
    assert (row["reactions_like"], row["reactions_love"], row["reactions_sad"]) == ("10", "2", "")
    assert row["is_sponsored"] == "false"
    assert row["hooks"] == "question;number" and row["ctas"] == ""
    assert row["formality"] == "0.55" and row["reading_ease"] == "-3.2"
    assert (row["interactions"], row["engagement"], row["engagement_rate"]) == ("15", "1.25", "")
    assert row["outlier"] == "false" and row["topic_id"] == "0"
    assert row["analysed_at"] == WHEN.isoformat()


def test_a_post_never_analysed_has_empty_analysis_cells() -> None:
    [row] = _rows(csv_chunk([_doc(metrics=None, media=None)], header=True))
    for column in ("language", "is_marketing", "hooks", "formality", "engagement", "topic_id"):
        assert row[column] == "", column
    assert row["reactions"] == "" and row["media_types"] == ""


def test_chunks_after_the_first_have_no_header_and_the_bom_is_optional() -> None:
    first = csv_chunk([_doc()], header=True, bom=True)
    assert first.startswith("\ufeff".encode())
    later = csv_chunk([_doc()])
    assert not later.startswith(b"id,")
    assert later.endswith(b"\r\n")
    assert len(_rows(first.removeprefix("\ufeff".encode()) + later)) == 2


def test_json_lines_are_one_rendered_post_a_line() -> None:
    docs = [_doc(text="line\u2028separator, שלום"), _doc(_id="b" * 32)]
    out = jsonl_chunk(docs, lambda d: {"id": d["_id"], "text": d["text"]})
    lines = out.decode("utf-8").split("\n")
    assert lines[-1] == ""
    assert [json.loads(line) for line in lines[:-1]] == [
        {"id": "a" * 32, "text": "line\u2028separator, שלום"},
        {"id": "b" * 32, "text": docs[1]["text"]},
    ]
