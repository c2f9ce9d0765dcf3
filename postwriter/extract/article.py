"""Web articles (blogs, news) from JSON-LD, microdata and OpenGraph.

One post per article node. JSON-LD is read here (each script on its own, so one broken
block costs only itself); microdata and OpenGraph through extruct. Nodes that refer to
others by `@id` (Yoast-style `@graph`s: author, image) are resolved within the page. With
no article node at all, an `og:type=article` page gives one post from its OpenGraph meta.

Text is the headline, a blank line, then `articleBody` (or the description when there is
no body), paragraphs kept. `external_id` is the canonical URL's path (plus query), `source`
its host. Counts come from `interactionStatistic` (InteractionCounter, its type a URL, a
name or an object), the older `interactionCount` ("UserComments:12") and `commentCount`.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator
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
    # The older UserInteraction types, still in interactionType and interactionCount.
    "UserLikes": "reactions",
    "UserPlusOnes": "reactions",
    "UserComments": "comments",
    "UserTweets": "shares",
    "UserPageVisits": "views",
    "UserPlays": "views",
}
_MAX_NODES = 500  # structured data is untrusted: bound the walk


class Page:
    """The structured data of one page, read once: article nodes, `@id` index, OG meta."""

    def __init__(self, html: str, url: str) -> None:
        self.tree = LexborHTMLParser(html)
        nodes = [n for data in _json_ld(self.tree) for n in _nodes(data)]
        nodes += [n for data in _microdata(html, url) for n in _nodes(data)]
        self.articles = [n for n in nodes if _types(n) & ARTICLE_TYPES]
        self.by_id: dict[str, dict[str, Any]] = {}
        for node in nodes:  # entities, not the bare {"@id": ...} references to them
            if isinstance(node.get("@id"), str) and not set(node) <= {"@id", "@type"}:
                self.by_id.setdefault(node["@id"], node)
        self.og = _open_graph(html, url)

    def resolve(self, value: Any) -> Any:
        """A `{"@id": ...}` reference replaced by the node it names, when the page has it."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict) and set(value) <= {"@id", "@type"}:
            return self.by_id.get(str(value.get("@id")), value)
        return value

    def meta(self, *keys: str) -> str:
        """The first non-empty value of these OpenGraph properties or `<meta name>`s."""
        for key in keys:
            values = self.og.get(key)
            if values:
                return values[0]
            node = self.tree.css_first(f'meta[property="{key}"], meta[name="{key}"]')
            content = node.attributes.get("content") if node is not None else None
            if content and content.strip():
                return content.strip()
        return ""


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


def _extruct() -> Any:
    """extruct, imported on first use: it pulls in rdflib and mf2py (about 0.4 s)."""
    import extruct  # type: ignore[import-untyped]

    return extruct


def _microdata(html: str, url: str) -> list[Any]:
    """Microdata items as JSON-LD-like dicts (extruct's "uniform" form)."""
    if "itemscope" not in html:
        return []
    try:
        data = _extruct().extract(html, base_url=url, syntaxes=["microdata"], uniform=True)
    except Exception:  # a third-party parser on untrusted markup: nothing rather than a crash
        return []
    items: list[Any] = data.get("microdata") or []
    for node in _nodes(items):
        if isinstance(node.get("id"), str) and "@id" not in node:
            node["@id"] = node["id"]  # extruct names an itemid "id"
    return items


def _open_graph(html: str, url: str) -> dict[str, list[str]]:
    """OpenGraph properties, each with all its values in page order (og:image repeats)."""
    if "og:" not in html and "article:" not in html:
        return {}
    try:
        data = _extruct().extract(html, base_url=url, syntaxes=["opengraph"], uniform=False)
    except Exception:  # a third-party parser on untrusted markup: nothing rather than a crash
        return {}
    found: dict[str, list[str]] = {}
    for block in data.get("opengraph") or []:
        for pair in block.get("properties") or []:
            if len(pair) == 2 and isinstance(pair[1], str) and pair[1].strip():
                found.setdefault(str(pair[0]), []).append(pair[1].strip())
    return found


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def article_nodes(tree: LexborHTMLParser) -> list[dict[str, Any]]:
    """The JSON-LD article nodes alone (no microdata): a cheap first look."""
    return [n for data in _json_ld(tree) for n in _nodes(data) if _types(n) & ARTICLE_TYPES]


def _text(value: Any) -> str:
    value = _first(value)
    return value.strip() if isinstance(value, str) else ""


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _url_of(value: Any) -> str:
    value = _first(value)
    if isinstance(value, dict):
        return _text(value.get("url") or value.get("contentUrl") or value.get("@id"))
    return _text(value)


def _canonical(page: Page, node: dict[str, Any] | None, page_url: str) -> str:
    link = page.tree.css_first('link[rel="canonical"]')
    candidates = [
        _url_of(node.get("url")) if node else "",
        _url_of(node.get("mainEntityOfPage")) if node else "",
        _text(node.get("@id")).split("#")[0] if node else "",
        (link.attributes.get("href") or "") if link is not None else "",
        page.meta("og:url"),
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


def _images(values: Iterable[Any], page_url: str) -> list[Media]:
    urls = (absolute(_url_of(v), page_url) for v in values)
    return [Media("image", u) for u in dict.fromkeys(u for u in urls if u)]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _action(kind: Any) -> str | None:
    """The metric an interaction type counts: "https://schema.org/LikeAction",
    {"@type": "LikeAction"}, "UserComments" and the like."""
    kind = _first(kind)
    if isinstance(kind, dict):
        kind = kind.get("@type") or kind.get("@id")
    if not isinstance(kind, str):
        return None
    return _ACTIONS.get(kind.strip().rsplit("/", 1)[-1].rsplit("#", 1)[-1].rsplit(":", 1)[-1])


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value >= 0 else None
    return parse_count(value) if isinstance(value, str) else None


def _metrics(node: dict[str, Any]) -> Metrics:
    found: dict[str, int] = {}

    def add(field: str | None, value: int | None) -> None:
        if field and value is not None and field not in found:
            found[field] = value

    for stat in _listed(node.get("interactionStatistic")):
        if isinstance(stat, dict):
            add(_action(stat.get("interactionType")), _number(stat.get("userInteractionCount")))
    # The older form: interactionCount "UserComments:12", or an InteractionCounter in it.
    for legacy in _listed(node.get("interactionCount")):
        if isinstance(legacy, dict):
            add(
                _action(legacy.get("interactionType")),
                _number(legacy.get("userInteractionCount")),
            )
        elif isinstance(legacy, str) and ":" in legacy:
            kind, _, count = legacy.rpartition(":")
            add(_action(kind), _number(count.strip()))
    add("comments", _number(node.get("commentCount")))
    return Metrics(
        reactions=found.get("reactions"),
        comments=found.get("comments"),
        shares=found.get("shares"),
        views=found.get("views"),
    )


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
        if article_nodes(tree):
            return True
        page = Page(html, url)
        return bool(page.articles) or page.meta("og:type").lower() == "article"

    def extract(self, html: str, *, url: str, fetched_at: datetime) -> list[Post]:
        page = Page(html, url)
        posts: dict[str, Post] = {}
        for node in page.articles:
            post = self._from_node(page, node, url)
            posts.setdefault(post.url, post)
        if posts or page.meta("og:type").lower() != "article":
            return list(posts.values())
        return [self._from_open_graph(page, url)]

    def _from_node(self, page: Page, node: dict[str, Any], url: str) -> Post:
        headline = _text(node.get("headline")) or _text(node.get("name"))
        body = _text(node.get("articleBody")) or _text(node.get("description"))
        body = body or _text(node.get("text"))
        published = next(
            (t for k in ("datePublished", "dateCreated", "uploadDate")
             if (t := from_iso(_text(node.get(k))))),
            None,
        )  # fmt: skip
        return _post(
            _canonical(page, node, url),
            _compose(headline, body),
            author=_author(page.resolve(node.get("author")), url),
            published=published,
            media=_images(_listed(page.resolve(node.get("image"))), url),
            metrics=_metrics(node),
        )

    def _from_open_graph(self, page: Page, url: str) -> Post:
        name = page.meta("author")
        profile = page.meta("article:author")
        link = absolute(profile, url) if profile.startswith(("http://", "https://")) else None
        author = Author(name=name or profile, url=link) if name or profile else None
        images = page.og.get("og:image") or page.og.get("og:image:url") or []
        return _post(
            _canonical(page, None, url),
            _compose(page.meta("og:title"), page.meta("og:description", "description")),
            author=author,
            published=from_iso(page.meta("article:published_time")),
            media=_images(images, url),
            metrics=Metrics(),
        )
