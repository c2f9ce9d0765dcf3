"""Machine-readable and relative post times, resolved against a fixed fetched_at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from postwriter.extract.timeparse import from_iso, from_unix, parse_relative, resolve_time

FETCHED = datetime(2025, 1, 2, 12, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("just now", FETCHED),
        ("Just now", FETCHED),
        ("3h", FETCHED - timedelta(hours=3)),
        ("2 d", FETCHED - timedelta(days=2)),
        ("5m", FETCHED - timedelta(minutes=5)),
        ("5 mins ago", FETCHED - timedelta(minutes=5)),
        ("an hour ago", FETCHED - timedelta(hours=1)),
        ("1w", FETCHED - timedelta(weeks=1)),
        ("Yesterday at 10:00", utc(2025, 1, 1, 10, 0)),
        ("Yesterday at 10:00 PM", utc(2025, 1, 1, 22, 0)),
        ("Today at 9:05 am", utc(2025, 1, 2, 9, 5)),
        ("November 3", utc(2024, 11, 3)),  # no year, and in the future this year: last year
        ("January 1", utc(2025, 1, 1)),
        ("Nov 3, 2023", utc(2023, 11, 3)),
        ("3 November", utc(2024, 11, 3)),
        ("March 3 at 9:15 AM", utc(2024, 3, 3, 9, 15)),
    ],
)
def test_relative_texts(text: str, expected: datetime) -> None:
    assert parse_relative(text, FETCHED) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Polish
        ("Teraz", FETCHED),
        ("przed chwilą", FETCHED),
        ("25 min", FETCHED - timedelta(minutes=25)),
        ("3 godz.", FETCHED - timedelta(hours=3)),
        ("3 godz. temu", FETCHED - timedelta(hours=3)),
        ("1 dzień", FETCHED - timedelta(days=1)),
        ("6 dni", FETCHED - timedelta(days=6)),
        ("2 tyg.", FETCHED - timedelta(weeks=2)),
        ("Wczoraj o 10:00", utc(2025, 1, 1, 10, 0)),
        ("dzisiaj o 9:05", utc(2025, 1, 2, 9, 5)),
        ("2 listopada", utc(2024, 11, 2)),
        ("2 listopada o 14:30", utc(2024, 11, 2, 14, 30)),
        ("24 grudnia 2023", utc(2023, 12, 24)),
        ("3 maja 2024 o 8:15", utc(2024, 5, 3, 8, 15)),
        # Hebrew
        ("עכשיו", FETCHED),
        ("5 דק׳", FETCHED - timedelta(minutes=5)),
        ("3 שע'", FETCHED - timedelta(hours=3)),
        ("\u200f3 שעות", FETCHED - timedelta(hours=3)),
        ("לפני 3 שעות", FETCHED - timedelta(hours=3)),
        ("לפני שעה", FETCHED - timedelta(hours=1)),
        ("שעתיים", FETCHED - timedelta(hours=2)),
        ("יומיים", FETCHED - timedelta(days=2)),
        ("4 ימ׳", FETCHED - timedelta(days=4)),
        ("אתמול בשעה 10:00", utc(2025, 1, 1, 10, 0)),
        ("אתמול ב-22:15", utc(2025, 1, 1, 22, 15)),
        ("12 בנובמבר", utc(2024, 11, 12)),
        ("3 במאי 2023 בשעה 9:00", utc(2023, 5, 3, 9, 0)),
    ],
)
def test_hebrew_and_polish_relative_texts(text: str, expected: datetime) -> None:
    assert parse_relative(text, FETCHED) == expected


@pytest.mark.parametrize(
    "text",
    [
        "", "garbage", "am", "13:00", "February 30", "Yesterday at 25:00", "Smarch 3",
        "lat", "o 10", "31 lutego", "לפני", "godz.",
    ],
)  # fmt: skip
def test_unknown_text_is_none_never_today(text: str) -> None:
    assert parse_relative(text, FETCHED) is None


def test_clock_times_read_in_the_given_zone() -> None:
    tel_aviv = timezone(timedelta(hours=2))
    assert parse_relative("Yesterday at 10:00", FETCHED, tel_aviv) == utc(2025, 1, 1, 8, 0)


def test_fetched_at_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_relative("3h", datetime(2025, 1, 2, 12, 0))


def test_machine_times() -> None:
    assert from_unix("1762178700") == utc(2025, 11, 3, 14, 5)
    assert from_unix("1762178700000") == utc(2025, 11, 3, 14, 5)  # milliseconds
    assert from_unix("soon") is None
    assert from_iso("2025-11-18T09:00:00+01:00") == utc(2025, 11, 18, 8, 0)
    assert from_iso("2025-11-18T09:00:00Z") == utc(2025, 11, 18, 9, 0)
    assert from_iso("2025-10-02") == utc(2025, 10, 2)
    assert from_iso("last week") is None


def test_machine_time_beats_text() -> None:
    assert resolve_time(utime="1762178700", text="3h", fetched_at=FETCHED) == utc(
        2025, 11, 3, 14, 5
    )
    assert resolve_time(iso="bad", text="3h", fetched_at=FETCHED) == FETCHED - timedelta(hours=3)
    assert resolve_time(fetched_at=FETCHED) is None
