"""When to try a failed delivery again: exponential backoff with jitter, and Retry-After."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime

# Statuses whose Retry-After header is honoured (RFC 9110 defines it for these and 3xx).
RETRY_AFTER_STATUSES = frozenset({429, 503})


def backoff_delay(
    attempt: int, base_s: float, cap_s: float, rand: Callable[[], float] = random.random
) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based).

    The ceiling doubles each attempt (`base_s`, `2 base_s`, `4 base_s`, ... up to `cap_s`);
    the delay is drawn from its upper half ("equal jitter"), so retries of many deliveries
    that failed together spread out but none comes back at once.
    """
    ceiling = min(cap_s, base_s * 2.0 ** min(max(attempt, 1) - 1, 60))
    return ceiling / 2.0 + rand() * ceiling / 2.0


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A `Retry-After` header as seconds from `now`: delta-seconds or an HTTP date.

    None when absent or malformed; a date in the past gives 0.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(min(int(text), 10**9))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def next_delay(
    attempt: int,
    base_s: float,
    cap_s: float,
    *,
    status_code: int | None = None,
    retry_after_s: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """The delay before the next attempt: backoff, or longer if the receiver asked for it.

    A receiver's `Retry-After` (on 429 and 503 only) can lengthen the wait up to `cap_s`,
    never shorten it below the backoff.
    """
    delay = backoff_delay(attempt, base_s, cap_s, rand)
    if retry_after_s is not None and status_code in RETRY_AFTER_STATUSES:
        delay = max(delay, min(retry_after_s, cap_s))
    return delay
