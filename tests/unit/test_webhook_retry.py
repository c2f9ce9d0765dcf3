"""When a failed webhook delivery is tried again."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from postwriter.webhooks.retry import backoff_delay, next_delay, retry_after_seconds

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_the_ceiling_doubles_each_attempt_up_to_the_cap() -> None:
    highest = [backoff_delay(n, 2.0, 600.0, lambda: 1.0) for n in range(1, 12)]
    assert highest[:6] == [2.0, 4.0, 8.0, 16.0, 32.0, 64.0]
    assert highest[-1] == 600.0
    assert all(b >= a for a, b in itertools.pairwise(highest))


def test_jitter_spans_the_upper_half_of_the_ceiling() -> None:
    assert backoff_delay(3, 2.0, 600.0, lambda: 0.0) == 4.0
    assert backoff_delay(3, 2.0, 600.0, lambda: 0.5) == 6.0
    assert backoff_delay(3, 2.0, 600.0, lambda: 1.0) == 8.0


def test_real_jitter_stays_in_bounds_and_varies() -> None:
    delays = {backoff_delay(4, 1.0, 100.0) for _ in range(200)}
    assert all(4.0 <= d <= 8.0 for d in delays)
    assert len(delays) > 100


def test_huge_attempt_numbers_do_not_overflow() -> None:
    assert backoff_delay(10_000, 2.0, 600.0, lambda: 1.0) == 600.0
    assert backoff_delay(0, 2.0, 600.0, lambda: 1.0) == 2.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
    ],
)
def test_retry_after_accepts_seconds_and_http_dates(
    value: str | None, expected: float | None
) -> None:
    assert retry_after_seconds(value, NOW) == expected


def test_retry_after_lengthens_the_wait_on_429_and_503_only() -> None:
    low = lambda: 0.0  # noqa: E731 - the smallest jittered delay: 1.0 s at attempt 1
    assert next_delay(1, 2.0, 600.0, status_code=429, retry_after_s=30, rand=low) == 30.0
    assert next_delay(1, 2.0, 600.0, status_code=503, retry_after_s=30, rand=low) == 30.0
    assert next_delay(1, 2.0, 600.0, status_code=500, retry_after_s=30, rand=low) == 1.0
    assert next_delay(1, 2.0, 600.0, status_code=None, retry_after_s=30, rand=low) == 1.0


def test_retry_after_never_shortens_the_backoff_nor_exceeds_the_cap() -> None:
    high = lambda: 1.0  # noqa: E731
    assert next_delay(5, 2.0, 600.0, status_code=429, retry_after_s=1, rand=high) == 32.0
    assert next_delay(1, 2.0, 600.0, status_code=503, retry_after_s=86400, rand=high) == 600.0
