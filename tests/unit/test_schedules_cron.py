"""Cron expressions of schedules: parsing, the politeness floor, next ticks across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from postwriter.errors import InvalidRequest
from postwriter.schedules import cron
from postwriter.schedules.runner import tick_job_id


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expr", "normalized"),
    [
        ("*/5 * * * *", "*/5 * * * *"),
        ("  0   9 * * 1-5 ", "0 9 * * 1-5"),
        ("0,30 8-18 * * MON-FRI", "0,30 8-18 * * MON-FRI"),
        ("15 3 1 * *", "15 3 1 * *"),
        ("0 0 L * *", "0 0 L * *"),
        ("0 12 * * MON#2", "0 12 * * MON#2"),
        ("55 23 * * *", "55 23 * * *"),
        ("0 0 29 2 *", "0 0 29 2 *"),
        ("@hourly", "@hourly"),
        ("@DAILY", "@daily"),
        ("@weekly", "@weekly"),
    ],
)
def test_valid_expressions_are_accepted(expr: str, normalized: str) -> None:
    assert cron.validate(expr) == normalized


@pytest.mark.parametrize(
    ("expr", "says"),
    [
        ("", "empty"),
        ("0 9 * *", "needs 5 fields"),
        ("0 0 9 * * *", "needs 5 fields"),  # no seconds field
        ("61 * * * *", "minute"),
        ("0 24 * * *", "hour"),
        ("0 0 32 * *", "day-of-month"),
        ("0 0 * 13 *", "month"),
        ("0 0 * * 8", "day-of-week"),
        ("0 0 30 2 *", "day-of-month"),  # never fires
        ("a b c d e", "minute"),
        ("0 9 * * $", "invalid characters"),
        ("@every", "unknown cron alias"),
        ("@reboot", "unknown cron alias"),
        ("0 " * 150, "longer than"),
    ],
)
def test_invalid_expressions_name_the_field(expr: str, says: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        cron.validate(expr)
    assert caught.value.field == "cron"
    assert says in caught.value.message


@pytest.mark.parametrize(
    ("expr", "every"),
    [
        ("* * * * *", "every minute"),
        ("*/2 * * * *", "every 2 minutes"),
        ("*/4 9 * * *", "every 4 minutes"),
        ("0,3 * * * *", "every 3 minutes"),
        ("58,1 * * * *", "every 3 minutes"),  # across the hour: :58 then :01
        ("58,0 9,10 * * *", "every 2 minutes"),
        ("57 23,0 * * *", None),  # 23:57 then 00:57: an hour apart, accepted
        ("59 23 * * *", None),
    ],
)
def test_more_often_than_every_five_minutes_is_refused(expr: str, every: str | None) -> None:
    if every is None:
        cron.validate(expr)
        return
    with pytest.raises(InvalidRequest) as caught:
        cron.validate(expr)
    assert caught.value.field == "cron"
    assert every in caught.value.message
    assert "at most once every 5 minutes" in caught.value.message


def test_the_floor_is_configurable() -> None:
    cron.validate("*/2 * * * *", min_interval=timedelta(minutes=1))
    with pytest.raises(InvalidRequest):
        cron.validate("0 * * * *", min_interval=timedelta(hours=2))


def test_shortest_interval() -> None:
    assert cron.shortest_interval("*/5 * * * *") == timedelta(minutes=5)
    assert cron.shortest_interval("0 * * * *") == timedelta(hours=1)
    assert cron.shortest_interval("0 8,20 * * *") == timedelta(hours=12)
    assert cron.shortest_interval("@daily") == timedelta(hours=24)
    assert cron.shortest_interval("50,5 * * * *") == timedelta(minutes=15)


@pytest.mark.parametrize(
    ("expr", "tz", "after", "expected"),
    [
        ("*/5 * * * *", "UTC", at(2026, 1, 1, 10, 0), at(2026, 1, 1, 10, 5)),  # strictly after
        ("*/5 * * * *", None, at(2026, 1, 1, 10, 2, 30), at(2026, 1, 1, 10, 5)),
        ("@hourly", "UTC", at(2026, 1, 1, 23, 30), at(2026, 1, 2, 0, 0)),
        ("@daily", "Asia/Tokyo", at(2026, 1, 1, 12, 0), at(2026, 1, 1, 15, 0)),
        ("@weekly", "UTC", at(2026, 1, 1, 0, 0), at(2026, 1, 4, 0, 0)),  # next Sunday
        # 09:00 in New York is 14:00 UTC in winter, 13:00 UTC in summer.
        ("0 9 * * *", "America/New_York", at(2026, 1, 15, 0, 0), at(2026, 1, 15, 14, 0)),
        ("0 9 * * *", "America/New_York", at(2026, 7, 15, 0, 0), at(2026, 7, 15, 13, 0)),
        # Spring forward (Berlin, 2026-03-29, 02:00 → 03:00): 02:30 does not exist that day;
        # it fires at 03:00 local, 01:00 UTC.
        ("30 2 * * *", "Europe/Berlin", at(2026, 3, 28, 12, 0), at(2026, 3, 29, 1, 0)),
        # Fall back (Berlin, 2026-10-25, 03:00 → 02:00): 02:30 happens twice; it fires once,
        # at the first (summer time, 00:30 UTC), and next on the 26th at 01:30 UTC.
        ("30 2 * * *", "Europe/Berlin", at(2026, 10, 24, 12, 0), at(2026, 10, 25, 0, 30)),
        ("30 2 * * *", "Europe/Berlin", at(2026, 10, 25, 0, 30), at(2026, 10, 26, 1, 30)),
        # Interval expressions keep real time through the repeated hour.
        ("*/30 * * * *", "Europe/Berlin", at(2026, 10, 25, 0, 30), at(2026, 10, 25, 1, 0)),
        ("*/30 * * * *", "Europe/Berlin", at(2026, 10, 25, 1, 0), at(2026, 10, 25, 1, 30)),
    ],
)
def test_next_after(expr: str, tz: str | None, after: datetime, expected: datetime) -> None:
    got = cron.next_after(expr, tz, after)
    assert got == expected
    assert got.tzinfo is UTC


def test_next_after_accepts_any_aware_datetime() -> None:
    from zoneinfo import ZoneInfo

    after = datetime(2026, 1, 1, 11, 0, tzinfo=ZoneInfo("Europe/Paris"))  # 10:00 UTC
    assert cron.next_after("0 * * * *", "UTC", after) == at(2026, 1, 1, 11, 0)
    with pytest.raises(ValueError, match="aware"):
        cron.next_after("0 * * * *", "UTC", datetime(2026, 1, 1))


@pytest.mark.parametrize("name", ["Mars/Olympus", "../../etc/passwd", "x" * 100, 5])
def test_unknown_time_zones_are_refused(name: object) -> None:
    with pytest.raises(InvalidRequest) as caught:
        cron.zone(name)  # type: ignore[arg-type]
    assert caught.value.field == "timezone"


def test_default_time_zone_is_utc() -> None:
    assert cron.zone(None).key == "UTC"
    assert cron.zone("").key == "UTC"


def test_tick_job_ids_are_deterministic_and_distinct() -> None:
    due = at(2026, 1, 1, 10, 0)
    same = tick_job_id("sched-1", due.astimezone(cron.zone("Asia/Tokyo")))
    assert tick_job_id("sched-1", due) == same
    assert len(same) == 32 and same.isalnum()
    assert tick_job_id("sched-1", due + timedelta(minutes=5)) != same
    assert tick_job_id("sched-2", due) != same
