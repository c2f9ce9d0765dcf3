"""The article adapter (JSON-LD, microdata, OpenGraph), and adapter selection."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from postwriter.errors import ExtractionFailed, InvalidRequest
from postwriter.extract import ADAPTERS, detect_adapter, extract_posts, get_adapter
from postwriter.extract.article import ArticleAdapter
from postwriter.extract.recipe import Recipe
from tests.fixtures.site.blog import article_data, article_slugs, render_article_html
from tests.fixtures.site.dataset import load_page
from tests.fixtures.site.expected import expected_articles
from tests.fixtures.site.feeds import render_atom, render_rss
from tests.fixtures.site.forum import load_recipe_dict, render_board_html
from tests.fixtures.site.render import render_timeline_html

BASE = "http://127.0.0.1:8081"
NOW = datetime(2025, 11, 21, tzinfo=UTC)


def test_fixture_articles_field_by_field() -> None:
    expected = expected_articles(BASE)
    assert len(expected) == 6
    formats = [article_data(slug)["format"] for slug in article_slugs()]
    assert set(formats) == {"json-ld", "microdata", "opengraph"}
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
    assert list(ADAPTERS) == ["feed", "facebook", "article"]
    assert get_adapter("facebook").name == "facebook"
    with pytest.raises(
        InvalidRequest, match="known adapters: auto, feed, facebook, article, recipe"
    ) as err:
        get_adapter("myspace")
    assert err.value.code == "invalid_request"
    with pytest.raises(InvalidRequest, match="needs a recipe") as err:
        get_adapter("recipe")
    assert err.value.field == "recipe"
    recipe = Recipe.from_dict(load_recipe_dict())
    assert get_adapter("recipe", recipe).name == "recipe"
    with pytest.raises(InvalidRequest, match="only used with adapter 'recipe'"):
        get_adapter("facebook", recipe)
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
    for slug in article_slugs():  # microdata-only and OpenGraph-only pages too
        url = f"{BASE}/blog/{slug}"
        assert detect_adapter(url, render_article_html(slug, BASE)).name == "article"
    assert detect_adapter(f"{BASE}/feeds/blog.rss", render_rss(BASE)).name == "feed"
    assert detect_adapter(f"{BASE}/feeds/blog.atom", render_atom(BASE)).name == "feed"
    # Nothing recognises the forum: it takes its recipe, asked for by name.
    forum = render_board_html("marketing", NOW)
    with pytest.raises(ExtractionFailed):
        detect_adapter(f"{BASE}/forum/marketing", forum)
    recipe = Recipe.from_dict(load_recipe_dict())
    name, posts = extract_posts(
        forum, url=f"{BASE}/forum/marketing", adapter="recipe", recipe=recipe, fetched_at=NOW
    )
    assert (name, len(posts)) == ("recipe", 5)


def test_microdata_article() -> None:
    html = page(
        "",
        '<div itemscope itemtype="http://schema.org/NewsArticle" itemid="/n/5">'
        '<h1 itemprop="headline">Roastery news</h1>'
        '<span itemprop="author" itemscope itemtype="http://schema.org/Person">'
        '<span itemprop="name">Ann</span></span>'
        '<meta itemprop="datePublished" content="2025-04-01T08:00:00Z">'
        '<div itemprop="articleBody"><p>One.</p><p>Two.</p></div>'
        '<meta itemprop="interactionCount" content="UserComments:15">'
        '<meta itemprop="interactionCount" content="UserLikes:1.2K">'
        '<meta itemprop="commentCount" content="99"></div>',
    )
    adapter = ArticleAdapter()
    assert adapter.matches("https://news.example/n/5", html)
    (post,) = adapter.extract(html, url="https://news.example/n/5", fetched_at=NOW)
    assert post.url == "https://news.example/n/5"
    assert post.text == "Roastery news\n\nOne.\n\nTwo."
    assert post.author is not None
    assert post.author.name == "Ann"
    assert post.published_at == datetime(2025, 4, 1, 8, 0, tzinfo=UTC)
    assert (post.metrics.comments, post.metrics.reactions) == (15, 1200)


def test_interaction_statistic_forms() -> None:
    html = page(
        ld(
            {
                "@context": "https://schema.org",
                "@type": "Article",
                "url": "https://news.example/a/1",
                "headline": "Counts",
                "interactionStatistic": [
                    {"interactionType": {"@type": "LikeAction"}, "userInteractionCount": 10},
                    {"interactionType": "http://schema.org/CommentAction",
                     "userInteractionCount": "1,234"},
                    {"interactionType": {"@id": "https://schema.org/ShareAction"},
                     "userInteractionCount": 5.0},
                    {"interactionType": "https://schema.org/UserPageVisits",
                     "userInteractionCount": "12K"},
                    {"interactionType": "https://schema.org/LikeAction",
                     "userInteractionCount": 999},  # the first one of a kind wins
                    {"interactionType": "FollowAction", "userInteractionCount": 7},
                    {"interactionType": "WatchAction", "userInteractionCount": True},
                ],
                "interactionCount": "UserComments:3",
            }
        )
    )  # fmt: skip
    (post,) = ArticleAdapter().extract(html, url="https://news.example/a/1", fetched_at=NOW)
    assert post.metrics.to_dict() == {
        "reactions": 10,
        "comments": 1234,
        "shares": 5,
        "views": 12000,
        "reactions_by_type": None,
    }


def test_graph_references_are_resolved() -> None:
    html = page(
        ld(
            {
                "@context": "https://schema.org",
                "@graph": [
                    {"@type": "Person", "@id": "#p", "name": "Yael", "url": "/team/yael"},
                    {"@type": "ImageObject", "@id": "#img", "url": "/i/1.jpg"},
                    {"@type": "NewsArticle", "headline": "Graph", "url": "/a/2",
                     "author": [{"@id": "#p"}], "image": {"@id": "#img"},
                     "publisher": {"@id": "#missing"}},
                ],
            }
        )
    )  # fmt: skip
    (post,) = ArticleAdapter().extract(html, url="https://news.example/a/2", fetched_at=NOW)
    assert post.author is not None
    assert (post.author.name, post.author.url) == ("Yael", "https://news.example/team/yael")
    assert [m.url for m in post.media] == ["https://news.example/i/1.jpg"]


def test_open_graph_only_fixture() -> None:
    slug = next(s for s in article_slugs() if article_data(s)["format"] == "opengraph")
    (post,) = ArticleAdapter().extract(
        render_article_html(slug, BASE), url=f"{BASE}/blog/{slug}", fetched_at=NOW
    )
    assert post.author is not None
    assert post.author.url == f"{BASE}/team/omer"  # from article:author
    assert len(post.media) == 2  # every og:image
    assert post.metrics.to_dict() == dict.fromkeys(
        ("reactions", "comments", "shares", "views", "reactions_by_type")
    )


def test_hostile_microdata_does_not_crash() -> None:
    deep = "<div>" * 3000 + "x" + "</div>" * 3000
    html = page("", deep + '<div itemscope itemtype="https://schema.org/Article"></div>')
    assert ArticleAdapter().extract(html, url="https://x.example/", fetched_at=NOW) == []
