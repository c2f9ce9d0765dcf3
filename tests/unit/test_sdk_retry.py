"""The SDK's retry policy as pure functions: Retry-After parsing, backoff bounds, what retries."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from postwriter.sdk.retry import RetryPolicy, parse_retry_after, retryable_status

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), (" 2 ", 2.0), ("0", 0.0), ("1.5", 1.5)],
)
def test_retry_after_in_seconds(header: str, seconds: float) -> None:
    assert parse_retry_after(header, NOW) == seconds


def test_retry_after_as_an_http_date() -> None:
    later = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, NOW) == 30.0
    earlier = format_datetime(NOW - timedelta(minutes=5), usegmt=True)
    assert parse_retry_after(earlier, NOW) == 0.0


@pytest.mark.parametrize("header", [None, "", "soon", "-3", "nan", "inf", "Mon, 99 Foo"])
def test_unreadable_retry_after_is_none(header: str | None) -> None:
    assert parse_retry_after(header, NOW) is None


def test_backoff_grows_exponentially_within_jitter_bounds_and_is_capped() -> None:
    policy = RetryPolicy(max_retries=10, backoff_base_s=1.0, backoff_max_s=8.0)
    rng = random.Random(1)
    for retry, ceiling in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (4, 8.0), (9, 8.0)]:
        for _ in range(50):
            wait = policy.delay(retry, rng=rng)
            assert wait is not None
            assert ceiling / 2 <= wait <= ceiling


def test_jitter_spreads_the_waits() -> None:
    policy = RetryPolicy(backoff_base_s=1.0)
    rng = random.Random(2)
    waits = {policy.delay(1, rng=rng) for _ in range(20)}
    assert len(waits) > 10


def test_no_delay_once_the_retries_are_spent() -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.delay(0) is not None
    assert policy.delay(1) is not None
    assert policy.delay(2) is None
    assert RetryPolicy(max_retries=0).delay(0) is None


def test_retry_after_is_honoured_never_shortened_and_bounded() -> None:
    policy = RetryPolicy(max_retries=3, retry_after_max_s=60.0)
    rng = random.Random(3)
    for _ in range(50):
        wait = policy.delay(0, retry_after=5.0, rng=rng)
        assert wait is not None
        assert 5.0 <= wait <= 5.5
    assert policy.delay(0, retry_after=0.0, rng=rng) == 0.0
    # Longer than the caller accepts to wait: give up now rather than hang.
    assert policy.delay(0, retry_after=61.0) is None
    assert policy.delay(3, retry_after=1.0) is None


def test_which_statuses_are_retried() -> None:
    assert retryable_status(429, repeat_safe=False)
    assert retryable_status(429, repeat_safe=True)
    assert retryable_status(503, repeat_safe=True)
    assert not retryable_status(503, repeat_safe=False)
    for status in (400, 401, 403, 404, 409, 500, 502):
        assert not retryable_status(status, repeat_safe=True)
