"""RSS (0.9x, 1.0, 2.0) and Atom 1.0 feeds, read with feedparser.

The input is the feed's own XML as the server sent it (see `decode_feed` for the bytes).
Chromium shows an `application/rss+xml` or `application/atom+xml` response as plain text in
a `<pre>`, so `page.content()` is an HTML page: that wrapper is recognised and unwrapped,
but the response body is the better input (exact bytes, no second decoding).

One post per entry, in feed order. `platform` is "rss" for both formats, `source` the
feed URL's host, `external_id` the entry's guid / id (else its link). Text is the title, a
blank line, then the content (`content:encoded`, Atom `content`) or else the summary, HTML
read as a reader sees it (paragraphs and line breaks kept). `links` are the links inside
that text (absolute, tracking removed); `media` the image and video enclosures,
`media:content` and `media:thumbnail`. Comment counts come from `slash:comments` and
`thr:total`; feeds carry no other engagement figures.
"""

from __future__ import annotations

import codecs
import io
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from postwriter.extract.counts import parse_count
from postwriter.extract.dom import readable_text, tidy
from postwriter.extract.urls import absolute, clean_link, strip_tracking
from postwriter.models.post import Author, Media, MediaType, Metrics, Post

# What a feed begins with, after an optional BOM, XML declaration, comments, PIs, doctype.
_PROLOG = r"(?:\s|<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)*"
_RSS = re.compile(_PROLOG + r"<rss[\s>]", re.IGNORECASE | re.DOTALL)
_RDF = re.compile(_PROLOG + r"<rdf:RDF\b[^>]*http://purl\.org/rss/1\.0/", re.DOTALL)
_ATOM = re.compile(
    _PROLOG + r"<(?:[\w-]+:)?feed\b[^>]*[\"']http://www\.w3\.org/2005/Atom[\"']", re.DOTALL
)
_SNIFF = 4096  # how far into the text detection looks
_XML_ENCODING = re.compile(rb"^<\?xml[^>]*\bencoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})[\"']")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _is_feed_text(text: str) -> bool:
    head = text[:_SNIFF].lstrip("\ufeff")
    return bool(_RSS.match(head) or _ATOM.match(head) or _RDF.match(head))


def feed_text(text: str) -> str | None:
    """The feed's XML in `text`: `text` itself, or the content of the `<pre>` that a
    browser wraps around a feed it shows as text; None when `text` holds no feed."""
    if _is_feed_text(text):
        return text
    if "<pre" not in text[:_SNIFF]:
        return None
    body = LexborHTMLParser(text).body
    children = [c for c in body.iter() if c.is_element_node] if body is not None else []
    if len(children) == 1 and children[0].tag == "pre":
        inner = children[0].text(deep=True)
        return inner if _is_feed_text(inner) else None
    return None


def is_feed(text: str) -> bool:
    """Whether `text` is an RSS or Atom document (not an HTML page that links to one)."""
    return feed_text(text) is not None


def decode_feed(body: bytes, content_type: str | None = None) -> str:
    """A feed's bytes as text: the BOM's encoding, else the HTTP charset, else the XML
    declaration's, else UTF-8 (undecodable bytes replaced, never an error)."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace").lstrip("\ufeff")
    candidates: list[str] = []
    charset = re.search(r"charset=[\"']?([\w.-]+)", content_type or "", re.IGNORECASE)
    if charset:
        candidates.append(charset.group(1))
    declared = _XML_ENCODING.match(body[:200])
    if declared:
        candidates.append(declared.group(1).decode("ascii"))
    for name in candidates:
        try:
            return body.decode(codecs.lookup(name).name, errors="replace")
        except LookupError:
            continue
    return body.decode("utf-8", errors="replace")


def _parse(text: str, url: str) -> Any:
    # A stream, never a string: feedparser fetches a string that looks like a URL or opens
    # one that names a file. The header makes it read the bytes as the UTF-8 they are,
    # whatever encoding the XML declaration names.
    import feedparser  # type: ignore[import-untyped]  # on first use: it takes 0.1 s

    return feedparser.parse(
        io.BytesIO(text.encode("utf-8")),
        response_headers={
            "content-location": url,
            "content-type": "application/xml; charset=utf-8",
        },
        sanitize_html=True,
        resolve_relative_uris=True,
    )


def _html_text(html: str) -> str:
    body = LexborHTMLParser(html).body
    return readable_text(body) if body is not None else ""


def _detail_text(detail: Any) -> tuple[str, str]:
    """(readable text, html) of a feedparser text construct."""
    value = str(detail.get("value") or "")
    if str(detail.get("type") or "").endswith("plain"):
        return tidy(value), ""
    return _html_text(value), value


def _body(entry: Any) -> tuple[str, str]:
    for detail in entry.get("content") or []:
        text, html = _detail_text(detail)
        if text:
            return text, html
    summary = entry.get("summary_detail")
    if summary:
        return _detail_text(summary)
    return tidy(str(entry.get("summary") or "")), ""


def _title(entry: Any) -> str:
    detail = entry.get("title_detail")
    if detail:
        return " ".join(_detail_text(detail)[0].split())
    return " ".join(str(entry.get("title") or "").split())


def _compose(title: str, body: str) -> str:
    if not title or body.startswith(title):
        return tidy(body)
    return tidy(f"{title}\n\n{body}" if body else title)


def _time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                year, month, day, hour, minute, second = (int(v) for v in parsed[:6])
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None


def _web_url(value: Any, base: str) -> str | None:
    """An http(s) URL, absolute, without tracking parameters; None for `urn:`, `tag:`."""
    url = absolute(value, base) if isinstance(value, str) else None
    return strip_tracking(url) if url else None


_PAIRED = re.compile(r"\s*(?P<a>[^()<>]*?)\s*[(<]\s*(?P<b>[^()<>]*?)\s*[)>]\s*")


def _name_beside_email(raw: str) -> str:
    """The name in RSS's "news@acme.coffee (Acme Newsroom)" or "Acme <news@acme.coffee>"
    (feedparser cuts top-level domains longer than four letters); "" for a bare address."""
    m = _PAIRED.fullmatch(raw)
    if m is None:
        return ""
    parts = [p for p in (m.group("a"), m.group("b")) if p and "@" not in p]
    return parts[0] if parts else ""


def _author(entry: Any, feed: Any, base: str) -> Author | None:
    for source in (entry, feed):
        detail = source.get("author_detail") or {}
        raw = " ".join(str(source.get("author") or "").split())
        name = _name_beside_email(raw) if "@" in raw else ""
        name = name or " ".join(str(detail.get("name") or raw).split())
        if name and "@" not in name:
            return Author(name=name, url=_web_url(detail.get("href"), base))
    return None


def _media_type(mime: str, medium: str = "") -> MediaType | None:
    kind = medium or mime.split("/", 1)[0]
    return "image" if kind == "image" else "video" if kind == "video" else None


def _media(entry: Any, base: str) -> list[Media]:
    found: list[Media] = []
    for enclosure in entry.get("enclosures") or []:
        kind = _media_type(str(enclosure.get("type") or ""))
        url = _web_url(enclosure.get("href") or enclosure.get("url"), base)
        if kind and url:
            found.append(Media(kind, url))
    for item in entry.get("media_content") or []:
        kind = _media_type(str(item.get("type") or ""), str(item.get("medium") or ""))
        url = _web_url(item.get("url"), base)
        if kind and url:
            found.append(Media(kind, url))
    for item in entry.get("media_thumbnail") or []:
        url = _web_url(item.get("url"), base)
        if url:
            found.append(Media("image", url))
    return list(dict.fromkeys(found))


def _links(html: str, base: str, own: str) -> list[str]:
    if not html:
        return []
    links: list[str] = []
    for anchor in LexborHTMLParser(html).css("a[href]"):
        link = clean_link(anchor.attributes.get("href"), base)
        if link and link != own:
            links.append(link)
    return list(dict.fromkeys(links))


def _comments(entry: Any) -> int | None:
    for key in ("slash_comments", "thr_total"):
        value = entry.get(key)
        if value is not None:
            count = parse_count(str(value))
            if count is not None:
                return count
    return None


class FeedAdapter:
    name: str = "feed"

    def matches(self, url: str, html: str) -> bool:
        return is_feed(html)

    def extract(self, html: str, *, url: str, fetched_at: datetime) -> list[Post]:
        parsed = _parse(feed_text(html) or html, url)
        feed = parsed.get("feed") or {}
        source = urlsplit(url).netloc.lower()
        posts: list[Post] = []
        seen: set[str] = set()
        for entry in parsed.get("entries") or []:
            link = _web_url(entry.get("link"), url)
            guid = str(entry.get("id") or "").strip()
            external_id = guid or link
            if not external_id or external_id in seen:
                continue  # no stable id: better no post than one stored twice
            seen.add(external_id)
            guid_url = _web_url(guid, url) if guid.startswith(("http://", "https://")) else None
            permalink = link or guid_url or url
            text, html_body = _body(entry)
            posts.append(
                Post(
                    platform="rss",
                    source=source,
                    external_id=external_id,
                    url=permalink,
                    text=_compose(_title(entry), text),
                    author=_author(entry, feed, url),
                    published_at=_time(entry),
                    media=tuple(_media(entry, url)),
                    links=tuple(_links(html_body, permalink, permalink)),
                    metrics=Metrics(comments=_comments(entry)),
                )
            )
        return posts
