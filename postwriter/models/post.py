"""The post record: one post of one source, as the extractors produce it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

MediaType = Literal["image", "video", "link"]


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Media:
    type: MediaType
    url: str


@dataclass(frozen=True, slots=True)
class Metrics:
    """Engagement counts; None where the page does not show the figure."""

    reactions: int | None = None
    comments: int | None = None
    shares: int | None = None
    views: int | None = None
    # Reactions per type as the page labels them ({"like": 1000, "love": 200}), in page
    # order; None where the page shows no breakdown. Types: like, love, care, haha, wow,
    # sad, angry. Left out of the hash: a dict has none.
    reactions_by_type: dict[str, int] | None = field(default=None, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reactions": self.reactions,
            "comments": self.comments,
            "shares": self.shares,
            "views": self.views,
            "reactions_by_type": (
                dict(self.reactions_by_type) if self.reactions_by_type is not None else None
            ),
        }


@dataclass(frozen=True, slots=True)
class Post:
    """What an adapter reads off a page. Storage adds first_seen_at, last_seen_at and job_id.

    `(platform, source, external_id)` is the natural key: stable across runs, taken from the
    platform's own id or permalink, never from a hash of the content.
    """

    platform: str
    source: str
    external_id: str
    url: str
    text: str
    author: Author | None = None
    published_at: datetime | None = None
    media: tuple[Media, ...] = ()
    links: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    metrics: Metrics = field(default_factory=Metrics)
    is_sponsored: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.platform, self.source, self.external_id)

    def to_document(self) -> dict[str, Any]:
        """The fields as stored in MongoDB (datetimes stay datetimes)."""
        return {
            "platform": self.platform,
            "source": self.source,
            "external_id": self.external_id,
            "url": self.url,
            "author": ({"name": self.author.name, "url": self.author.url} if self.author else None),
            "published_at": self.published_at,
            "text": self.text,
            "media": [{"type": m.type, "url": m.url} for m in self.media],
            "links": list(self.links),
            "hashtags": list(self.hashtags),
            "mentions": list(self.mentions),
            "metrics": self.metrics.to_dict(),
            "is_sponsored": self.is_sponsored,
        }

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (ISO 8601 times), as `postwriter extract` prints it."""
        doc = self.to_document()
        doc["published_at"] = self.published_at.isoformat() if self.published_at else None
        return doc
