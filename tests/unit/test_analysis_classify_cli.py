"""`run_classify`: JSON lines in, JSON lines out, bad lines answered and skipped over."""

from __future__ import annotations

import io
import json
from typing import Any

from postwriter.analysis.classify_cli import run_classify
from postwriter.analysis.tone import TONE_KEYS


def run(lines: list[str]) -> tuple[int, list[dict[str, Any]]]:
    out = io.StringIO()
    status = run_classify(io.StringIO("\n".join(lines) + "\n"), out)
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


def test_good_lines() -> None:
    status, docs = run(
        [
            json.dumps({"id": "a", "text": "40% off today only! Shop now: https://x.example"}),
            json.dumps({"id": 7, "text": "שתפו עם חברים! 1+1 על כל הפיצות היום בלבד"}),
        ]
    )
    assert status == 0
    assert [d["id"] for d in docs] == ["a", 7]
    first, second = docs
    assert set(first) == {"id", "language", "is_marketing", "hooks", "cta", "tone"}
    assert first["language"] == "en" and second["language"] == "he"
    assert first["is_marketing"]["value"] is True
    assert {"urgency", "number", "benefit"} <= {h["label"] for h in first["hooks"]}
    assert "shop" in {c["label"] for c in first["cta"]}
    assert "share" in {c["label"] for c in second["cta"]}
    assert set(first["tone"]) == set(TONE_KEYS)
    assert second["tone"]["reading_ease"] is None


def test_bad_lines_are_answered_and_the_run_goes_on() -> None:
    status, docs = run(
        [
            "not json",
            "[1, 2]",
            json.dumps({"id": "no-text"}),
            json.dumps({"text": "no id"}),
            json.dumps({"id": ["x"], "text": "bad id"}),
            json.dumps({"id": True, "text": "bool id"}),
            "",
            json.dumps({"id": "ok", "text": "Call us on 020 7946 0011"}),
        ]
    )
    assert status == 1
    assert len(docs) == 7  # the blank line gives nothing
    errors, last = docs[:6], docs[6]
    assert all(d["error"]["code"] == "invalid_request" for d in errors)
    assert [d["id"] for d in errors] == [None, None, "no-text", None, None, None]
    assert errors[0]["error"]["message"].startswith("line 1: not JSON")
    assert last["id"] == "ok" and "error" not in last
    assert "call" in {c["label"] for c in last["cta"]}


def test_empty_and_non_text_posts_are_skipped_with_a_reason() -> None:
    status, docs = run(
        [
            json.dumps({"id": "e", "text": ""}),
            json.dumps({"id": "n", "text": None}),
            json.dumps({"id": "i", "text": 12}),
            json.dumps({"id": "m", "text": "🎉🎉🎉"}),
        ]
    )
    assert status == 0
    assert [d["skipped"] for d in docs] == ["empty", "not_text", "not_text", "no_words"]
    for doc in docs:
        assert doc["hooks"] == [] and doc["cta"] == []
        assert doc["is_marketing"]["value"] is False
        assert set(doc["tone"]) == set(TONE_KEYS)


def test_unicode_is_written_as_is() -> None:
    out = io.StringIO()
    run_classify(io.StringIO(json.dumps({"id": "שלום", "text": "שלום"}) + "\n"), out)
    assert "שלום" in out.getvalue()
