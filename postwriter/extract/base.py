"""What every adapter offers: recognise a page, and turn its HTML into posts."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from postwriter.models.post import Post


class Adapter(Protocol):
    """Pure: HTML string in, `Post` objects out. No browser, no network, no clock
    (`fetched_at` is given so that relative times resolve the same way every run)."""

    name: str

    def matches(self, url: str, html: str) -> bool:
        """Whether this adapter knows how to read the page."""
        ...

    def extract(self, html: str, *, url: str, fetched_at: datetime) -> list[Post]:
        """Every post on the page, in page order, one per natural key."""
        ...
