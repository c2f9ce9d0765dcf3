"""Counts as feeds show them, in the languages PostWriter's users read."""

from __future__ import annotations

import pytest

from postwriter.extract.counts import parse_count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("87", 87),
        ("0", 0),
        ("1,234", 1234),
        ("1.234", 1234),
        ("1 234", 1234),
        ("1\u00a0234 komentarze", 1234),
        ("1,234,567", 1234567),
        ("1.2K", 1200),
        ("1,2K", 1200),
        ("1.2k", 1200),
        ("1K comments", 1000),
        ("3.4M", 3400000),
        ("1.25M", 1250000),
        ("2B", 2000000000),
        ("12K views", 12000),
        ("45 comments", 45),
        ("1 comment", 1),
        ("1.1K shares", 1100),
        ("All reactions: 1,234", 1234),
        ("All reactions: 18K", 18000),
        ("1,2 tys.", 1200),
        ("3 tys. wyświetleń", 3000),
        ("1.2 אלף", 1200),
        ("1.2 אלף צפיות", 1200),
        ("2,5 mil", 2500),
        ("4,1 mln", 4100000),
        ("12 345", 12345),
        # Right-to-left pages put direction marks around numbers.
        ("\u200f45 תגובות", 45),
        ("\u200f1.5 אלף תגובות", 1500),
        ("כל הרגשות: \u200e18 אלף", 18000),
        ("245 אלף צפיות", 245000),
        ("1.2 מיליון", 1200000),
        ("\u202b1,234\u202c", 1234),
        # Polish, as a profile shows it.
        ("1,2 tys. komentarzy", 1200),
        ("Wszystkie reakcje: 1\u00a0234", 1234),
        ("3,4 tys. wyświetleń", 3400),
        ("Lubię to!: 1,1 tys. osób", 1100),
        ("2,5 mln", 2500000),
        ("▲ 1.5K", 1500),
        ("1,534 upvotes", 1534),
    ],
)
def test_counts_are_read(text: str, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "garbage",
        "comments",
        "K",
        "Like",
        "1.5",  # a fraction without a multiplier is no count
        "v2.0",  # no number glued to letters
        "12Kx",
        "abc123",
        "5m",  # minutes in a feed, not millions
        "1.2.3",
    ],
)
def test_garbage_is_none(text: str) -> None:
    assert parse_count(text) is None


def test_first_count_wins() -> None:
    assert parse_count("45 comments · 12 shares") == 45
