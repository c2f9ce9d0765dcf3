"""Facebook Page timelines and single posts, read from the rendered DOM.

Keys only on semantics that Facebook keeps for accessibility and ads tooling: `role=article`
(top level only: comments are nested articles), permalink URL shapes, the
`data-ad-preview="message"` body, aria-labels and visible count labels. Never on class
names, which are generated per build.

Field choices: `hashtags` are the tags as shown, without '#'; `mentions` are Page handles
(the first path segment of the mention link, or the `id` of profile.php links); `media`
holds images and videos of the post's own attachments, and a `link` entry for each
link-preview card; `links` are the outbound targets, unwrapped from l.facebook.com and
stripped of tracking parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from postwriter.extract.counts import parse_count
from postwriter.extract.dom import is_inside, nearest, readable_text
from postwriter.extract.timeparse import resolve_time
from postwriter.extract.urls import (
    absolute,
    clean_link,
    is_facebook_host,
    is_redirect,
    page_handle,
    permalink_id,
    strip_tracking,
)
from postwriter.models.post import Author, Media, MediaType, Metrics, Post

_MESSAGE = '[data-ad-preview="message"], [data-ad-comet-preview="message"]'
_TIME = "abbr[data-utime], [data-utime], time[datetime]"
_SPONSORED = frozenset(
    {"sponsored", "ממומן", "gesponsert", "sponsorisé", "patrocinado", "sponsorowane"}
)
_COUNT_WORDS = {
    "comment": "comments", "comments": "comments", "תגובה": "comments", "תגובות": "comments",
    "share": "shares", "shares": "shares", "שיתוף": "shares", "שיתופים": "shares",
    "view": "views", "views": "views", "play": "views", "plays": "views", "צפיות": "views",
}  # fmt: skip
# "45 comments", "1.1K shares", "1,2 tys. wyświetleń": a number, at most one short
# multiplier word, then the label word; nothing else in the element.
_COUNT_LABEL = re.compile(
    r"(?P<count>(?:\d{1,3}(?:[\u00a0\u202f ]\d{3})+|\d[\d.,]*)(?:\s?[^\W\d_]{1,6}\.?)?)"
    r"\s+(?P<word>[^\W\d_]+)"
)
_REACTIONS_LABEL = re.compile(r"\breactions?\b", re.IGNORECASE)
_ICON_MAX_PX = 40


@dataclass(frozen=True, slots=True)
class _Context:
    url: str
    host: str
    source: str | None
    fetched_at: datetime


class FacebookAdapter:
    name: str = "facebook"

    def matches(self, url: str, html: str) -> bool:
        if is_facebook_host(urlsplit(url).netloc):
            return True
        if "article" not in html:
            return False
        tree = LexborHTMLParser(html)
        return any(_permalink(a, url) for a in _top_articles(tree))

    def extract(self, html: str, *, url: str, fetched_at: datetime) -> list[Post]:
        tree = LexborHTMLParser(html)
        ctx = _Context(url, urlsplit(url).netloc.lower(), page_handle(url), fetched_at)
        posts: list[Post] = []
        seen: set[str] = set()
        for article in _top_articles(tree):
            post = _post(article, ctx)
            if post is not None and post.external_id not in seen:
                seen.add(post.external_id)
                posts.append(post)
        return posts


def _top_articles(tree: LexborHTMLParser) -> list[LexborNode]:
    return [
        node for node in tree.css('[role="article"]') if nearest(node, "role", "article") is None
    ]


def _own(article: LexborNode, selector: str) -> list[LexborNode]:
    """Matches inside `article` but not inside an article nested in it (a comment)."""
    return [n for n in article.css(selector) if nearest(n, "role", "article") == article]


def _same_site(url: str, ctx: _Context) -> bool:
    host = urlsplit(url).netloc.lower()
    return host == ctx.host or is_facebook_host(host)


def _permalink(article: LexborNode, page_url: str) -> tuple[LexborNode, str, str] | None:
    """The post's own permalink anchor: the one carrying the time, else the first one
    outside the message. Returns (anchor, absolute url, post id)."""
    message = _message(article)
    fallback: tuple[LexborNode, str, str] | None = None
    for anchor in _own(article, "a[href]"):
        url = absolute(anchor.attributes.get("href"), page_url)
        if url is None or "comment_id=" in url or is_redirect(url):
            continue
        post_id = permalink_id(url)
        if post_id is None or (message is not None and is_inside(anchor, message)):
            continue
        if anchor.css_first(_TIME) is not None:
            return anchor, url, post_id
        if fallback is None:
            fallback = (anchor, url, post_id)
    return fallback


def _message(article: LexborNode) -> LexborNode | None:
    found = _own(article, _MESSAGE)
    return found[0] if found else None


def _author(article: LexborNode, page_url: str) -> Author | None:
    for heading in _own(article, "h2, h3, h4"):
        anchor = heading.css_first("a[href]")
        name = " ".join((anchor or heading).text(deep=True).split())
        if name:
            href = absolute(anchor.attributes.get("href"), page_url) if anchor else None
            return Author(name=name, url=strip_tracking(href) if href else None)
    return None


def _published(article: LexborNode, anchor: LexborNode, ctx: _Context) -> datetime | None:
    stamp = anchor.css_first(_TIME)
    if stamp is None:
        message = _message(article)
        stamps = [s for s in _own(article, _TIME) if message is None or not is_inside(s, message)]
        stamp = stamps[0] if stamps else None
    attrs = stamp.attributes if stamp is not None else {}
    return resolve_time(
        utime=attrs.get("data-utime"),
        iso=attrs.get("datetime"),
        text=anchor.text(deep=True).strip() or anchor.attributes.get("aria-label"),
        fetched_at=ctx.fetched_at,
    )


def _hashtags_and_mentions(message: LexborNode, ctx: _Context) -> tuple[list[str], list[str]]:
    hashtags: list[str] = []
    mentions: list[str] = []
    for anchor in message.css("a[href]"):
        url = absolute(anchor.attributes.get("href"), ctx.url)
        if url is None or is_redirect(url) or not _same_site(url, ctx):
            continue
        path = urlsplit(url).path
        if path.startswith("/hashtag/"):
            tag = anchor.text(deep=True).strip().lstrip("#") or unquote(path[9:].strip("/"))
            hashtags.append(tag)
        elif (handle := page_handle(url)) is not None:
            mentions.append(handle)
    return list(dict.fromkeys(hashtags)), list(dict.fromkeys(mentions))


def _outbound(anchor: LexborNode, ctx: _Context) -> str | None:
    url = absolute(anchor.attributes.get("href"), ctx.url)
    if url is None or (not is_redirect(url) and _same_site(url, ctx)):
        return None
    return clean_link(url, ctx.url)


def _is_icon(img: LexborNode) -> bool:
    for attr in ("width", "height"):
        value = img.attributes.get(attr) or ""
        if value.isdigit() and int(value) <= _ICON_MAX_PX:
            return True
    return False


def _media_and_links(
    article: LexborNode, message: LexborNode | None, permalink: str, ctx: _Context
) -> tuple[list[Media], list[str]]:
    media: list[Media] = []
    links: list[str] = []
    cards: set[str] = set()
    for node in _own(article, "a[href], img[src], video"):
        if node.tag == "a":
            target = _outbound(node, ctx)
            if target is None:
                continue
            links.append(target)
            in_message = message is not None and is_inside(node, message)
            if node.css_first("img") is not None and not in_message and target not in cards:
                cards.add(target)
                media.append(Media("link", target))
            continue
        if message is not None and is_inside(node, message):
            continue  # emoji images are part of the text
        if any(nearest(node, "role", r) for r in ("toolbar", "button")) or _in_outbound(
            node, article, ctx
        ):
            continue
        kind: MediaType = "video" if node.tag == "video" else "image"
        src = node.attributes.get("src")
        if kind == "video" and not src:
            source = node.css_first("source[src]")
            src = source.attributes.get("src") if source else None
        if kind == "image" and _is_icon(node):
            continue
        url = absolute(src, ctx.url) if src and not src.startswith(("data:", "blob:")) else None
        if url is None and kind == "video":
            url = permalink  # streamed from a blob: the permalink is what a reader can open
        if url is not None:
            media.append(Media(kind, url))
    return list(dict.fromkeys(media)), list(dict.fromkeys(links))


def _in_outbound(node: LexborNode, article: LexborNode, ctx: _Context) -> bool:
    for parent in (p for p in _ancestors_until(node, article) if p.tag == "a"):
        if _outbound(parent, ctx) is not None:
            return True
    return False


def _ancestors_until(node: LexborNode, stop: LexborNode) -> list[LexborNode]:
    out: list[LexborNode] = []
    parent = node.parent
    while parent is not None and parent != stop:
        out.append(parent)
        parent = parent.parent
    return out


def _metrics_and_sponsored(article: LexborNode, message: LexborNode | None) -> tuple[Metrics, bool]:
    found: dict[str, int] = {}
    sponsored = False
    for node in _own(article, "[aria-label], span, div, a"):
        if message is not None and (node == message or is_inside(node, message)):
            continue
        label = node.attributes.get("aria-label") or ""
        if "reactions" not in found and _REACTIONS_LABEL.search(label):
            value = parse_count(label)
            if value is not None:
                found["reactions"] = value
        text = " ".join(node.text(deep=True, separator=" ").split())
        if not text or len(text) > 40:
            continue
        if text.casefold() in _SPONSORED or label.casefold() in _SPONSORED:
            sponsored = True
            continue
        m = _COUNT_LABEL.fullmatch(text)
        field = _COUNT_WORDS.get(m.group("word").casefold()) if m else None
        if m and field and field not in found:
            value = parse_count(m.group("count"))
            if value is not None:
                found[field] = value
    return Metrics(**found), sponsored


def _source(ctx: _Context, author: Author | None) -> str:
    if ctx.source:
        return ctx.source
    handle = page_handle(author.url) if author and author.url else None
    return handle or ctx.host


def _post(article: LexborNode, ctx: _Context) -> Post | None:
    found = _permalink(article, ctx.url)
    if found is None:
        return None  # no stable id: better no post than one stored twice
    anchor, permalink, post_id = found
    permalink = strip_tracking(permalink)
    message = _message(article)
    author = _author(article, ctx.url)
    hashtags, mentions = _hashtags_and_mentions(message, ctx) if message else ([], [])
    media, links = _media_and_links(article, message, permalink, ctx)
    metrics, sponsored = _metrics_and_sponsored(article, message)
    return Post(
        platform="facebook",
        source=_source(ctx, author),
        external_id=post_id,
        url=permalink,
        text=readable_text(message) if message is not None else "",
        author=author,
        published_at=_published(article, anchor, ctx),
        media=tuple(media),
        links=tuple(links),
        hashtags=tuple(hashtags),
        mentions=tuple(mentions),
        metrics=metrics,
        is_sponsored=sponsored,
    )
