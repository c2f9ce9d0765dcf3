"""The per-key token bucket, on a clock the test moves."""

from __future__ import annotations

from postwriter.api.key_limits import KeyLimiter, retry_after_header


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _limiter() -> tuple[KeyLimiter, _Clock]:
    clock = _Clock()
    return KeyLimiter(clock), clock


def test_a_full_bucket_allows_a_minute_of_requests_then_asks_to_wait() -> None:
    limiter, _ = _limiter()
    assert [limiter.take("a", 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("a", 3)
    assert wait == 20.0  # one token per 20 s at 3 per minute
    assert retry_after_header(wait) == "20"


def test_tokens_come_back_with_time_and_keys_are_separate() -> None:
    limiter, clock = _limiter()
    for _ in range(2):
        limiter.take("a", 2)
    assert limiter.take("a", 2) > 0
    assert limiter.take("b", 2) == 0.0
    clock.now += 30.0
    assert limiter.take("a", 2) == 0.0
    assert limiter.take("a", 2) > 0


def test_retry_after_is_at_least_one_second() -> None:
    assert retry_after_header(0.01) == "1"
    assert retry_after_header(1.2) == "2"
