"""Helpers for reading a timeline page by page: when to stop scrolling, what to keep.

Pure functions over extracted posts, so the browser's scroll loop stays free of date logic.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from postwriter.models.post import Post


def older_than(posts: Sequence[Post], since: datetime) -> bool:
    """True when the oldest post the page shows so far is older than `since`: scrolling
    further can only reach older posts.

    "Oldest" is the last dated post in page order, not the minimum of all dates: a Page
    pins an old post at the top of its timeline, and that one must not stop the scroll.
    Undated posts are passed over; a page with no dated post is never "older".
    """
    if since.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    for post in reversed(posts):
        if post.published_at is not None:
            return post.published_at < since
    return False


def published_since(posts: Sequence[Post], since: datetime) -> list[Post]:
    """The posts published at or after `since`, in page order. Undated posts are kept:
    nothing says they are too old, and dropping them would lose posts silently."""
    if since.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    return [p for p in posts if p.published_at is None or p.published_at >= since]
