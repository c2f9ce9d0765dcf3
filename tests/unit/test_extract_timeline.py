"""When the scroll loop may stop for `since`, and which posts a `since` keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from postwriter.extract import older_than, published_since
from postwriter.models.post import Post

SINCE = datetime(2025, 11, 1, tzinfo=UTC)


def post(n: int, published: datetime | None) -> Post:
    return Post("facebook", "page", str(n), f"https://x.example/{n}", "t", published_at=published)


def test_stops_once_the_last_dated_post_is_older() -> None:
    newer = post(1, SINCE + timedelta(days=3))
    older = post(2, SINCE - timedelta(seconds=1))
    assert not older_than([newer], SINCE)
    assert older_than([newer, older], SINCE)
    assert older_than([newer, older, post(3, None)], SINCE)  # undated ones are passed over
    assert not older_than([newer, post(4, SINCE)], SINCE)  # exactly `since` is not older


def test_a_pinned_old_post_does_not_stop_the_scroll() -> None:
    pinned = post(1, SINCE - timedelta(days=300))
    assert not older_than([pinned, post(2, SINCE + timedelta(days=1))], SINCE)


def test_nothing_dated_never_stops() -> None:
    assert not older_than([], SINCE)
    assert not older_than([post(1, None)], SINCE)


def test_published_since_keeps_recent_and_undated() -> None:
    posts = [post(1, SINCE), post(2, SINCE - timedelta(days=1)), post(3, None)]
    assert [p.external_id for p in published_since(posts, SINCE)] == ["1", "3"]


def test_since_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        older_than([], datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="aware"):
        published_since([], datetime(2025, 1, 1))
