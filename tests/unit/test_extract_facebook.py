"""The Facebook adapter against the fixture timeline, rendered without a browser."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from postwriter.extract.facebook import FacebookAdapter, reaction_type
from tests.fixtures.site.blog import render_article_html
from tests.fixtures.site.dataset import FixturePage, load_page
from tests.fixtures.site.expected import expected_posts, truncated_text
from tests.fixtures.site.render import permalink_path, render_post_html, render_timeline_html

BASE = "http://127.0.0.1:8081"
PAGE_URL = f"{BASE}/acmecoffee"
NOW = datetime(2025, 11, 21, 0, 0, tzinfo=UTC)
PAGE = load_page("acmecoffee")
ADAPTER = FacebookAdapter()


def timeline(*, expanded: bool = True, seed: int = 1) -> str:
    return render_timeline_html(
        PAGE, PAGE.posts, now=NOW, rng=random.Random(seed), expanded=expanded
    )


def extract(html: str, url: str = PAGE_URL) -> list[dict[str, Any]]:
    return [p.to_json() for p in ADAPTER.extract(html, url=url, fetched_at=NOW)]


@pytest.fixture(scope="module")
def extracted() -> list[dict[str, Any]]:
    return extract(timeline())


def test_every_post_field_by_field(extracted: list[dict[str, Any]]) -> None:
    expected = expected_posts(BASE)
    assert len(expected) == 24
    assert [p["external_id"] for p in extracted] == [p["external_id"] for p in expected]
    for got, want in zip(extracted, expected, strict=True):
        for field in want:
            assert got[field] == want[field], (want["external_id"], field)


def _page_timeline(page: FixturePage, *, expanded: bool = True) -> list[dict[str, Any]]:
    html = render_timeline_html(page, page.posts, now=NOW, rng=random.Random(3), expanded=expanded)
    return extract(html, BASE + page.path)


@pytest.mark.parametrize("handle", ["cafeshalom", "annakowalska"])
def test_other_locales_field_by_field(handle: str) -> None:
    """A Hebrew (right-to-left) Page and a Polish person's profile, with their own count
    words, reaction names and, on the profile, nothing but relative times."""
    page = load_page(handle)
    extracted = _page_timeline(page)
    expected = expected_posts(BASE, handle, now=NOW)
    assert len(expected) == 6
    assert [p["external_id"] for p in extracted] == [p["external_id"] for p in expected]
    for got, want in zip(extracted, expected, strict=True):
        for field in want:
            assert got[field] == want[field], (want["external_id"], field)


def test_hebrew_page_counts_reactions_and_sponsored() -> None:
    page = load_page("cafeshalom")
    by_id = {p["external_id"]: p for p in _page_timeline(page)}
    reel = by_id["1220000000000102"]["metrics"]
    # "‏1.5 אלף תגובות", "‏245 אלף צפיות", "כל הרגשות: 18 אלף", "אהבתי: ‏15,200 אנשים"
    assert reel["comments"] == 1500
    assert reel["views"] == 245000
    assert reel["reactions"] == 18000
    assert reel["reactions_by_type"] == {"like": 15200, "love": 3100, "wow": 400}
    assert by_id["1120000000000106"]["metrics"]["comments"] == 1  # "‏1 תגובה"
    assert [i for i, p in by_id.items() if p["is_sponsored"]] == ["1120000000000104"]  # ממומן
    assert by_id["1120000000000101"]["links"] == ["https://cafeshalom.co.il/winter"]
    assert by_id["1120000000000103"]["mentions"] == ["acmecoffee"]
    assert "דנה לוי" not in str(by_id["1120000000000103"])  # the comment stays out


def test_hebrew_see_more_truncation() -> None:
    page = load_page("cafeshalom")
    cut = [p for p in page.posts if p.truncated]
    assert cut
    by_id = {p["external_id"]: p for p in _page_timeline(page, expanded=False)}
    for post in cut:
        text = by_id[post.id]["text"]
        assert text == truncated_text(post.id, "cafeshalom")
        assert "ראה עוד" not in text


def test_profile_relative_times_resolve_against_fetched_at() -> None:
    page = load_page("annakowalska")
    got = {p["external_id"]: p["published_at"] for p in _page_timeline(page)}
    # "25 min", "2 godz.", "1 dzień", "6 dni", "2 listopada", "24 grudnia 2024"
    assert list(got.values()) == [
        (NOW - timedelta(minutes=25)).isoformat(),
        (NOW - timedelta(hours=2)).isoformat(),
        (NOW - timedelta(days=1)).isoformat(),
        (NOW - timedelta(days=6)).isoformat(),
        datetime(2025, 11, 2, tzinfo=UTC).isoformat(),
        datetime(2024, 12, 24, tzinfo=UTC).isoformat(),
    ]
    later = NOW + timedelta(hours=5)
    html = render_timeline_html(page, page.posts[:1], now=later, rng=random.Random(1))
    (post,) = ADAPTER.extract(html, url=BASE + page.path, fetched_at=later)
    # 5 h 25 min after it was posted the page says "5 godz.": the text is all there is.
    assert post.published_at == later - timedelta(hours=5)


def test_profile_source_and_polish_counts() -> None:
    page = load_page("annakowalska")
    posts = _page_timeline(page)
    assert {p["source"] for p in posts} == {page.page_id}
    assert posts[0]["author"] == {
        "name": "Anna Kowalska",
        "url": f"{BASE}/profile.php?id={page.page_id}",
    }
    second = posts[1]["metrics"]
    # "Wszystkie reakcje: 1,2 tys.", "1,2 tys. komentarzy", "3 udostępnienia"
    assert (second["reactions"], second["comments"], second["shares"]) == (1200, 1200, 3)
    assert second["reactions_by_type"] == {"like": 1100, "love": 150}  # "Lubię to!: 1,1 tys."
    assert posts[3]["metrics"]["views"] == 3400  # "3,4 tys. wyświetleń"


def test_profile_single_post_pages() -> None:
    page = load_page("annakowalska")
    for fixture in page.posts[:3]:
        url = BASE + permalink_path(page, fixture)
        (post,) = extract(render_post_html(page, fixture, now=NOW), url)
        assert post["external_id"] == fixture.id
        assert post["source"] == page.page_id
        assert post["url"] == url


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Like: 1,234 people", ("like", 1234)),
        ("Love: 1 person", ("love", 1)),
        ("Haha: 34 people", ("haha", 34)),
        ("Care: 1.2K people", ("care", 1200)),
        ("אהבתי: 1,234 אנשים", ("like", 1234)),
        ("\u200fוואו: \u200f1.2 אלף אנשים", ("wow", 1200)),
        ("Lubię to!: 1,2 tys. osób", ("like", 1200)),
        ("Przykro mi: 3 osoby", ("sad", 3)),
        ("Gefällt mir: 12 Personen", ("like", 12)),
        ("J’aime : 5 personnes", ("like", 5)),
    ],
)
def test_reaction_labels(label: str, expected: tuple[str, int]) -> None:
    assert reaction_type(label) == expected


@pytest.mark.parametrize(
    "label",
    ["All reactions: 1,234", "Like", "Shared with Public", "Bananas: 12 people", "Like: none"],
)
def test_other_labels_are_no_reaction(label: str) -> None:
    assert reaction_type(label) is None


def test_posts_without_breakdown_have_none(extracted: list[dict[str, Any]]) -> None:
    with_types = [p["external_id"] for p in extracted if p["metrics"]["reactions_by_type"]]
    assert with_types == [p.id for p in PAGE.posts if p.reactions_by_type]
    assert len(with_types) == 3


def test_class_names_change_and_do_not_matter() -> None:
    first, second = timeline(seed=1), timeline(seed=2)
    classes = [set(re.findall(r'class="([^"]+)"', html)) for html in (first, second)]
    assert classes[0]
    assert classes[1]
    assert len(classes[0] & classes[1]) <= 2
    assert extract(first) == extract(second)
    unclassed = re.sub(r' class="[^"]*"', "", first)
    assert extract(unclassed) == extract(first)


def test_truncated_post_gives_the_visible_text_without_see_more() -> None:
    by_id = {p["external_id"]: p for p in extract(timeline(expanded=False))}
    cut = [p for p in PAGE.posts if p.truncated]
    assert len(cut) >= 3
    for post in cut:
        text = by_id[post.id]["text"]
        assert text == truncated_text(post.id)
        assert "See more" not in text
        assert text.endswith("…")


def test_hebrew_post() -> None:
    (post,) = [p for p in extract(timeline()) if "קפה" in p["text"]]
    assert post["hashtags"] == ["קפה", "קלייה_טרייה"]
    assert post["text"].splitlines()[1] == "הזמינו עכשיו ותקבלו משלוח חינם עד סוף החודש."
    assert post["url"].startswith(f"{BASE}/permalink.php?story_fbid=")


def test_exactly_one_sponsored(extracted: list[dict[str, Any]]) -> None:
    assert [p["external_id"] for p in extracted if p["is_sponsored"]] == ["1093847561177415"]


def test_links_are_unwrapped_and_clean(extracted: list[dict[str, Any]]) -> None:
    links = [link for p in extracted for link in p["links"]]
    assert "https://acme.coffee/holiday" in links
    assert "https://acme.coffee/shop/dripper?color=sand" in links
    for link in links:
        assert "facebook.com" not in link
        assert not re.search(r"[?&](utm_\w+|fbclid|gclid|__\w+)=", link), link


def test_lines_with_like_share_message_save_are_kept(extracted: list[dict[str, Any]]) -> None:
    text = "\n".join(p["text"] for p in extracted)
    for line in (
        "Like this post if fresh-roasted is a must for you, and share it with the friend "
        "who still buys pre-ground 😉",
        "Message us if you want a free brewing checklist, we'll send it over.",
        "Save this post for your next gift list 🎁",
    ):
        assert line in text.splitlines()


def test_comments_are_not_posts_and_leak_nothing(extracted: list[dict[str, Any]]) -> None:
    assert len(extracted) == 24
    for post in extracted:
        assert "jane.doe" not in post["mentions"]
        assert "Pre-ground friend here" not in post["text"]


def test_duplicate_articles_are_kept_once() -> None:
    html = render_timeline_html(PAGE, PAGE.posts[:3] + PAGE.posts[:2], now=NOW)
    assert [p["external_id"] for p in extract(html)] == [p.id for p in PAGE.posts[:3]]


def test_relative_time_used_when_no_machine_time() -> None:
    html = re.sub(r' (data-utime|datetime)="[^"]*"', "", timeline())
    first = extract(html)[0]
    # Shown as "15h" at NOW (the real time is 15.5 h earlier): the text is all we have.
    assert first["published_at"] == (NOW - timedelta(hours=15)).isoformat()


def test_single_post_pages() -> None:
    page_post = next(p for p in PAGE.posts if p.kind == "permalink")
    url = f"{BASE}/permalink.php?story_fbid={page_post.id}&id={PAGE.page_id}"
    (post,) = extract(render_post_html(PAGE, page_post, now=NOW), url)
    assert post["source"] == PAGE.page_id
    assert post["external_id"] == page_post.id
    reel = next(p for p in PAGE.posts if p.kind == "reel")
    (post,) = extract(render_post_html(PAGE, reel, now=NOW), f"{BASE}/reel/{reel.id}")
    assert post["source"] == "acmecoffee"  # /reel/ has no handle: the author's is used


def test_matches() -> None:
    assert ADAPTER.matches(PAGE_URL, timeline())
    assert ADAPTER.matches("https://www.facebook.com/acmecoffee", "<html></html>")
    blog = render_article_html("holiday-blend-2025", BASE)
    assert not ADAPTER.matches(f"{BASE}/blog/holiday-blend-2025", blog)


def test_handwritten_page() -> None:
    html = """
    <div role="feed"><div role="article">
      <h2><a href="https://www.facebook.com/brewlabco?__tn__=C">BrewLab Co</a></h2>
      <a href="https://www.facebook.com/brewlabco/posts/pfbid0Abc"
         ><span>Yesterday at 10:00</span></a>
      <div data-ad-preview="message"><div dir="auto">Line one<br>  line   two</div>
        <div dir="auto">Visit <a href="https://shop.example/?utm_source=fb&amp;id=3">shop</a>
        with <a href="https://www.facebook.com/profile.php?id=1000123&amp;__tn__=R">Ann</a>
        <a href="https://www.facebook.com/hashtag/brew">#Brew</a></div></div>
      <img src="https://scontent.example/big.jpg" alt="">
      <img src="https://static.example/icon.png" width="16" height="16" alt="">
      <video src="blob:https://www.facebook.com/abc"></video>
      <span aria-label="All reactions: 3,210">3.2K</span>
      <span>1 234 comments</span><span>7 shares</span>
    </div></div>
    """
    fetched = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)
    (post,) = ADAPTER.extract(html, url="https://www.facebook.com/brewlabco", fetched_at=fetched)
    assert post.external_id == "pfbid0Abc"
    assert post.source == "brewlabco"
    assert post.text == "Line one\nline two\n\nVisit shop with Ann #Brew"
    assert post.published_at == datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
    assert post.links == ("https://shop.example/?id=3",)
    assert post.mentions == ("1000123",)
    assert post.hashtags == ("Brew",)
    assert [(m.type, m.url) for m in post.media] == [
        ("image", "https://scontent.example/big.jpg"),
        ("video", "https://www.facebook.com/brewlabco/posts/pfbid0Abc"),
    ]
    assert post.metrics.to_dict() == {
        "reactions": 3210,
        "comments": 1234,
        "shares": 7,
        "views": None,
        "reactions_by_type": None,
    }
    assert post.author is not None
    assert post.author.url == "https://www.facebook.com/brewlabco"


def test_articles_without_permalink_are_skipped() -> None:
    html = '<div role="article"><div data-ad-preview="message">no id here</div></div>'
    assert ADAPTER.extract(html, url=PAGE_URL, fetched_at=NOW) == []


def test_hostile_nesting_does_not_crash() -> None:
    deep = "<div>" * 3000 + "deep" + "</div>" * 3000
    html = (
        f'<div role="article"><a href="/acmecoffee/posts/1">1h</a>'
        f'<div data-ad-preview="message">{deep}</div></div>'
    )
    (post,) = ADAPTER.extract(html, url=PAGE_URL, fetched_at=NOW)
    assert post.text == "deep"
