"""Web articles (blogs, news) from JSON-LD, with OpenGraph meta as the fallback.

One post per article node. Text is the headline, a blank line, then `articleBody` (or the
description when there is no body), paragraphs kept. `external_id` is the canonical URL's
path (plus query), `source` its host.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from postwriter.extract.counts import parse_count
from postwriter.extract.dom import tidy
from postwriter.extract.timeparse import from_iso
from postwriter.extract.urls import absolute
from postwriter.models.post import Author, Media, Metrics, Post

ARTICLE_TYPES = frozenset(
    {
        "Article", "BlogPosting", "NewsArticle", "SocialMediaPosting", "Report",
        "TechArticle", "LiveBlogPosting", "OpinionNewsArticle", "ReportageNewsArticle",
        "AnalysisNewsArticle", "DiscussionForumPosting", "ScholarlyArticle",
    }
)  # fmt: skip
_ACTIONS = {
    "LikeAction": "reactions",
    "ReactAction": "reactions",
    "AgreeAction": "reactions",
    "CommentAction": "comments",
    "ReplyAction": "comments",
    "ShareAction": "shares",
    "WatchAction": "views",
    "ViewAction": "views",
}
_MAX_NODES = 500  # JSON-LD is untrusted: bound the walk


def _json_ld(tree: LexborHTMLParser) -> Iterator[Any]:
    for script in tree.css('script[type="application/ld+json"]'):
        try:
            yield json.loads(script.text(deep=True), strict=False)
        except (ValueError, RecursionError):
            continue


def _nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in the data, breadth first, bounded."""
    queue: deque[Any] = deque([data])
    seen = 0
    while queue and seen < _MAX_NODES:
        item = queue.popleft()
        seen += 1
        if isinstance(item, list):
            queue.extend(item)
        elif isinstance(item, dict):
            yield item
            queue.extend(v for v in item.values() if isinstance(v, (list, dict)))


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def article_nodes(tree: LexborHTMLParser) -> list[dict[str, Any]]:
    return [n for data in _json_ld(tree) for n in _nodes(data) if _types(n) & ARTICLE_TYPES]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _url_of(value: Any) -> str:
    value = _first(value)
    if isinstance(value, dict):
        return _text(value.get("url") or value.get("contentUrl") or value.get("@id"))
    return _text(value)


def _meta(tree: LexborHTMLParser, *keys: str) -> str:
    for key in keys:
        node = tree.css_first(f'meta[property="{key}"], meta[name="{key}"]')
        content = node.attributes.get("content") if node is not None else None
        if content and content.strip():
            return content.strip()
    return ""


def _canonical(tree: LexborHTMLParser, node: dict[str, Any] | None, page_url: str) -> str:
    link = tree.css_first('link[rel="canonical"]')
    candidates = [
        _url_of(node.get("url")) if node else "",
        _url_of(node.get("mainEntityOfPage")) if node else "",
        _text(node.get("@id")).split("#")[0] if node else "",
        (link.attributes.get("href") or "") if link is not None else "",
        _meta(tree, "og:url"),
    ]
    for candidate in candidates:
        url = absolute(candidate, page_url)
        if url:
            return urlunsplit(urlsplit(url)._replace(fragment=""))
    return page_url


def _author(value: Any, page_url: str) -> Author | None:
    value = _first(value)
    if isinstance(value, str) and value.strip():
        return Author(name=value.strip())
    if isinstance(value, dict) and _text(value.get("name")):
        return Author(name=_text(value.get("name")), url=absolute(_url_of(value), page_url))
    return None


def _images(value: Any, page_url: str) -> list[Media]:
    values = value if isinstance(value, list) else [value]
    urls = (absolute(_url_of(v), page_url) for v in values)
    return [Media("image", u) for u in dict.fromkeys(u for u in urls if u)]


def _metrics(node: dict[str, Any]) -> Metrics:
    found: dict[str, int] = {}
    stats = node.get("interactionStatistic")
    for stat in stats if isinstance(stats, list) else [stats]:
        if not isinstance(stat, dict):
            continue
        kind = stat.get("interactionType")
        kind = kind.get("@type") if isinstance(kind, dict) else kind
        field = _ACTIONS.get(str(kind).rsplit("/", 1)[-1].rsplit("#", 1)[-1])
        count = stat.get("userInteractionCount")
        value = count if isinstance(count, int) else parse_count(str(count))
        if field and value is not None and field not in found:
            found[field] = value
    comment_count = node.get("commentCount")
    if "comments" not in found and isinstance(comment_count, int):
        found["comments"] = comment_count
    return Metrics(**found)


def _compose(headline: str, body: str) -> str:
    if body.startswith(headline):
        return tidy(body)
    return tidy("\n\n".join(p for p in (headline, body) if p))


def _post(
    url: str, text: str, *, author: Author | None, published: datetime | None,
    media: list[Media], metrics: Metrics,
) -> Post:  # fmt: skip
    parts = urlsplit(url)
    external_id = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Post(
        platform="web",
        source=parts.netloc.lower(),
        external_id=external_id,
        url=url,
        text=text,
        author=author,
        published_at=published,
        media=tuple(media),
        metrics=metrics,
    )


class ArticleAdapter:
    name: str = "article"

    def matches(self, url: str, html: str) -> bool:
        tree = LexborHTMLParser(html)
        return bool(article_nodes(tree)) or _meta(tree, "og:type").lower() == "article"

    def extract(self, html: str, *, url: str, fetched_at: datetime) -> list[Post]:
        tree = LexborHTMLParser(html)
        posts: dict[str, Post] = {}
        for node in article_nodes(tree):
            canonical = _canonical(tree, node, url)
            headline = _text(node.get("headline")) or _text(node.get("name"))
            body = _text(node.get("articleBody")) or _text(node.get("description"))
            body = body or _text(node.get("text"))
            published = next(
                (t for k in ("datePublished", "dateCreated", "uploadDate")
                 if (t := from_iso(_text(node.get(k))))),
                None,
            )  # fmt: skip
            post = _post(
                canonical,
                _compose(headline, body),
                author=_author(node.get("author"), url),
                published=published,
                media=_images(node.get("image"), url),
                metrics=_metrics(node),
            )
            posts.setdefault(post.url, post)
        if posts or _meta(tree, "og:type").lower() != "article":
            return list(posts.values())
        return [self._from_open_graph(tree, url)]

    def _from_open_graph(self, tree: LexborHTMLParser, url: str) -> Post:
        name = _meta(tree, "author", "article:author")
        author = None
        if name:
            link = absolute(name, url) if name.startswith(("http://", "https://")) else None
            author = Author(name=name, url=link)
        images = [
            n.attributes.get("content") or ""
            for n in tree.css('meta[property="og:image"], meta[property="og:image:url"]')
        ]
        return _post(
            _canonical(tree, None, url),
            _compose(_meta(tree, "og:title"), _meta(tree, "og:description", "description")),
            author=author,
            published=from_iso(_meta(tree, "article:published_time")),
            media=_images(images, url),
            metrics=Metrics(),
        )
