"""Pure parts of politeness: domain keys, window arithmetic, backoff, robots semantics."""

from __future__ import annotations

from typing import Any, cast

import pytest
from pymongo.asynchronous.collection import AsyncCollection

from postwriter.politeness.domains import domain_key
from postwriter.politeness.ratelimit import (
    DomainRateLimiter,
    Windows,
    backoff_delay,
    next_slot,
    prune,
)
from postwriter.politeness.robots import ALLOW_ALL, DISALLOW_ALL, PARSE, origin_of, rule_for_status


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("facebook.com", "facebook.com"),
        ("www.facebook.com", "facebook.com"),
        ("m.facebook.com", "facebook.com"),
        ("https://WWW.Facebook.COM/acme?x=1", "facebook.com"),
        ("https://he-il.facebook.com:443/acme", "facebook.com"),
        ("web.facebook.com.", "facebook.com"),
        ("blog.example.co.uk", "example.co.uk"),
        ("shop.example.co.il", "example.co.il"),
        ("http://127.0.0.1:8080/acme", "127.0.0.1"),
        ("http://[::1]:8080/", "::1"),
        ("localhost:9000", "localhost"),
    ],
)
def test_domain_key(value: str, key: str) -> None:
    assert domain_key(value) == key


def test_domain_key_needs_a_host() -> None:
    with pytest.raises(ValueError, match="no host"):
        domain_key("https:///nothing")


W = Windows(per_window=3, window_s=60.0, per_long=5, long_s=3600.0)


def test_next_slot_free_below_limits() -> None:
    assert next_slot([], 100.0, W) == 100.0
    assert next_slot([90.0, 95.0], 100.0, W) == 100.0


def test_next_slot_waits_for_oldest_in_short_window() -> None:
    # Three grants in the last minute: the next one when the first leaves the window.
    assert next_slot([50.0, 70.0, 90.0], 100.0, W) == 110.0


def test_next_slot_waits_for_long_window() -> None:
    grants = [0.0, 100.0, 200.0, 300.0, 400.0]
    assert next_slot(grants, 500.0, W) == 3600.0


def test_next_slot_never_before_newest_grant() -> None:
    # A grant stamped ahead of this process's clock (skew) is never overtaken.
    assert next_slot([105.0], 100.0, W) == 105.0


def test_next_slot_keeps_the_spacing() -> None:
    spaced = Windows(per_window=20, window_s=60.0, per_long=300, long_s=3600.0, spacing_s=3.0)
    assert next_slot([90.0], 100.0, spaced) == 100.0
    assert next_slot([99.0], 100.0, spaced) == 102.0


def test_prune_keeps_what_can_matter() -> None:
    grants = [float(t) for t in range(0, 4000, 100)]
    kept = prune(grants, 4000.0, W)
    assert kept == [3500.0, 3600.0, 3700.0, 3800.0, 3900.0]


def test_backoff_doubles_from_30_s_to_30_min() -> None:
    delays = [backoff_delay(n, 30.0, 1800.0) for n in range(0, 10)]
    assert delays == [0.0, 30.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1800.0, 1800.0, 1800.0]
    assert backoff_delay(10_000, 30.0, 1800.0) == 1800.0


@pytest.mark.parametrize(
    ("status", "rule"),
    [
        (200, PARSE),
        (204, PARSE),
        (301, ALLOW_ALL),
        (401, ALLOW_ALL),
        (403, ALLOW_ALL),
        (404, ALLOW_ALL),
        (410, ALLOW_ALL),
        (429, DISALLOW_ALL),
        (500, DISALLOW_ALL),
        (503, DISALLOW_ALL),
    ],
)
def test_robots_status_semantics(status: int, rule: str) -> None:
    assert rule_for_status(status) == rule


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://www.facebook.com/acme?x=1", "https://www.facebook.com"),
        ("HTTPS://WWW.Example.COM:443/a", "https://www.example.com"),
        ("http://example.com:80/", "http://example.com"),
        ("http://127.0.0.1:8080/a", "http://127.0.0.1:8080"),
        ("http://[::1]:8080/a", "http://[::1]:8080"),
    ],
)
def test_origin_of(url: str, origin: str) -> None:
    assert origin_of(url) == origin


@pytest.mark.parametrize("url", ["ftp://example.com/", "about:blank", "file:///etc/passwd"])
def test_origin_of_rejects_other_schemes(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        origin_of(url)


def test_limits_are_validated() -> None:
    # Validation happens before the collection is touched: a stand-in is enough.
    collection = cast("AsyncCollection[dict[str, Any]]", object())
    with pytest.raises(ValueError, match="at least 1"):
        DomainRateLimiter(collection, per_minute=0, per_hour=1)
    with pytest.raises(ValueError, match="at most"):
        DomainRateLimiter(collection, per_minute=1, per_hour=1_000_000)
    with pytest.raises(ValueError, match="backoff"):
        DomainRateLimiter(collection, per_minute=1, per_hour=1, backoff_min_s=60, backoff_max_s=30)
    with pytest.raises(ValueError, match="min_interval_s"):
        DomainRateLimiter(collection, per_minute=1, per_hour=1, min_interval_s=-1)
