"""The JSON-LD / OpenGraph article adapter, and adapter selection."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from postwriter.errors import ExtractionFailed, InvalidRequest
from postwriter.extract import ADAPTERS, detect_adapter, extract_posts, get_adapter
from postwriter.extract.article import ArticleAdapter
from tests.fixtures.site.blog import article_slugs, render_article_html
from tests.fixtures.site.dataset import load_page
from tests.fixtures.site.expected import expected_articles
from tests.fixtures.site.render import render_timeline_html

BASE = "http://127.0.0.1:8081"
NOW = datetime(2025, 11, 21, tzinfo=UTC)


def test_fixture_articles_field_by_field() -> None:
    expected = expected_articles(BASE)
    assert len(expected) == 3
    for slug, want in zip(article_slugs(), expected, strict=True):
        url = f"{BASE}/blog/{slug}"
        name, posts = extract_posts(render_article_html(slug, BASE), url=url, fetched_at=NOW)
        assert name == "article"
        (got,) = [p.to_json() for p in posts]
        for field in want:
            assert got[field] == want[field], (slug, field)


def page(head: str, body: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_open_graph_fallback() -> None:
    html = page(
        '<meta property="og:type" content="article">'
        '<meta property="og:title" content="Ten brewing tips">'
        '<meta property="og:description" content="Start with fresh beans.">'
        '<meta property="og:url" content="https://news.example/a/10-tips?utm_source=x">'
        '<meta property="og:image" content="/img/tips.jpg">'
        '<meta property="article:published_time" content="2025-06-01T10:00:00+02:00">'
        '<meta name="author" content="Dana Levi">'
    )
    adapter = ArticleAdapter()
    assert adapter.matches("https://news.example/a/10-tips", html)
    (post,) = adapter.extract(html, url="https://news.example/a/10-tips", fetched_at=NOW)
    assert post.text == "Ten brewing tips\n\nStart with fresh beans."
    assert post.source == "news.example"
    assert post.external_id == "/a/10-tips?utm_source=x"
    assert post.published_at == datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
    assert post.author is not None
    assert post.author.name == "Dana Levi"
    assert [m.url for m in post.media] == ["https://news.example/img/tips.jpg"]


def test_json_ld_variants() -> None:
    html = page(
        '<script type="application/ld+json">{not json</script>'
        + ld(
            {
                "@context": "https://schema.org",
                "@type": ["SocialMediaPosting"],
                "@id": "https://social.example/p/7#post",
                "headline": "Big news",
                "articleBody": "Big news\r\nLine two\n\n\n\nLast paragraph",
                "datePublished": "2025-05-05T05:05:05",
                "author": "The Team",
                "image": {"@type": "ImageObject", "contentUrl": "https://cdn.example/7.jpg"},
                "commentCount": 4,
                "interactionStatistic": {
                    "interactionType": "https://schema.org/WatchAction",
                    "userInteractionCount": "1.2K",
                },
            }
        )
    )
    (post,) = ArticleAdapter().extract(html, url="https://social.example/p/7", fetched_at=NOW)
    assert post.text == "Big news\nLine two\n\nLast paragraph"  # body repeats the headline
    assert post.url == "https://social.example/p/7"
    assert post.published_at == datetime(2025, 5, 5, 5, 5, 5, tzinfo=UTC)
    assert post.author is not None
    assert post.author.name == "The Team"
    assert post.metrics.views == 1200
    assert post.metrics.comments == 4


def test_page_without_article_is_not_matched() -> None:
    html = page(ld({"@type": "Organization", "name": "Acme"}), "<p>hello</p>")
    assert not ArticleAdapter().matches("https://acme.example/", html)
    assert ArticleAdapter().extract(html, url="https://acme.example/", fetched_at=NOW) == []


def test_registry_names_and_errors() -> None:
    assert set(ADAPTERS) == {"facebook", "article"}
    assert get_adapter("facebook").name == "facebook"
    with pytest.raises(InvalidRequest, match="known adapters: auto, facebook, article") as err:
        get_adapter("myspace")
    assert err.value.code == "invalid_request"
    with pytest.raises(ExtractionFailed, match="no adapter recognises the page"):
        detect_adapter("https://plain.example/", page("", "<p>just text</p>"))


def test_detection() -> None:
    fixture = load_page("acmecoffee")
    timeline = render_timeline_html(fixture, fixture.posts[:2], now=NOW)
    assert detect_adapter(f"{BASE}/acmecoffee", timeline).name == "facebook"
    blog = render_article_html("fresh-roast-study", BASE)
    assert detect_adapter(f"{BASE}/blog/fresh-roast-study", blog).name == "article"
    assert detect_adapter("https://www.facebook.com/acmecoffee", "<html></html>").name == (
        "facebook"
    )
    empty = render_timeline_html(load_page("empty"), (), now=NOW)
    assert extract_posts(empty, url=f"{BASE}/empty", fetched_at=NOW) == ("facebook", [])
    name, posts = extract_posts(blog, url=f"{BASE}/blog/x", adapter="facebook", fetched_at=NOW)
    assert (name, posts) == ("facebook", [])
