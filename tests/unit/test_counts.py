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
