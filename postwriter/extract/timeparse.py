"""Post times: machine-readable stamps first, the relative texts feeds show as a fallback.

Every result is an aware UTC datetime or None. Unknown text is None, never "now" or
"today": a wrong date is worse than a missing one. Relative texts are read in English,
Hebrew and Polish: the other two are translated word by word into the English forms first.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from postwriter.extract.counts import strip_bidi

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
_NOW_WORDS = {
    "just now", "now", "a moment ago", "moments ago",
    "עכשיו", "כרגע", "ממש עכשיו", "teraz", "przed chwilą", "właśnie teraz",
}  # fmt: skip
# Hebrew and Polish words as feeds show them, each mapped to the English the parsers read.
_WORDS = {
    # Hebrew: "לפני 3 שעות", "3 שע'", "יומיים", "אתמול בשעה 10:00", "12 בנובמבר 2024"
    "דק'": "min", "דקות": "min", "דקה": "1 min", "שע'": "h", "שעות": "h", "שעה": "1 h",
    "ימ'": "d", "ימים": "d", "יום": "1 d", "שב'": "w", "שבועות": "w", "שבוע": "1 w",
    "שנים": "y", "שנה": "1 y", "שעתיים": "2 h", "יומיים": "2 d", "שבועיים": "2 w",
    "שנתיים": "2 y", "אתמול": "yesterday", "היום": "today", "בשעה": "at",
    # Polish: "3 godz.", "2 dni", "wczoraj o 10:00", "12 listopada 2024 o 10:15"
    "sek.": "s", "sek": "s", "min.": "min", "godz.": "h", "godz": "h", "g.": "h",
    "dzień": "d", "dni": "d", "tydz.": "w", "tyg.": "w", "tydzień": "w", "tygodnie": "w",
    "tygodni": "w", "rok": "y", "lata": "y", "lat": "y", "temu": "ago",
    "wczoraj": "yesterday", "dzisiaj": "today", "dziś": "today", "o": "at",
    "stycznia": "january", "lutego": "february", "marca": "march", "kwietnia": "april",
    "maja": "may", "czerwca": "june", "lipca": "july", "sierpnia": "august",
    "września": "september", "października": "october", "listopada": "november",
    "grudnia": "december", "sty": "jan", "lut": "feb", "kwi": "apr", "cze": "jun",
    "lip": "jul", "sie": "aug", "wrz": "sep", "paź": "oct", "lis": "nov", "gru": "dec",
}  # fmt: skip
_HEBREW_MONTHS = (
    "ינואר", "פברואר", "מרץ", "אפריל", "מאי", "יוני", "יולי", "אוגוסט", "ספטמבר",
    "אוקטובר", "נובמבר", "דצמבר",
)  # fmt: skip
_FULL_MONTHS: dict[int, str] = {}
for _name, _number in _MONTHS.items():
    _FULL_MONTHS.setdefault(_number, _name)  # the first name of each month is the full one
for _number, _name in enumerate(_HEBREW_MONTHS, start=1):
    _WORDS[_name] = _WORDS["ב" + _name] = _FULL_MONTHS[_number]  # "12 בנובמבר": "in November"
_HEBREW_AT = re.compile(r"(?<!\w)ב[-\u05be]?(?=\d{1,2}:\d{2})")  # "ב-10:00"
_WORD_RE = re.compile(
    "(?<!\\w)(?:"
    + "|".join(re.escape(w) for w in sorted(_WORDS, key=len, reverse=True))
    + ")(?![\\w'.])"
)
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


def _translate(s: str) -> str:
    """Hebrew and Polish relative texts in the English forms the parsers below read."""
    s = _HEBREW_AT.sub("at ", s)
    s = _WORD_RE.sub(lambda m: _WORDS[m.group()], s)
    return " ".join(s.removeprefix("לפני ").split())


def parse_relative(text: str, fetched_at: datetime, tz: tzinfo = UTC) -> datetime | None:
    """Resolve what a feed shows ("3h", "2 d", "Yesterday at 10:00", "November 3") against
    the moment the page was fetched. Clock times and dates are read in `tz`."""
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    s = " ".join(strip_bidi(text).replace("\u2019", "'").replace("\u05f3", "'").casefold().split())
    if not s:
        return None
    if s in _NOW_WORDS:
        return fetched_at.astimezone(UTC)
    s = _translate(s)
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
