"""`postwriter classify`: JSON lines {"id", "text"} in, one JSON line per input line out.

Output per post: {"id", "language", "is_marketing": {"value", "confidence"}, "hooks":
[{"label", "confidence"}], "cta": [...], "tone": {...}}, plus "skipped": reason when the
text is empty, only emoji/punctuation ("no_words") or not a string ("not_text"); a skipped
post is an answer, not an error.

A line that cannot be read (not JSON, not an object, no "text" key, an id that is not a
string or an integer) gives {"id": id-or-null, "error": {"code": "invalid_request",
"message": ...}} and the run goes on. Blank lines are ignored. The return value is 0 when
every line was answered, 1 when at least one line was invalid (the exit status of the
command).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from postwriter.analysis.classify import classify
from postwriter.analysis.tone import tone

__all__ = ["classify_record", "run_classify"]

MAX_LINE_CHARS = 1_000_000


class _BadLine(ValueError):
    def __init__(self, message: str, post_id: Any = None) -> None:
        super().__init__(message)
        self.post_id = post_id


def _parse(line: str) -> tuple[str | int, object]:
    if len(line) > MAX_LINE_CHARS:
        raise _BadLine(f"line longer than {MAX_LINE_CHARS} characters")
    try:
        doc = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _BadLine(f"not JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(doc, dict):
        raise _BadLine("each line must be a JSON object with id and text")
    post_id = doc.get("id")
    if isinstance(post_id, bool) or not isinstance(post_id, str | int):
        raise _BadLine("id must be a string or an integer", None)
    if "text" not in doc:
        raise _BadLine("text is missing", post_id)
    return post_id, doc["text"]


def classify_record(post_id: str | int, text: object) -> dict[str, Any]:
    """The output object for one post."""
    result = classify(text)  # type: ignore[arg-type]  # non-strings are skipped, not raised
    doc: dict[str, Any] = {"id": post_id, **result.to_json()}
    doc["tone"] = tone(text, result.language) if isinstance(text, str) else tone("")
    return doc


def run_classify(inp: TextIO, out: TextIO) -> int:
    """Classify every JSON line of `inp` into `out`; 1 if any line was invalid, else 0."""
    status = 0
    for number, line in enumerate(inp, 1):
        if not line.strip():
            continue
        try:
            post_id, text = _parse(line)
        except _BadLine as exc:
            status = 1
            error = {"code": "invalid_request", "message": f"line {number}: {exc}"}
            out.write(json.dumps({"id": exc.post_id, "error": error}, ensure_ascii=False) + "\n")
            continue
        out.write(json.dumps(classify_record(post_id, text), ensure_ascii=False) + "\n")
        out.flush()
    return status
