"""When to try a request again, and how long to wait first. Pure: no I/O here."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# Methods that change nothing more when repeated. PATCH is here because every PATCH of
# this API sets fields to given values; no route appends or increments.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date.

    None when absent or unreadable; a date in the past gives 0.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        # NaN and infinities are not waits; negative numbers are not either.
        return seconds if 0 <= seconds < float("inf") else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and jitter, or the server's `Retry-After`.

    `max_retries` is the number of retries after the first attempt (0: never retry).
    A `Retry-After` longer than `retry_after_max_s` is not waited for: the error is raised
    at once, so a caller is never parked for minutes without knowing.
    """

    max_retries: int = 3
    backoff_base_s: float = 0.5
    backoff_max_s: float = 20.0
    retry_after_max_s: float = 60.0

    def backoff(self, retry: int, rng: random.Random | None = None) -> float:
        """The wait before retry number `retry` (0 for the first): half fixed, half random.

        The fixed half keeps retries from hammering; the random half spreads many clients
        that failed together.
        """
        ceiling = min(self.backoff_max_s, self.backoff_base_s * (2.0**retry))
        draw = rng.random() if rng is not None else random.random()
        return ceiling / 2 + draw * ceiling / 2

    def delay(
        self, retry: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float | None:
        """Seconds to wait before retry number `retry`, or None when no retry is left."""
        if retry >= self.max_retries:
            return None
        if retry_after is None:
            return self.backoff(retry, rng)
        if retry_after > self.retry_after_max_s:
            return None
        # A little jitter on top of what the server asked, never less than it asked.
        draw = rng.random() if rng is not None else random.random()
        return retry_after + draw * min(1.0, retry_after * 0.1)


def retryable_status(status: int, *, repeat_safe: bool) -> bool:
    """429 is refused before any work, so any request may go again. 503 may come after part
    of the work, so only requests that are safe to repeat go again."""
    if status == 429:
        return True
    return status == 503 and repeat_safe
