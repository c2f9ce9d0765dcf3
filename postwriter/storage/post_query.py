"""Stored posts filtered, sorted and read a page at a time (the listing and the export).

Pagination is by keyset on (sort value, _id): the next page holds the posts that come after
the last post of this one in the sort order, so a post stored meanwhile never shifts the
pages (as skip/offset would) and every post is read once. Posts without the sort value
(undated, a figure the page does not show, not analysed yet) come after every post that
has one, in both orders, by id: the second "phase" of the same listing. The order then does
not depend on where a server sorts nulls, and each phase's query stays simple.

Only operators that MongoDB 7 and FerretDB 1.24 both answer are used: comparisons, `$type`,
`$not`, `$or`, `$and`, `$regex`, dotted paths through arrays (`analysis.hooks.label`).
`$elemMatch` is avoided: FerretDB 1.24 matches nothing with it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import AsyncGenerator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pymongo import ASCENDING, DESCENDING

from postwriter.errors import InvalidRequest
from postwriter.storage.database import Database, Document

Order = Literal["asc", "desc"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_CURSOR_VERSION = 1
_CURSOR_MAX = 512
# Not a secret: the checksum makes an edited or truncated cursor, or one from another
# query, fail loudly instead of silently starting somewhere else.
_CURSOR_TAG = b"postwriter.posts.cursor.v1\x00"
# Stored posts carry the ids of every job that saw them: never needed in a listing.
PROJECTION = {"job_ids": False}


@dataclass(frozen=True, slots=True)
class SortKey:
    name: str
    field: str  # dotted path in the stored post
    kind: Literal["date", "number"]  # the BSON type that counts as "has a value"


SORTS: dict[str, SortKey] = {
    key.name: key
    for key in (
        SortKey("published_at", "published_at", "date"),
        SortKey("engagement", "analysis.engagement.normalised", "number"),
        SortKey("interactions", "analysis.engagement.interactions", "number"),
        SortKey("reactions", "metrics.reactions", "number"),
        SortKey("comments", "metrics.comments", "number"),
        SortKey("shares", "metrics.shares", "number"),
        SortKey("views", "metrics.views", "number"),
    )
}

# Bands of `analysis.tone.formality` (0..1, 0.5 for plain wording; see analysis/tone.py).
TONE_BANDS: dict[str, dict[str, float]] = {
    "formal": {"$gt": 0.6},
    "neutral": {"$gte": 0.4, "$lte": 0.6},
    "casual": {"$lt": 0.4},
}
_REGEX_SPECIAL = frozenset("\\.^$|?*+()[]{}")


@dataclass(frozen=True, slots=True)
class PostFilter:
    """Every filter the listing and the export offer; None means "any"."""

    platform: str | None = None
    source: str | None = None
    since: datetime | None = None  # published at or after
    until: datetime | None = None  # published before
    hook: str | None = None
    cta: str | None = None
    topic: int | None = None
    tone: str | None = None
    min_engagement: float | None = None
    marketing: bool | None = None
    language: str | None = None
    text: str | None = None  # case-insensitive substring of the post's text
    job_id: str | None = None

    def conditions(self) -> list[Document]:
        out: list[Document] = []
        if self.platform is not None:
            out.append({"platform": self.platform})
        if self.source is not None:
            out.append({"source": self.source})
        published: Document = {}
        if self.since is not None:
            published["$gte"] = self.since
        if self.until is not None:
            published["$lt"] = self.until
        if published:
            out.append({"published_at": published})
        if self.hook is not None:
            out.append({"analysis.hooks.label": self.hook})
        if self.cta is not None:
            out.append({"analysis.cta.label": self.cta})
        if self.topic is not None:
            out.append({"analysis.topic_id": self.topic})
        if self.tone is not None:
            out.append({"analysis.tone.formality": dict(TONE_BANDS[self.tone])})
        if self.min_engagement is not None:
            out.append({"analysis.engagement.normalised": {"$gte": self.min_engagement}})
        if self.marketing is not None:
            out.append({"analysis.is_marketing.value": self.marketing})
        if self.language is not None:
            out.append({"analysis.language": self.language})
        if self.text is not None:
            out.append({"text": {"$regex": literal_pattern(self.text), "$options": "i"}})
        if self.job_id is not None:
            out.append({"job_ids": self.job_id})
        return out

    def signature(self) -> str:
        """The filter as canonical text: a cursor is only good for the query it came from."""
        values = {
            k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(self).items()
        }
        return json.dumps(values, sort_keys=True, separators=(",", ":"))


def literal_pattern(text: str) -> str:
    """`text` as a regex that matches it literally, in PCRE (MongoDB) and Go's RE2 syntax
    (FerretDB): only the metacharacters are escaped."""
    return "".join("\\" + ch if ch in _REGEX_SPECIAL else ch for ch in text)


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ended: phase 0 holds posts with the sort value, phase 1 those without."""

    phase: int
    value: int | float | None  # a date as milliseconds since the epoch
    post_id: str


@dataclass(frozen=True, slots=True)
class PostQuery:
    filter: PostFilter
    sort: SortKey
    order: Order

    def _binding(self) -> bytes:
        return f"{self.sort.name}\x00{self.order}\x00{self.filter.signature()}".encode()

    def encode_cursor(self, position: Position) -> str:
        payload = json.dumps(
            [_CURSOR_VERSION, position.phase, position.value, position.post_id],
            separators=(",", ":"),
        ).encode()
        digest = hashlib.sha256(_CURSOR_TAG + self._binding() + b"\x00" + payload).digest()
        return f"{_b64(payload)}.{_b64(digest[:12])}"

    def decode_cursor(self, cursor: str) -> Position:
        """The position a cursor of this query names; InvalidRequest for anything else."""
        bad = InvalidRequest(
            "cursor is not one this query returned (altered, or the filters or sort changed)",
            field="cursor",
        )
        body, _, check = cursor.partition(".")
        if len(cursor) > _CURSOR_MAX or not body or not check:
            raise bad
        try:
            payload, digest = _unb64(body), _unb64(check)
        except ValueError:
            raise bad from None
        expected = hashlib.sha256(_CURSOR_TAG + self._binding() + b"\x00" + payload).digest()
        if digest != expected[:12]:
            raise bad
        try:
            version, phase, value, post_id = json.loads(payload)
        except (ValueError, TypeError):
            raise bad from None
        if version != _CURSOR_VERSION or phase not in (0, 1) or not isinstance(post_id, str):
            raise bad
        if phase == 1 and value is not None:
            raise bad
        if phase == 0 and not self._valid_value(value):
            raise bad
        return Position(phase, value, post_id)

    def _valid_value(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.sort.kind == "date":
            return isinstance(value, int) and _date_in_range(value)
        return math.isfinite(value)

    def position_of(self, doc: Document) -> Position:
        value = _dotted(doc, self.sort.field)
        post_id = str(doc["_id"])
        if self.sort.kind == "date" and isinstance(value, datetime):
            return Position(0, _as_millis(value), post_id)
        if self.sort.kind == "number" and _is_number(value):
            return Position(0, value, post_id)
        return Position(1, None, post_id)

    def mongo_filter(self, phase: int, after: Position | None) -> Document:
        """The query of one phase, after `after` when it is in this phase."""
        field = self.sort.field
        has_value = {field: {"$type": self.sort.kind}}
        parts = self.filter.conditions()
        beyond = "$lt" if self.order == "desc" else "$gt"
        if phase == 0:
            parts.append(has_value)
            if after is not None:
                value = _stored_value(self.sort, after.value)
                parts.append(
                    {
                        "$or": [
                            {field: {beyond: value}},
                            {field: value, "_id": {beyond: after.post_id}},
                        ]
                    }
                )
        else:
            parts.append({field: {"$not": {"$type": self.sort.kind}}})
            if after is not None:
                parts.append({"_id": {beyond: after.post_id}})
        return {"$and": parts}

    def mongo_sort(self, phase: int) -> list[tuple[str, int]]:
        direction = DESCENDING if self.order == "desc" else ASCENDING
        if phase == 0:
            return [(self.sort.field, direction), ("_id", direction)]
        return [("_id", direction)]


async def find_page(
    db: Database, query: PostQuery, limit: int, after: Position | None
) -> tuple[list[Document], Position | None]:
    """Up to `limit` posts after `after`, and where the next page starts (None: no more)."""
    docs: list[Document] = []
    first_phase = after.phase if after is not None else 0
    for phase in range(first_phase, 2):
        start = after if after is not None and after.phase == phase else None
        found = db.posts.find(query.mongo_filter(phase, start), projection=PROJECTION)
        wanted = limit + 1 - len(docs)
        docs += await found.sort(query.mongo_sort(phase)).limit(wanted).to_list()
        if len(docs) > limit:
            break
    more = len(docs) > limit
    docs = docs[:limit]
    return docs, (query.position_of(docs[-1]) if more and docs else None)


async def iterate_posts(
    db: Database, query: PostQuery, max_rows: int, batch: int = 500
) -> AsyncGenerator[list[Document]]:
    """Batches of at most `batch` posts in order, `max_rows` in all: one short query per
    batch (no server cursor held open while a slow client reads), bounded memory."""
    after: Position | None = None
    sent = 0
    while sent < max_rows:
        docs, after = await find_page(db, query, min(batch, max_rows - sent), after)
        if docs:
            yield docs
        sent += len(docs)
        if after is None:
            return


async def ensure_post_query_indexes(db: Database) -> None:
    """Indexes for the sorts and filters above; idempotent, MongoDB 7 and FerretDB 1.24."""
    for key in SORTS.values():
        await db.posts.create_index(
            [(key.field, ASCENDING), ("_id", ASCENDING)], name=f"sort_{key.name}"
        )
    await db.posts.create_index(
        [
            ("platform", ASCENDING),
            ("source", ASCENDING),
            ("published_at", ASCENDING),
            ("_id", ASCENDING),
        ],
        name="page_published",
    )
    await db.posts.create_index([("analysis.hooks.label", ASCENDING)], name="by_hook")
    await db.posts.create_index([("analysis.cta.label", ASCENDING)], name="by_cta")


def _dotted(doc: Document, path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _as_millis(when: datetime) -> int:
    # A client that is not tz_aware returns naive datetimes that are UTC.
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return (aware - _EPOCH) // _MS


def _date_in_range(millis: int) -> bool:
    try:
        _EPOCH + millis * _MS
    except OverflowError:
        return False
    return True


def _stored_value(sort: SortKey, value: int | float | None) -> Any:
    if sort.kind == "date" and isinstance(value, int):
        return _EPOCH + value * _MS
    return value


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
