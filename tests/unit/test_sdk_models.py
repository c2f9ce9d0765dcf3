"""The SDK's models read the API's JSON tolerantly, and errors map from the error body."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from postwriter.sdk import (
    ApiError,
    ApiKey,
    BadRequest,
    Conflict,
    Generation,
    Job,
    JobEvent,
    NotFound,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    UnexpectedResponse,
    Webhook,
    WebhookDelivery,
)
from postwriter.sdk.errors import error_for
from postwriter.sdk.shapes import body, listing


def test_unknown_fields_are_kept_and_known_ones_typed() -> None:
    data = {
        "job_id": "abcdef123456",
        "status": "succeeded",
        "counts": {"posts_found": 3},
        "created_at": "2026-11-25T10:00:00+00:00",
        "finished_at": "2026-11-25T10:01:00Z",
        "brand_new_field": {"x": 1},
    }
    job = Job.from_json(data)
    assert job.job_id == "abcdef123456"
    assert job.created_at == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert job.finished_at == datetime(2026, 11, 25, 10, 1, tzinfo=UTC)
    assert job.extra == {"brand_new_field": {"x": 1}}
    assert job.raw == data
    assert job.is_final


def test_missing_and_null_fields_read_as_none_or_empty() -> None:
    job = Job.from_json({"job_id": "abcdef123456", "counts": None, "since": "not a date"})
    assert job.counts == {}
    assert job.since is None  # unreadable: None here, the text stays in raw
    assert job.raw["since"] == "not a date"
    assert job.url is None
    assert not job.is_final


def test_a_resource_without_its_id_is_an_unexpected_response() -> None:
    with pytest.raises(UnexpectedResponse, match="job_id"):
        Job.from_json({"status": "queued"})
    with pytest.raises(UnexpectedResponse):
        Job.from_json(["not", "an", "object"])


def test_aliases_and_nested_models() -> None:
    hook = Webhook.from_json({"id": "w1", "url": "https://x", "secret": "s3cret"})
    assert hook.webhook_id == "w1"
    assert "s3cret" not in repr(hook)
    delivery = WebhookDelivery.from_json({"delivery_id": "d1", "event": "job.failed"})
    assert delivery.event_type == "job.failed"
    generated = Generation.from_json(
        {
            "idea": "cold brew",
            "drafts": [{"text": "Try it", "checks": [{"name": "length_limit", "status": "pass"}]}],
            "ranked": [{"template_id": "t1", "total": 0.5}],
            "preview": "...",
        }
    )
    assert generated.drafts[0].checks[0].name == "length_limit"
    assert generated.ranked[0].template_id == "t1"
    key = ApiKey.from_json({"key_id": "k1", "key": "pw_secret", "role": "viewer"})
    assert key.key == "pw_secret" and "pw_secret" not in repr(key)


def test_events_know_their_end() -> None:
    final = JobEvent.from_json({"job_id": "j" * 8, "seq": 5, "type": "job.failed", "data": {}})
    assert final.is_final
    assert not JobEvent.from_json({"job_id": "j" * 8, "seq": 6, "type": "analysis.done"}).is_final


def test_listing_reads_items_and_cursor() -> None:
    page = listing(Job, {"jobs": [{"job_id": "a" * 8}], "next_cursor": "c1", "x": 1}, "jobs")
    assert len(page) == 1 and page[0].job_id == "a" * 8
    assert page.next_cursor == "c1" and page.raw["x"] == 1
    assert listing(Job, {"jobs": [], "next_cursor": None}, "jobs").next_cursor is None
    with pytest.raises(UnexpectedResponse):
        listing(Job, {"posts": []}, "jobs")


def test_request_bodies_drop_unset_arguments_and_need_aware_times() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    assert body(url="u", adapter=None, since=when) == {
        "url": "u",
        "since": "2026-01-01T00:00:00+00:00",
    }
    with pytest.raises(ValueError, match="time zone"):
        body(since=datetime(2026, 1, 1))


def test_error_bodies_map_to_exceptions_by_status() -> None:
    standard = {"error": {"code": "invalid_request", "message": "bad", "details": {"field": "url"}}}
    error = error_for(400, standard)
    assert isinstance(error, BadRequest)
    assert (error.status, error.code, error.message, error.field) == (
        400,
        "invalid_request",
        "bad",
        "url",
    )
    assert isinstance(error_for(404, {"error": {"code": "not_found", "message": "x"}}), NotFound)
    assert isinstance(error_for(409, None), Conflict)
    limited = error_for(429, None, {"Retry-After": "3"})
    assert isinstance(limited, RateLimited) and limited.retry_after == 3.0
    assert isinstance(error_for(503, None), ServiceUnavailable)
    assert isinstance(error_for(502, "<html>"), ServerError)
    odd = error_for(418, "<html>", reason="I'm a teapot")
    assert type(odd) is ApiError
    assert (odd.code, odd.message) == ("http_error", "I'm a teapot")
