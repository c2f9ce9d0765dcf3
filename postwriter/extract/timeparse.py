"""Post times: machine-readable stamps first, the relative texts feeds show as a fallback.

Every result is an aware UTC datetime or None. Unknown text is None, never "now" or
"today": a wrong date is worse than a missing one.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "wk": 604800, "wks": 604800, "week": 604800, "weeks": 604800,
    "y": 31536000, "yr": 31536000, "yrs": 31536000, "year": 31536000, "years": 31536000,
}  # fmt: skip
_NOW_WORDS = {"just now", "now", "a moment ago", "moments ago", "עכשיו"}
_AGO = re.compile(r"(?:(?P<n>\d+)\s*|(?P<one>an?)\s+)(?P<unit>[a-z]+)(?:\s+ago)?")
_CLOCK = r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?"
_DAY_WORD = re.compile(rf"(?P<word>yesterday|today)(?:\s+at\s+{_CLOCK})?")
_MONTH_DAY = re.compile(
    rf"(?:(?P<month>[a-z]+)\.?\s+(?P<day>\d{{1,2}})|(?P<day2>\d{{1,2}})\s+(?P<month2>[a-z]+)\.?)"
    rf"(?:,?\s+(?P<year>\d{{4}}))?(?:,?\s+at\s+{_CLOCK})?"
)


def from_unix(value: str | int | float) -> datetime | None:
    """`data-utime` and the like: seconds (or milliseconds) since the epoch."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    if seconds > 1e11:  # milliseconds
        seconds /= 1000
    if not 0 < seconds < 1e10:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def from_iso(value: str) -> datetime | None:
    """`<time datetime>`, JSON-LD dates. A time without an offset is taken as UTC; a bare
    date as midnight UTC."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text), time())
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _clock(m: re.Match[str]) -> time | None:
    if m.group("hour") is None:
        return time()
    hour, minute = int(m.group("hour")), int(m.group("minute") or 0)
    ampm = (m.group("ampm") or "").replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_relative(text: str, fetched_at: datetime, tz: tzinfo = UTC) -> datetime | None:
    """Resolve what a feed shows ("3h", "2 d", "Yesterday at 10:00", "November 3") against
    the moment the page was fetched. Clock times and dates are read in `tz`."""
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    s = " ".join(text.strip().casefold().split())
    if not s:
        return None
    if s in _NOW_WORDS:
        return fetched_at.astimezone(UTC)
    local_now = fetched_at.astimezone(tz)
    m = _AGO.fullmatch(s)
    if m and m.group("unit") in _UNITS:
        n = int(m.group("n")) if m.group("n") else 1
        return (fetched_at - timedelta(seconds=n * _UNITS[m.group("unit")])).astimezone(UTC)
    m = _DAY_WORD.fullmatch(s)
    if m:
        clock = _clock(m)
        if clock is None:
            return None
        day = local_now.date() - timedelta(days=1 if m.group("word") == "yesterday" else 0)
        return datetime.combine(day, clock, tz).astimezone(UTC)
    m = _MONTH_DAY.fullmatch(s)
    if m:
        month = _MONTHS.get(m.group("month") or m.group("month2") or "")
        clock = _clock(m)
        if month is None or clock is None:
            return None
        day_of_month = int(m.group("day") or m.group("day2"))
        year = int(m.group("year")) if m.group("year") else local_now.year
        try:
            when = datetime.combine(date(year, month, day_of_month), clock, tz)
        except ValueError:
            return None
        if not m.group("year") and when > local_now + timedelta(days=1):
            # "December 30" read on January 2 is last year's.
            try:
                when = when.replace(year=year - 1)
            except ValueError:
                return None
        return when.astimezone(UTC)
    return None


def resolve_time(
    *,
    utime: str | None = None,
    iso: str | None = None,
    text: str | None = None,
    fetched_at: datetime,
    tz: tzinfo = UTC,
) -> datetime | None:
    """The best time available: machine-readable first, then the visible text."""
    if utime:
        found = from_unix(utime)
        if found:
            return found
    if iso:
        found = from_iso(iso)
        if found:
            return found
    return parse_relative(text, fetched_at, tz) if text else None
