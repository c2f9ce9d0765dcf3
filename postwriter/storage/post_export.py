"""Stored posts as CSV rows (flattened, safe to open in a spreadsheet) or JSON lines.

Pure functions over post documents as stored (see `Post.to_document` and the analysis
fields in services/analysis.py); the caller streams the chunks.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from postwriter.storage.database import Document

# What a spreadsheet reads as the start of a formula (OWASP "CSV injection"); a text cell
# that starts with one is prefixed with an apostrophe so it shows as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
REACTION_TYPES = ("like", "love", "care", "haha", "wow", "sad", "angry")
TONE_COLUMNS = (
    "formality", "emoji_ratio", "exclamation_rate", "question_rate",
    "avg_sentence_length", "second_person", "hashtag_density", "reading_ease",
)  # fmt: skip
UTF8_BOM = "\ufeff"

Cell = str | int | float | bool | None


def _get(doc: Any, *path: str) -> Any:
    for part in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc


def _labels(entries: Any) -> str | None:
    """Label entries ([{label, confidence}]) as "question;number", None when not analysed."""
    if not isinstance(entries, list):
        return None
    labels = [e.get("label") for e in entries if isinstance(e, dict)]
    return ";".join(str(label) for label in labels if label)


def _joined(values: Any, separator: str = " ") -> str:
    if not isinstance(values, list):
        return ""
    return separator.join(str(v) for v in values if v is not None)


def _media_types(media: Any) -> str:
    if not isinstance(media, list):
        return ""
    return ";".join(str(m.get("type")) for m in media if isinstance(m, dict) and m.get("type"))


def _row(doc: Document) -> dict[str, Cell]:
    analysis = doc.get("analysis") if isinstance(doc.get("analysis"), dict) else {}
    engagement = _get(analysis, "engagement")
    row: dict[str, Cell] = {
        "id": str(doc.get("_id", "")),
        "page_id": f"{doc.get('platform', '')}:{doc.get('source', '')}",
        "platform": doc.get("platform"),
        "source": doc.get("source"),
        "external_id": doc.get("external_id"),
        "url": doc.get("url"),
        "published_at": doc.get("published_at"),
        "first_seen_at": doc.get("first_seen_at"),
        "last_seen_at": doc.get("last_seen_at"),
        "author_name": _get(doc, "author", "name"),
        "author_url": _get(doc, "author", "url"),
        "text": doc.get("text"),
        "media_types": _media_types(doc.get("media")),
        "links": _joined(doc.get("links")),
        "hashtags": _joined(doc.get("hashtags")),
        "mentions": _joined(doc.get("mentions")),
        "is_sponsored": doc.get("is_sponsored"),
        "reactions": _get(doc, "metrics", "reactions"),
        "comments": _get(doc, "metrics", "comments"),
        "shares": _get(doc, "metrics", "shares"),
        "views": _get(doc, "metrics", "views"),
    }
    for kind in REACTION_TYPES:
        row[f"reactions_{kind}"] = _get(doc, "metrics", "reactions_by_type", kind)
    row |= {
        "language": _get(analysis, "language"),
        "is_marketing": _get(analysis, "is_marketing", "value"),
        "marketing_confidence": _get(analysis, "is_marketing", "confidence"),
        "hooks": _labels(_get(analysis, "hooks")),
        "ctas": _labels(_get(analysis, "cta")),
    }
    for key in TONE_COLUMNS:
        row[key] = _get(analysis, "tone", key)
    row |= {
        "interactions": _get(engagement, "interactions"),
        "engagement": _get(engagement, "normalised"),
        "engagement_rate": _get(engagement, "rate"),
        "outlier": _get(engagement, "outlier"),
        "topic_id": _get(analysis, "topic_id"),
        "analysed_at": _get(analysis, "analysed_at"),
    }
    return row


CSV_COLUMNS: tuple[str, ...] = tuple(_row({}))


def csv_cell(value: Any) -> str:
    """One cell: numbers as written, booleans true/false, text guarded against formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_chunk(docs: Sequence[Document], *, header: bool = False, bom: bool = False) -> bytes:
    """CSV lines (RFC 4180, CRLF) for `docs`, with the header row first when asked."""
    out = io.StringIO()
    if bom:
        out.write(UTF8_BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    for doc in docs:
        row = _row(doc)
        writer.writerow([csv_cell(row[column]) for column in CSV_COLUMNS])
    return out.getvalue().encode("utf-8")


def jsonl_chunk(docs: Sequence[Document], render: Callable[[Document], dict[str, Any]]) -> bytes:
    """One JSON object a line, each post as `render` shows it (the API's Post shape)."""
    lines = [json.dumps(render(doc), ensure_ascii=False, separators=(",", ":")) for doc in docs]
    return "".join(line + "\n" for line in lines).encode("utf-8")
