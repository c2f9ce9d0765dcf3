"""A Page's name and follower count, read from its header in the languages users read."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from postwriter.extract.page_info import page_followers, page_name
from tests.fixtures.site.dataset import load_page, shown_value
from tests.fixtures.site.render import render_post_html, render_timeline_html

NOW = datetime(2025, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("handle", ["acmecoffee", "cafeshalom", "annakowalska", "empty"])
def test_fixture_timeline_header(handle: str) -> None:
    page = load_page(handle)
    html = render_timeline_html(page, page.posts, now=NOW, rng=random.Random(7))
    # The header shows the count shortened ("51K", "8.4 אלף"): that is what can be read.
    assert page_followers(html) == shown_value(page.followers)
    assert page_name(html) == page.name


def test_hebrew_fixture_reads_the_hebrew_header() -> None:
    page = load_page("cafeshalom")
    html = render_timeline_html(page, page.posts, now=NOW, rng=random.Random(1))
    assert "עוקבים" in html
    assert page_followers(html) == 8400
    assert page_name(html) == "קפה שלום"


def test_a_single_post_page_has_no_follower_count() -> None:
    page = load_page("acmecoffee")
    html = render_post_html(page, page.posts[0], now=NOW, rng=random.Random(1))
    assert page_followers(html) is None
    assert page_name(html) == "Acme Coffee Roasters"  # from the document title


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("<span>12K followers</span>", 12_000),
        ("<span>1.2M</span> <span>Followers</span>", 1_200_000),
        ("<a href='/acme/followers'>51,230 followers</a>", 51_230),
        ("<span>1 follower</span>", 1),
        ("<span>51,230 people follow this</span>", 51_230),
        ("<span>12K likes</span> · <span>13K followers</span>", 13_000),
        ("<span>\u200f1.2 אלף עוקבים</span>", 1_200),
        ("<span>\u200f8.4 אלף</span> <span>עוקבים</span>", 8_400),
        ("<span>640 עוקבים</span>", 640),
        ("<span>12 tys. obserwujących</span>", 12_000),
        ("<span>1,2 tys. obserwujących</span>", 1_200),
        ("<span>12\u00a0345 obserwujących</span>", 12_345),
        ("<span>3,4 mil seguidores</span>", 3_400),
        ("<span>no count here</span>", None),
        ("<span>followers</span>", None),
    ],
)
def test_follower_counts(snippet: str, expected: int | None) -> None:
    html = f"<html><body><h1>Acme</h1>{snippet}</body></html>"
    assert page_followers(html) == expected


def test_counts_inside_posts_and_scripts_are_not_the_pages() -> None:
    html = (
        "<html><body><h1>Acme</h1>"
        "<div role='article'>We just passed 99K followers!</div>"
        "<script>var x = '77K followers';</script></body></html>"
    )
    assert page_followers(html) is None
    html = html.replace("<h1>Acme</h1>", "<h1>Acme</h1><span>2.5K followers</span>")
    assert page_followers(html) == 2_500


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<html><head><meta property="og:title" content="Acme Coffee">'
            "<title>Other | Facebook</title></head><body><h1>Heading</h1></body></html>",
            "Acme Coffee",
        ),
        ("<html><body><h1>  Acme\n Coffee </h1></body></html>", "Acme Coffee"),
        ("<html><head><title>(3) Acme Coffee | Facebook</title></head></html>", "Acme Coffee"),
        ("<html><head><title>Facebook</title></head></html>", None),
        ("<html><body><div role='article'><h1>A post</h1></div></body></html>", None),
        ("", None),
    ],
)
def test_page_name(html: str, expected: str | None) -> None:
    assert page_name(html) == expected
