"""The page classifier: block, challenge and login pages are typed; ordinary pages are not."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from postwriter.errors import Blocked, Challenge, LoginRequired, PostWriterError
from postwriter.politeness.pages import PageVerdict, classify_page
from tests.fixtures.site.blog import article_slugs, render_article_html
from tests.fixtures.site.dataset import load_page, page_handles
from tests.fixtures.site.render import render_post_html, render_timeline_html

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
FB = "https://www.facebook.com/acmecoffee"


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("fixture", "url", "status", "error", "reason"),
    [
        ("fb_temp_block.html", FB, 200, Blocked, "block_page"),
        ("fb_temp_block_dialog.html", FB, 200, Blocked, "block_page"),
        ("fb_temp_block_he.html", FB, 200, Blocked, "block_page"),
        ("akamai_denied.html", "https://www.example.com/", 403, Blocked, "block_page"),
        ("cf_blocked.html", "https://example.com/", 403, Blocked, "block_page"),
        ("cf_just_a_moment.html", "https://shop.example.com/", 403, Challenge, "cloudflare"),
        ("cf_just_a_moment.html", "https://shop.example.com/", 429, Challenge, "cloudflare"),
        ("recaptcha_wall.html", "https://example.com/sorry", 200, Challenge, "captcha"),
        ("hcaptcha_he.html", "https://example.co.il/", 200, Challenge, "captcha"),
        (
            "fb_checkpoint.html",
            "https://www.facebook.com/checkpoint/1501092823525282/?next=%2F",
            200,
            Challenge,
            "checkpoint",
        ),
        ("fb_login.html", "https://www.facebook.com/acmecoffee", 200, LoginRequired, "login_form"),
        ("fb_login_he.html", "https://he-il.facebook.com/acme", 200, LoginRequired, "login_form"),
        (
            "fb_login.html",
            "https://www.facebook.com/login/?next=x",
            200,
            LoginRequired,
            "login_url",
        ),
    ],
)
def test_failure_pages_are_typed(
    fixture: str, url: str, status: int, error: type[PostWriterError], reason: str
) -> None:
    verdict = classify_page(page(fixture), url, status)
    assert verdict == PageVerdict(error, reason)


@pytest.mark.parametrize(
    ("html", "url", "status", "expected"),
    [
        ("", "https://www.facebook.com/acme", 429, PageVerdict(Blocked, "http_429")),
        ("<p>slow down</p>", "https://example.com/a", 429, PageVerdict(Blocked, "http_429")),
        (
            "",
            "https://m.facebook.com/login.php?next=x",
            200,
            PageVerdict(LoginRequired, "login_url"),
        ),
        ("", "https://example.com/accounts/login/", 200, PageVerdict(LoginRequired, "login_url")),
        ("", "https://example.com/login-tips-for-2026", 200, None),
        ("", "https://www.facebook.com/checkpoint/", 200, PageVerdict(Challenge, "checkpoint")),
        ("", "https://www.facebook.com/checkpoints-of-success", 200, None),
        (
            "<html><head><title>Just a moment...</title></head><body></body></html>",
            "https://example.com/",
            503,
            PageVerdict(Challenge, "cloudflare"),
        ),
        (
            "<html><body><h1>Log in to continue</h1>"
            "<p>You must log in to continue.</p></body></html>",
            "https://example.com/members",
            200,
            PageVerdict(LoginRequired, "login_page"),
        ),
        (
            "<html><body><h1>עליך להתחבר כדי להמשיך</h1></body></html>",
            "https://example.co.il/members",
            200,
            PageVerdict(LoginRequired, "login_page"),
        ),
        (
            "<html><body><div role=dialog><h2>Too Many Requests</h2></div>"
            "<article>x</article></body></html>",
            "https://example.com/",
            200,
            PageVerdict(Blocked, "block_page"),
        ),
        ("<html><body><p>Hello</p></body></html>", "https://example.com/", 200, None),
        ("", "https://example.com/", 200, None),
        ("", "https://example.com/", 404, None),
    ],
)
def test_classifier_table(html: str, url: str, status: int, expected: PageVerdict | None) -> None:
    assert classify_page(html, url, status) == expected


@pytest.mark.parametrize(
    "fixture",
    [
        # Posts that say "You're Temporarily Blocked", "Log in to continue", "captcha",
        # "Verify you are human", "Sorry, you have been blocked" and the Hebrew phrases.
        "ok_feed_trigger_words.html",
        # A public page with posts under Facebook's logged-out login overlay.
        "fb_login_overlay_with_posts.html",
        # An article titled "You've been blocked", with a header login form.
        "ok_blog_blocked_article.html",
        # A landing page whose contact form carries a reCAPTCHA.
        "ok_landing_recaptcha.html",
    ],
)
def test_ordinary_pages_with_trigger_words_pass(fixture: str) -> None:
    assert classify_page(page(fixture), "https://www.facebook.com/growthlab", 200) is None


def test_short_post_permalink_with_trigger_words_passes() -> None:
    html = (
        "<html><head><title>Growth Lab | Facebook</title></head><body><div role=main>"
        "<div role=article><div data-ad-preview=message>You must log in to continue? Not with "
        "our new one-tap checkout. You've been blocked by slow forms long enough.</div></div>"
        "</div></body></html>"
    )
    assert classify_page(html, "https://www.facebook.com/growthlab/posts/pfbid0x", 200) is None


def test_words_count_only_on_boundaries() -> None:
    # "blocked" inside a longer word, "log in" inside "catalog in" are not phrases.
    html = "<html><body><h1>Unblocked</h1><p>Browse the catalog in store.</p></body></html>"
    assert classify_page(html, "https://example.com/", 200) is None


@pytest.mark.parametrize("handle", page_handles())
def test_fixture_site_timelines_pass(handle: str) -> None:
    fixture = load_page(handle)
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    html = render_timeline_html(fixture, fixture.posts, now=now, rng=random.Random(1))
    assert classify_page(html, f"http://127.0.0.1:8000/{handle}", 200) is None
    for post in fixture.posts[:3]:
        single = render_post_html(fixture, post, now=now, rng=random.Random(2))
        assert classify_page(single, f"http://127.0.0.1:8000/{handle}/posts/1", 200) is None


@pytest.mark.parametrize("slug", article_slugs())
def test_fixture_site_articles_pass(slug: str) -> None:
    html = render_article_html(slug, "http://127.0.0.1:8000")
    assert classify_page(html, f"http://127.0.0.1:8000/blog/{slug}", 200) is None


def test_verdict_exception_and_penalty() -> None:
    blocked = PageVerdict(Blocked, "http_429")
    exc = blocked.exception("https://www.facebook.com/acme?token=secret#x")
    assert isinstance(exc, Blocked)
    assert exc.code == "blocked"
    assert not exc.retryable
    assert "secret" not in exc.message
    assert "https://www.facebook.com/acme" in exc.message
    assert blocked.penalise
    assert PageVerdict(Challenge, "captcha").penalise
    assert PageVerdict(Challenge, "captcha").code == "challenge"
    assert not PageVerdict(LoginRequired, "login_form").penalise
    assert PageVerdict(LoginRequired, "login_form").code == "login_required"


def test_hostile_markup_does_not_crash() -> None:
    nested = "<article>" * 500 + "x" + "</article>" * 500
    assert classify_page(nested, "https://example.com/", 200) is None
    assert classify_page("<<<>>>&&&\x00", "https://example.com/", 200) is None
