"""Engagement scores and the effects of when and how a post was written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from postwriter.analysis.engagement import (
    Effect,
    PostScore,
    effects,
    has_figures,
    interactions,
    length_bucket,
    media_type,
    page_median,
    score_posts,
)

MONDAY_9_UTC = datetime(2025, 11, 17, 9, 0, tzinfo=UTC)


def post(
    n: int,
    reactions: int | None = None,
    comments: int | None = None,
    shares: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "platform": "facebook",
        "source": "page",
        "external_id": str(n),
        "url": f"https://www.facebook.com/acme/posts/{n}",
        "text": "x",
        "published_at": None,
        "media": [],
        "metrics": {
            "reactions": reactions,
            "comments": comments,
            "shares": shares,
            "views": None,
            "reactions_by_type": None,
        },
    }
    doc.update(extra)
    return doc


@pytest.mark.parametrize(
    ("metrics", "expected", "figures"),
    [
        ({"reactions": 10, "comments": 2, "shares": 1, "views": 5000}, 13, True),
        ({"reactions": 10, "comments": None, "shares": None}, 10, True),
        ({"reactions": 0, "comments": 0, "shares": 0}, 0, True),
        ({"reactions": None, "comments": None, "shares": None, "views": 900}, 0, False),
        ({}, 0, False),
        (None, 0, False),
        ("junk", 0, False),
        # Only the per-type breakdown shown: its sum is the reactions.
        ({"reactions": None, "reactions_by_type": {"like": 7, "love": 3}}, 10, True),
        ({"reactions": 4, "reactions_by_type": {"like": 7}}, 4, True),
        # Stored data is not trusted: negative, fractional, boolean, text figures are unknown.
        ({"reactions": -5, "comments": 2.5, "shares": True}, 0, False),
        ({"reactions": "12", "comments": 3}, 3, True),
    ],
)
def test_interactions(metrics: Any, expected: int, figures: bool) -> None:
    doc = {"external_id": "1", "metrics": metrics}
    assert interactions(doc) == expected
    assert has_figures(doc) is figures


def test_views_are_not_interactions() -> None:
    reel = post(1, 100, 10, 5)
    reel["metrics"]["views"] = 245_000
    assert interactions(reel) == 115


def test_scores_against_the_page_median() -> None:
    posts = [post(1, 10), post(2, 20), post(3, 30), post(4, 90), post(5, 200, 100)]
    assert page_median(posts) == 30.0
    scores = score_posts(posts, followers=1000)
    assert [s.external_id for s in scores] == ["1", "2", "3", "4", "5"]
    assert [s.interactions for s in scores] == [10, 20, 30, 90, 300]
    assert [s.normalised for s in scores] == pytest.approx([1 / 3, 2 / 3, 1.0, 3.0, 10.0])
    assert [s.rate for s in scores] == pytest.approx([0.01, 0.02, 0.03, 0.09, 0.3])
    # Three times the median is an outlier, just under it is not.
    assert [s.outlier for s in scores] == [False, False, False, True, True]


def test_outlier_threshold_is_inclusive() -> None:
    scores = score_posts([post(1, 10), post(2, 10), post(3, 29), post(4, 30), post(5, 10)], None)
    assert [s.normalised for s in scores] == pytest.approx([1.0, 1.0, 2.9, 3.0, 1.0])
    assert [s.outlier for s in scores] == [False, False, False, True, False]


@pytest.mark.parametrize("followers", [None, 0, -3])
def test_unknown_followers_give_no_rate(followers: int | None) -> None:
    scores = score_posts([post(1, 10), post(2, 30)], followers)
    assert all(s.rate is None for s in scores)
    assert [s.normalised for s in scores] == pytest.approx([0.5, 1.5])


def test_posts_without_figures_are_unmeasured_not_zero() -> None:
    posts = [post(1, 10), post(2), post(3, 30), post(4, None, None, None)]
    assert page_median(posts) == 20.0  # over posts 1 and 3 only
    scores = score_posts(posts, followers=100)
    assert scores[1] == PostScore("2", 0, None, None, False)
    assert scores[3].normalised is None and scores[3].rate is None
    assert scores[0].normalised == pytest.approx(0.5)


def test_zero_median_measures_in_raw_interactions() -> None:
    # Most posts got nothing: the denominator is floored at one interaction.
    posts = [post(1, 0), post(2, 0), post(3, 0), post(4, 2), post(5, 7)]
    assert page_median(posts) == 0.0
    scores = score_posts(posts, None)
    assert [s.normalised for s in scores] == [0.0, 0.0, 0.0, 2.0, 7.0]
    assert [s.outlier for s in scores] == [False, False, False, False, True]


def test_all_zero_and_empty_pages() -> None:
    scores = score_posts([post(1, 0), post(2, 0, 0, 0)], 500)
    assert [(s.normalised, s.rate, s.outlier) for s in scores] == [(0.0, 0.0, False)] * 2
    assert score_posts([], 500) == []
    assert page_median([]) == 0.0
    assert [s.normalised for s in score_posts([post(1), post(2)], None)] == [None, None]


def test_score_json() -> None:
    (score,) = score_posts([post(7, 5, 1)], 200)
    assert score.to_json() == {
        "external_id": "7",
        "interactions": 6,
        "rate": 0.03,
        "normalised": 1.0,
        "outlier": False,
    }


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        ([], "none"),
        (None, "none"),
        ([{"type": "video", "url": "v"}, {"type": "image", "url": "i"}], "video"),
        ([{"type": "image", "url": "i"}], "image"),
        ([{"type": "link", "url": "l"}], "link"),
        ([{"type": "gif", "url": "g"}], "none"),
        (["junk"], "none"),
    ],
)
def test_media_type(media: Any, expected: str) -> None:
    assert media_type({"media": media}) == expected


@pytest.mark.parametrize(
    ("length", "expected"),
    [(0, "short"), (79, "short"), (80, "medium"), (299, "medium"), (300, "long"), (5000, "long")],
)
def test_length_bucket(length: int, expected: str) -> None:
    assert length_bucket("  " + "a" * length + "\n") == expected


def by_key(found: list[Effect]) -> dict[str, Effect]:
    return {e.key: e for e in found}


def test_effects_by_group() -> None:
    posts = [
        post(1, 10, published_at=MONDAY_9_UTC, media=[{"type": "video", "url": "v"}]),
        post(2, 20, published_at=MONDAY_9_UTC + timedelta(days=1)),
        post(3, 30, published_at=MONDAY_9_UTC + timedelta(days=1, hours=3)),
        post(4, 60, published_at=None, text="y" * 400),
        post(5, published_at=MONDAY_9_UTC),  # unmeasured: in no group
    ]
    scores = score_posts(posts, None)  # median 25: 0.4, 0.8, 1.2, 2.4
    found = effects(posts, scores)
    assert set(found) == {"hour", "weekday", "media_type", "length_bucket", "hook", "cta"}
    overall = (0.4 + 0.8 + 1.2 + 2.4) / 4
    hours = by_key(found["hour"])
    assert [e.key for e in found["hour"]] == ["09", "12"]
    assert hours["09"].posts == 2
    assert hours["09"].mean_normalised == pytest.approx(0.6)
    assert hours["09"].lift == pytest.approx(0.6 / overall)
    assert hours["09"].low_sample and hours["12"].low_sample
    assert [(e.key, e.posts) for e in found["weekday"]] == [("Mon", 1), ("Tue", 2)]
    media = by_key(found["media_type"])
    assert [e.key for e in found["media_type"]] == ["none", "video"]
    assert media["none"].posts == 3 and not media["none"].low_sample
    assert media["none"].mean_normalised == pytest.approx((0.8 + 1.2 + 2.4) / 3)
    assert [(e.key, e.posts) for e in found["length_bucket"]] == [("short", 3), ("long", 1)]
    assert found["hook"] == [] and found["cta"] == []


def test_hour_and_weekday_in_the_pages_zone() -> None:
    late = datetime(2025, 11, 17, 22, 30, tzinfo=UTC)  # Monday 22:30 UTC
    posts = [post(1, 10, published_at=late)]
    found = effects(posts, score_posts(posts, None), tz="Asia/Jerusalem")
    assert [e.key for e in found["hour"]] == ["00"]
    assert [e.key for e in found["weekday"]] == ["Tue"]


@pytest.mark.parametrize(
    "published",
    [
        datetime(2025, 11, 17, 9, 0),  # naive, as pymongo returns: UTC
        datetime(2025, 11, 17, 11, 0, tzinfo=timezone(timedelta(hours=2))),
        "2025-11-17T09:00:00+00:00",
    ],
)
def test_published_forms(published: Any) -> None:
    posts = [post(1, 10, published_at=published)]
    found = effects(posts, score_posts(posts, None))
    assert [e.key for e in found["hour"]] == ["09"]
    assert [e.key for e in found["weekday"]] == ["Mon"]


def test_unreadable_dates_are_left_out() -> None:
    posts = [post(1, 10, published_at="yesterday"), post(2, 10, published_at=12)]
    found = effects(posts, score_posts(posts, None))
    assert found["hour"] == [] and found["weekday"] == []
    assert found["media_type"][0].posts == 2


def analysed(n: int, reactions: int, hooks: list[str], cta: list[str] | None) -> dict[str, Any]:
    analysis: dict[str, Any] = {
        "language": "en",
        "hooks": [{"label": h, "confidence": 0.9} for h in hooks],
    }
    if cta is not None:
        analysis["cta"] = [{"label": c, "confidence": 0.8} for c in cta]
    return post(n, reactions, analysis=analysis)


def test_hooks_and_ctas_count_in_each_label() -> None:
    posts = [
        analysed(1, 10, ["fomo", "proof"], ["buy"]),
        analysed(2, 20, ["fomo"], ["buy", "buy"]),  # a repeated label counts once
        analysed(3, 30, ["proof"], []),
        analysed(4, 40, [], None),
        post(5, 50),  # never analysed: in neither group
    ]
    scores = score_posts(posts, None)  # median 30
    found = effects(posts, scores)
    hooks = by_key(found["hook"])
    assert [e.key for e in found["hook"]] == ["fomo", "proof", "none"]  # most posts first
    assert hooks["fomo"].posts == 2
    assert hooks["fomo"].mean_normalised == pytest.approx(0.5)
    assert hooks["proof"].mean_normalised == pytest.approx((10 + 30) / 2 / 30)
    assert hooks["none"].posts == 1
    overall = (10 + 20 + 30 + 40 + 50) / 5 / 30
    assert hooks["fomo"].lift == pytest.approx(0.5 / overall)
    cta = by_key(found["cta"])
    assert (cta["buy"].posts, cta["none"].posts) == (2, 1)  # post 4 has no cta field
    assert all(e.low_sample for e in found["hook"] + found["cta"])


def test_lift_is_one_when_nothing_got_engagement() -> None:
    posts = [post(1, 0), post(2, 0), post(3, 0)]
    found = effects(posts, score_posts(posts, None))
    assert found["media_type"] == [Effect("none", 3, 0.0, 1.0, False)]
    assert found["media_type"][0].to_json() == {
        "key": "none",
        "posts": 3,
        "mean_normalised": 0.0,
        "lift": 1.0,
        "low_sample": False,
    }


def test_scores_must_match_posts() -> None:
    posts = [post(1, 10), post(2, 20)]
    scores = score_posts(posts, None)
    with pytest.raises(ValueError, match="2 posts but 1 scores"):
        effects(posts, scores[:1])
    with pytest.raises(ValueError, match="out of order"):
        effects(posts, scores[::-1])
    assert effects([], [])["hour"] == []
