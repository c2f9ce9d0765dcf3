"""Delivery identity, source filters and the JSON bodies receivers get."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from postwriter.models.job import JobEvent
from postwriter.webhooks.models import (
    DeliveryStatus,
    delivery_id_for,
    event_body,
    event_key,
    ping_body,
    public_delivery,
    public_webhook,
    secret_aad,
    source_matches,
)

AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
EVENT = JobEvent("job0000001", 7, "job.succeeded", AT, {"counts": {"posts_new": 3}})


def test_one_delivery_per_webhook_and_event() -> None:
    first = delivery_id_for("w1", event_key(EVENT))
    assert first == delivery_id_for("w1", "job0000001:7")
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != delivery_id_for("w2", event_key(EVENT))
    assert first != delivery_id_for("w1", "job0000001:8")
    # The separator keeps ("w1", "2:x") and ("w12", ":x") apart.
    assert delivery_id_for("w1", "2:x") != delivery_id_for("w12", ":x")


def test_no_sources_admit_every_job_and_prefixes_filter() -> None:
    assert source_matches([], None)
    assert source_matches([], "https://x.test/a")
    sources = ["https://www.facebook.com/acme", "https://blog.acme.test/"]
    assert source_matches(sources, "https://www.facebook.com/acme")
    assert source_matches(sources, "https://blog.acme.test/feed.xml")
    assert not source_matches(sources, "https://www.facebook.com/other")
    assert not source_matches(sources, None)


def test_the_event_body_carries_the_event_and_its_job() -> None:
    job = {
        "_id": "job0000001",
        "url": "https://blog.acme.test/",
        "adapter": "feed",
        "status": "succeeded",
    }
    text = event_body("d1", "w1", EVENT, job)
    assert text == event_body("d1", "w1", EVENT, job)  # the same bytes on every attempt
    body = json.loads(text)
    assert body == {
        "id": "d1",
        "type": "job.succeeded",
        "occurred_at": AT.isoformat(),
        "webhook_id": "w1",
        "job": {
            "job_id": "job0000001",
            "seq": 7,
            "url": "https://blog.acme.test/",
            "adapter": "feed",
            "status": "succeeded",
        },
        "data": {"counts": {"posts_new": 3}},
    }


def test_an_event_of_a_vanished_job_still_has_a_body() -> None:
    body = json.loads(event_body("d1", "w1", EVENT, None))
    assert body["job"]["job_id"] == "job0000001"
    assert body["job"]["url"] is None


def test_ping_body() -> None:
    body = json.loads(ping_body("d2", "w1", AT))
    assert body["type"] == "webhook.ping" and body["job"] is None and body["id"] == "d2"


def test_secrets_are_bound_to_their_webhook() -> None:
    assert secret_aad("a") != secret_aad("b")


def test_public_webhook_never_shows_the_sealed_secret() -> None:
    doc = {
        "_id": "w1",
        "url": "https://hooks.test/x",
        "events": ["job.failed"],
        "enabled": True,
        "created_at": AT,
        "updated_at": AT,
        "secret": {"current": {"ciphertext": b"x"}, "previous": None, "rotated_at": None},
    }
    out = public_webhook(doc)
    assert "secret" not in out
    assert out["sources"] == [] and out["description"] == ""
    assert out["created_at"] == AT.isoformat()


def test_a_finished_delivery_has_no_next_attempt() -> None:
    doc = {
        "_id": "d1",
        "webhook_id": "w1",
        "event_type": "job.failed",
        "job_id": "j",
        "status": DeliveryStatus.FAILED.value,
        "attempts": [{"attempt": 1, "started_at": AT, "duration_ms": 3, "status_code": 500}],
        "next_attempt_at": AT,
        "created_at": AT,
        "finished_at": AT,
    }
    out = public_delivery(doc)
    assert out["next_attempt_at"] is None
    assert out["attempt_count"] == 1
    assert out["attempts"][0]["error"] is None and out["attempts"][0]["status_code"] == 500
    assert public_delivery({**doc, "status": "pending"})["next_attempt_at"] == AT.isoformat()
