from __future__ import annotations

import json

import pytest

from postwriter.errors import InvalidMessage
from postwriter.messaging.envelope import Envelope


def _body(**changes: object) -> bytes:
    data: dict[str, object] = {
        "type": "scrape.request",
        "version": 1,
        "message_id": "msg-0001-abcd",
        "correlation_id": None,
        "created_at": "2026-11-25T10:00:00+00:00",
        "payload": {"url": "https://example.com/page"},
    }
    data.update(changes)
    return json.dumps(data).encode()


def test_round_trip() -> None:
    env = Envelope.new("scrape.request", {"url": "https://example.com/x", "max_posts": 5})
    parsed = Envelope.parse(env.to_bytes(), expected_type="scrape.request")
    assert parsed == env


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe", "not UTF-8 JSON"),
        (b"{not json", "not UTF-8 JSON"),
        (_body(version=2), "version"),
        (_body(type="other"), "type"),
        (_body(extra=1), "Additional properties"),
        (_body(payload={"url": "ftp://example.com/x"}), "payload url"),
        (_body(payload={"url": "https://example.com", "max_posts": 0}), "max_posts"),
        (_body(payload={"url": "https://example.com", "colour": "red"}), "colour"),
        (_body(created_at="yesterday"), "created_at"),
        (_body(created_at="2026-11-25T10:00:00"), "UTC offset"),
        (_body(message_id="x"), "message_id"),
    ],
)
def test_bad_messages_are_rejected_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(InvalidMessage) as caught:
        Envelope.parse(body, expected_type="scrape.request")
    assert reason in caught.value.message


def test_wrong_type_for_the_queue() -> None:
    env = Envelope.new(
        "job.event",
        {
            "job_id": "abcdefgh",
            "seq": 1,
            "type": "job.queued",
            "at": "2026-01-01T00:00:00Z",
            "data": {},
        },
    )
    with pytest.raises(InvalidMessage, match=r"is not 'scrape\.request'"):
        Envelope.parse(env.to_bytes(), expected_type="scrape.request")


def test_oversized_message() -> None:
    with pytest.raises(InvalidMessage, match="exceeds"):
        Envelope.parse(b" " * (300 * 1024))
