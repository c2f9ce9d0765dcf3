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

from postwriter.extract.counts import parse_count, strip_bidi
from postwriter.extract.dom import readable_text
from postwriter.extract.facebook_dom import Scan, scan_article, top_articles
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

_SPONSORED = frozenset(
    {"sponsored", "ממומן", "gesponsert", "sponsorisé", "patrocinado", "sponsorowane"}
)
_COUNT_WORDS = {
    "comment": "comments", "comments": "comments", "תגובה": "comments", "תגובות": "comments",
    "share": "shares", "shares": "shares", "שיתוף": "shares", "שיתופים": "shares",
    "view": "views", "views": "views", "play": "views", "plays": "views", "צפיות": "views",
    "צפייה": "views", "komentarz": "comments", "komentarze": "comments",
    "komentarzy": "comments", "komentarza": "comments", "udostępnienie": "shares",
    "udostępnienia": "shares", "udostępnień": "shares", "wyświetlenie": "views",
    "wyświetlenia": "views", "wyświetleń": "views",
}  # fmt: skip
# Reaction names as Facebook labels each icon of a post's reaction summary
# ("Like: 1,234 people", "אהבתי: 1,234 אנשים", "Lubię to!: 1,2 tys. osób"), by locale.
REACTION_NAMES = {
    "like": "like", "love": "love", "care": "care", "haha": "haha", "wow": "wow",
    "sad": "sad", "angry": "angry",
    "אהבתי": "like", "לייק": "like", "אהבה": "love", "אוהב": "love", "אכפתי": "care",
    "אכפת לי": "care", "חחח": "haha", "הההה": "haha", "וואו": "wow", "עצוב": "sad",
    "כועס": "angry",
    "lubię to!": "like", "lubię to": "like", "super": "love", "trzymaj się": "care",
    "ha ha": "haha", "przykro mi": "sad", "wrr": "angry",
    "gefällt mir": "like", "umarmung": "care", "traurig": "sad", "wütend": "angry",
    "j'aime": "like", "j'adore": "love", "solidaire": "care", "waouh": "wow",
    "triste": "sad", "grrr": "angry", "me gusta": "like", "me encanta": "love",
    "me importa": "care", "me divierte": "haha", "me asombra": "wow",
    "me entristece": "sad", "me enoja": "angry",
}  # fmt: skip
_REACTION_LABEL = re.compile(r"(?P<name>[^:\d]{2,24}):\s*(?P<rest>\d.{0,40})")
# "45 comments", "1.1K shares", "1,2 tys. wyświetleń": a number, at most one short
# multiplier word, then the label word; nothing else in the text.
_COUNT_LABEL = re.compile(
    r"(?P<count>(?:\d{1,3}(?:[\u00a0\u202f ]\d{3})+|\d[\d.,]*)(?:\s?[^\W\d_]{1,6}\.?)?)"
    r"\s+(?P<word>[^\W\d_]+)"
)
# The total: "All reactions: 1,234", "Wszystkie reakcje: 1,2 tys.", "כל הרגשות: 1.2 אלף".
_REACTIONS_LABEL = re.compile(
    r"\b(?:reactions?|reakcj[aei]?|reaktionen|réactions|reacciones|reações)\b|רגשות",
    re.IGNORECASE,
)
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
        return any(_permalink(scan_article(a), url) for a in top_articles(tree))

    def extract(self, html: str, *, url: str, fetched_at: datetime) -> list[Post]:
        tree = LexborHTMLParser(html)
        ctx = _Context(url, urlsplit(url).netloc.lower(), page_handle(url), fetched_at)
        posts: list[Post] = []
        seen: set[str] = set()
        for article in top_articles(tree):
            post = _post(scan_article(article), ctx)
            if post is not None and post.external_id not in seen:
                seen.add(post.external_id)
                posts.append(post)
        return posts


def _same_site(url: str, ctx: _Context) -> bool:
    host = urlsplit(url).netloc.lower()
    return host == ctx.host or is_facebook_host(host)


def _permalink(scan: Scan, page_url: str) -> tuple[LexborNode, str, str] | None:
    """The post's own permalink anchor, outside the message: the one carrying the time,
    else the first one. Returns (anchor, absolute url, post id)."""
    stamped = {s.anchor.mem_id for s in scan.stamps if s.anchor is not None}
    fallback: tuple[LexborNode, str, str] | None = None
    for item in scan.items:
        if item.node.tag != "a" or item.in_message:
            continue
        url = absolute(item.node.attributes.get("href"), page_url)
        if url is None or "comment_id=" in url or is_redirect(url):
            continue
        post_id = permalink_id(url)
        if post_id is None:
            continue
        if item.node.mem_id in stamped:
            return item.node, url, post_id
        if fallback is None:
            fallback = (item.node, url, post_id)
    return fallback


def _author(scan: Scan, page_url: str) -> Author | None:
    for heading in scan.headings[:5]:
        anchor = heading.css_first("a[href]")
        name = " ".join((anchor or heading).text(deep=True).split())
        if name:
            href = absolute(anchor.attributes.get("href"), page_url) if anchor else None
            return Author(name=name, url=strip_tracking(href) if href else None)
    return None


def _published(scan: Scan, anchor: LexborNode, ctx: _Context) -> datetime | None:
    own = [s for s in scan.stamps if s.anchor is not None and s.anchor.mem_id == anchor.mem_id]
    stamps = own or [s for s in scan.stamps if not s.in_message]
    attrs = stamps[0].node.attributes if stamps else {}
    return resolve_time(
        utime=attrs.get("data-utime"),
        iso=attrs.get("datetime"),
        text=anchor.text(deep=True).strip() or anchor.attributes.get("aria-label"),
        fetched_at=ctx.fetched_at,
    )


def _hashtags_and_mentions(scan: Scan, ctx: _Context) -> tuple[list[str], list[str]]:
    hashtags: list[str] = []
    mentions: list[str] = []
    for item in scan.items:
        if item.node.tag != "a" or not item.in_message:
            continue
        url = absolute(item.node.attributes.get("href"), ctx.url)
        if url is None or is_redirect(url) or not _same_site(url, ctx):
            continue
        path = urlsplit(url).path
        if path.startswith("/hashtag/"):
            shown = item.node.text(deep=True).strip().lstrip("#")
            hashtags.append(shown or unquote(path[9:].strip("/")))
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


def _media_and_links(scan: Scan, permalink: str, ctx: _Context) -> tuple[list[Media], list[str]]:
    media: list[Media] = []
    links: list[str] = []
    targets: dict[int, str | None] = {}  # anchor mem_id -> outbound target
    for item in scan.items:
        node = item.node
        if node.tag == "a":
            target = targets[node.mem_id] = _outbound(node, ctx)
            if target is not None:
                links.append(target)
            continue
        if item.in_message or item.in_widget:
            continue  # emoji in the text, reaction icons
        card = targets.get(item.anchor.mem_id) if item.anchor is not None else None
        if card is not None:
            media.append(Media("link", card))  # a link preview: its image is decoration
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


def _count(text: str, found: dict[str, int]) -> None:
    m = _COUNT_LABEL.fullmatch(strip_bidi(text).strip())
    metric = _COUNT_WORDS.get(m.group("word").casefold()) if m else None
    if m and metric and metric not in found:
        value = parse_count(m.group("count"))
        if value is not None:
            found[metric] = value


def reaction_type(label: str) -> tuple[str, int] | None:
    """("like", 1234) from an icon's label such as "Like: 1,234 people"; None for any
    other label (unknown reaction names included)."""
    m = _REACTION_LABEL.fullmatch(" ".join(strip_bidi(label).split()))
    if m is None:
        return None
    name = REACTION_NAMES.get(m.group("name").strip().casefold().replace("\u2019", "'"))
    count = parse_count(m.group("rest"))
    return (name, count) if name is not None and count is not None else None


def _metrics_and_sponsored(scan: Scan) -> tuple[Metrics, bool]:
    found: dict[str, int] = {}
    by_type: dict[str, int] = {}
    sponsored = False
    for label in scan.labels:
        if "reactions" not in found and _REACTIONS_LABEL.search(label):
            value = parse_count(label)
            if value is not None:
                found["reactions"] = value
        reaction = reaction_type(label)
        if reaction is not None:
            by_type.setdefault(*reaction)
        sponsored = sponsored or strip_bidi(label).strip().casefold() in _SPONSORED
        _count(" ".join(label.split()), found)
    for text in scan.texts:
        sponsored = sponsored or strip_bidi(text).strip().casefold() in _SPONSORED
        _count(text, found)
    return Metrics(**found, reactions_by_type=by_type or None), sponsored


def _source(ctx: _Context, author: Author | None) -> str:
    if ctx.source:
        return ctx.source
    handle = page_handle(author.url) if author and author.url else None
    return handle or ctx.host


def _post(scan: Scan, ctx: _Context) -> Post | None:
    found = _permalink(scan, ctx.url)
    if found is None:
        return None  # no stable id: better no post than one stored twice
    anchor, permalink, post_id = found
    permalink = strip_tracking(permalink)
    author = _author(scan, ctx.url)
    hashtags, mentions = _hashtags_and_mentions(scan, ctx)
    media, links = _media_and_links(scan, permalink, ctx)
    metrics, sponsored = _metrics_and_sponsored(scan)
    return Post(
        platform="facebook",
        source=_source(ctx, author),
        external_id=post_id,
        url=permalink,
        text=readable_text(scan.message) if scan.message is not None else "",
        author=author,
        published_at=_published(scan, anchor, ctx),
        media=tuple(media),
        links=tuple(links),
        hashtags=tuple(hashtags),
        mentions=tuple(mentions),
        metrics=metrics,
        is_sponsored=sponsored,
    )
