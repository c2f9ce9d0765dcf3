"""Absolute URLs, redirect unwrapping, tracking removal and permalink ids."""

from __future__ import annotations

import pytest

from postwriter.extract.urls import (
    absolute,
    clean_link,
    page_handle,
    permalink_id,
    strip_tracking,
    unwrap_redirect,
)

BASE = "https://www.facebook.com/acmecoffee"


def test_absolute() -> None:
    assert absolute("/acmecoffee/posts/1", BASE) == "https://www.facebook.com/acmecoffee/posts/1"
    assert absolute("javascript:void(0)", BASE) is None
    assert absolute("mailto:a@example.com", BASE) is None
    assert absolute("#", BASE) is None
    assert absolute(None, BASE) is None


def test_unwrap_and_strip() -> None:
    wrapped = (
        "https://l.facebook.com/l.php?u=https%3A%2F%2Facme.coffee%2Fholiday%3Futm_source%3Dfb"
        "%26fbclid%3DIwAR1%26size%3D250g&h=AT0abc&__tn__=-UK-R"
    )
    assert (
        unwrap_redirect(wrapped)
        == "https://acme.coffee/holiday?utm_source=fb&fbclid=IwAR1&size=250g"
    )
    assert clean_link(wrapped, BASE) == "https://acme.coffee/holiday?size=250g"
    assert (
        unwrap_redirect("https://example.com/l.php?u=https://x.y")
        == "https://example.com/l.php?u=https://x.y"
    )
    assert unwrap_redirect("https://l.facebook.com/l.php?u=javascript:alert(1)").startswith(
        "https://l.facebook.com/"
    )


def test_strip_tracking_keeps_real_parameters() -> None:
    url = "https://a.example/p?id=7&utm_medium=x&gclid=1&__cft__[0]=AZ&__tn__=R&q=coffee"
    assert strip_tracking(url) == "https://a.example/p?id=7&q=coffee"
    assert strip_tracking("https://a.example/p") == "https://a.example/p"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.facebook.com/acmecoffee/posts/1093847561203841", "1093847561203841"),
        ("https://www.facebook.com/acmecoffee/posts/pfbid02abcXYZ", "pfbid02abcXYZ"),
        ("https://www.facebook.com/permalink.php?story_fbid=123&id=456", "123"),
        ("https://www.facebook.com/story.php?story_fbid=123&id=456", "123"),
        ("https://www.facebook.com/acmecoffee/videos/789/", "789"),
        ("https://www.facebook.com/acmecoffee/videos/a-slug/789", "789"),
        ("https://www.facebook.com/reel/321", "321"),
        ("https://www.facebook.com/photo?fbid=55&set=a.1", "55"),
        ("https://www.facebook.com/photo/?fbid=55", "55"),
        ("https://www.facebook.com/photo.php?fbid=55", "55"),
        ("https://www.facebook.com/watch/?v=99", "99"),
        ("https://www.facebook.com/groups/brewers/posts/42/", "42"),
        ("https://www.facebook.com/acmecoffee", None),
        ("https://www.facebook.com/hashtag/coffee", None),
        ("https://www.facebook.com/permalink.php?id=456", None),
    ],
)
def test_permalink_ids(url: str, expected: str | None) -> None:
    assert permalink_id(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.facebook.com/acmecoffee", "acmecoffee"),
        ("https://www.facebook.com/acmecoffee/posts/1", "acmecoffee"),
        ("https://www.facebook.com/permalink.php?story_fbid=1&id=456", "456"),
        ("https://www.facebook.com/profile.php?id=1000123", "1000123"),
        ("https://www.facebook.com/reel/321", None),
        ("https://www.facebook.com/", None),
    ],
)
def test_page_handle(url: str, expected: str | None) -> None:
    assert page_handle(url) == expected
