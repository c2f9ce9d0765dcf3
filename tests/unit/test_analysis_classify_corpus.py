"""The labelled corpus is well formed, and the classifier still meets its floors on it."""

from __future__ import annotations

import io
from collections import Counter

from postwriter.analysis.classify import CTA_LABELS, HOOK_LABELS, classify
from tests.eval import FLOORS, evaluate, load, macro_f1, print_report


def test_corpus_shape() -> None:
    posts = load()
    ids = [p["id"] for p in posts]
    assert len(ids) == len(set(ids)) >= 220
    languages = Counter(p["language"] for p in posts)
    assert languages["en"] >= 110 and languages["he"] >= 110
    for post in posts:
        assert set(post) == {"id", "language", "text", "is_marketing", "hooks", "cta", "split"}
        assert post["split"] in ("dev", "test")
        assert isinstance(post["is_marketing"], bool)
        assert set(post["hooks"]) <= set(HOOK_LABELS)
        assert set(post["cta"]) <= set(CTA_LABELS)
    test_share = sum(p["split"] == "test" for p in posts) / len(posts)
    assert 0.35 <= test_share <= 0.45
    # Non-marketing posts and posts without any call to action are part of the corpus.
    assert sum(not p["is_marketing"] for p in posts) >= 60
    assert sum(not p["cta"] for p in posts) >= 60


def test_floors_met_on_the_test_split() -> None:
    posts = load()
    reports = evaluate(posts, {p["id"]: classify(p["text"]) for p in posts})
    for (lang, group), floor in FLOORS.items():
        assert macro_f1(getattr(reports[(lang, "test")], group)) >= floor, (lang, group)
    assert print_report(reports, out=io.StringIO()) == []
