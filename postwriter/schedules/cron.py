"""Cron expressions for schedules: validation, the politeness floor, and the next tick.

Five fields (minute hour day-of-month month day-of-week), evaluated by `cronsim` in the
schedule's own IANA time zone, plus the aliases in `ALIASES`. Ticks are returned in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from postwriter.errors import InvalidRequest

# Politeness: no schedule may fire more often than this (a scrape hits someone's site).
MIN_INTERVAL = timedelta(minutes=5)
DEFAULT_TIMEZONE = "UTC"
MAX_EXPRESSION_CHARS = 200

ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
_ALLOWED = re.compile(r"^[0-9A-Za-z*/,#\-]+$")
# Any fixed instant works as the parse anchor: only the field sets are read from it.
_ANCHOR = datetime(2000, 1, 1, tzinfo=UTC)


def expand(expr: str) -> str:
    """The five-field form of an expression or alias; `InvalidRequest` when it is not one."""
    if not isinstance(expr, str):
        raise InvalidRequest("cron must be a string", field="cron")
    text = " ".join(expr.split())
    if not text:
        raise InvalidRequest("cron is empty", field="cron")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise InvalidRequest(f"cron is longer than {MAX_EXPRESSION_CHARS} characters", field="cron")
    if text.startswith("@"):
        alias = ALIASES.get(text.lower())
        if alias is None:
            known = ", ".join(sorted(ALIASES))
            raise InvalidRequest(f"unknown cron alias {text!r} (known: {known})", field="cron")
        return alias
    parts = text.split(" ")
    if len(parts) != len(_FIELDS):
        raise InvalidRequest(
            f"cron needs 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}",
            field="cron",
        )
    for name, part in zip(_FIELDS, parts, strict=True):
        if not _ALLOWED.match(part):
            raise InvalidRequest(f"cron {name} field {part!r} has invalid characters", field="cron")
    return text


@lru_cache(maxsize=512)
def _parsed(five_fields: str) -> CronSim:
    try:
        return CronSim(five_fields, _ANCHOR)
    except (CronSimError, ValueError, IndexError) as exc:
        reason = (str(exc) or "invalid expression").lower()
        if reason.startswith("bad "):
            reason = f"{reason} field is out of range or malformed"
        raise InvalidRequest(f"cron {five_fields!r}: {reason}", field="cron") from None


def zone(name: str | None) -> ZoneInfo:
    """The IANA time zone `name` (default UTC); `InvalidRequest` with field `timezone`."""
    key = DEFAULT_TIMEZONE if name is None or name == "" else name
    if not isinstance(key, str) or len(key) > 64:
        raise InvalidRequest("timezone must be an IANA name such as Europe/Paris", field="timezone")
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidRequest(
            f"unknown timezone {key!r} (use an IANA name such as Europe/Paris)", field="timezone"
        ) from None


def shortest_interval(expr: str) -> timedelta:
    """The shortest gap between two consecutive ticks of `expr`, read from its fields.

    Within an hour it is the smallest gap between listed minutes; across an hour boundary
    (when two consecutive hours are listed, 23 → 0 included) it is the gap from the last
    minute of one hour to the first of the next. Days are assumed consecutive, which can
    only over-estimate how often the expression fires: the check errs on the safe side.
    """
    sim = _parsed(expand(expr))
    minutes = sorted(sim.minutes)
    hours = set(sim.hours)
    gaps = [b - a for a, b in pairwise(minutes)]
    if any((h + 1) % 24 in hours for h in hours):
        gaps.append(60 - minutes[-1] + minutes[0])
    if gaps:
        return timedelta(minutes=min(gaps))
    # One minute in non-adjacent hours: at least two hours apart.
    ordered = sorted(hours)
    hour_gaps = [b - a for a, b in pairwise(ordered)]
    hour_gaps.append(24 - ordered[-1] + ordered[0])
    return timedelta(hours=min(hour_gaps))


def validate(expr: str, *, min_interval: timedelta = MIN_INTERVAL) -> str:
    """Check an expression and return its normalized form (aliases kept as written).

    Raises `InvalidRequest(field="cron")` for a malformed expression, one that can never
    fire, or one that would fire more often than `min_interval`.
    """
    five = expand(expr)
    _parsed(five)
    gap = shortest_interval(five)
    if gap < min_interval:
        raise InvalidRequest(
            f"cron {five!r} fires every {_minutes(gap)}; schedules may fire at most once "
            f"every {_minutes(min_interval)}",
            field="cron",
        )
    text = " ".join(expr.split())
    if text.startswith("@"):
        text = text.lower()
    # An expression that parses but matches no date at all (e.g. 30 February).
    next_after(text, DEFAULT_TIMEZONE, _ANCHOR)
    return text


def next_after(expr: str, tz: str | None, after: datetime) -> datetime:
    """The first tick of `expr` in time zone `tz` strictly after `after`, in UTC.

    Wall-clock times skipped by a DST change fire at the first valid minute after the gap;
    a wall-clock time repeated by a DST change fires once, at its first occurrence.
    """
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("after must be an aware datetime")
    five = expand(expr)
    _parsed(five)
    local = after.astimezone(zone(tz))
    try:
        tick = next(iter(CronSim(five, local)))
    except (CronSimError, StopIteration):
        raise InvalidRequest(f"cron {five!r} never fires", field="cron") from None
    return tick.astimezone(UTC)


def _minutes(gap: timedelta) -> str:
    minutes = int(gap.total_seconds() // 60)
    return "minute" if minutes == 1 else f"{minutes} minutes"
