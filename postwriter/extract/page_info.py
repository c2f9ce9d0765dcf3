"""What a Facebook Page says about itself in its header: its name and its follower count.

The follower count is the denominator of the engagement rate (see
`postwriter.analysis.engagement`). It is read from the page's own chrome, never from a
post: a post saying "we just passed 50K followers!" is not the page's count, so every
`role="article"` subtree is removed before the text is searched.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from postwriter.extract.counts import parse_count, strip_bidi

# The word a Page puts after its follower count, per language the users read. Compared
# case-folded; the count must stand right before it ("12K followers", "1.2 אלף עוקבים").
_FOLLOWER_WORDS = (
    "people follow this",  # older English Pages
    "followers",  # English; German uses the same word
    "follower",
    "עוקבים",  # Hebrew
    "עוקבות",
    "עוקב",
    "obserwujących",  # Polish
    "obserwujący",
    "abonnés",  # French
    "seguidores",  # Spanish, Portuguese
    "подписчиков",  # Russian
    "подписчики",
)
_SPACE = "[ \u00a0\u202f]"
# A count as pages write it: digits with group or decimal marks, then an optional
# multiplier word ("K", "tys.", "אלף", "mln"). `parse_count` decides what it is worth.
_COUNT = rf"(?P<count>\d[\d.,\u00a0\u202f]*(?:{_SPACE}?[^\W\d_]{{1,8}}\.?)?)"
_FOLLOWERS = re.compile(
    rf"(?<![\w.,]){_COUNT}{_SPACE}*(?:{'|'.join(re.escape(w) for w in _FOLLOWER_WORDS)})(?!\w)",
    re.IGNORECASE,
)
_TITLE_COUNTER = re.compile(r"^\(\d+\+?\)\s*")  # "(3) Acme | Facebook": unread notifications
_TITLE_SUFFIX = re.compile(r"\s*[|\-–—]\s*Facebook\s*$", re.IGNORECASE)


def _header_tree(html: str) -> LexborHTMLParser:
    tree = LexborHTMLParser(html)
    for node in tree.css('script, style, noscript, template, [role="article"]'):
        node.decompose()
    return tree


def page_followers(html: str) -> int | None:
    """The follower count the Page shows in its header, or None when it shows none.

    >>> page_followers("<h1>Acme</h1><span>12K followers</span>")
    12000
    """
    tree = _header_tree(html)
    if tree.body is None:
        return None
    text = strip_bidi(tree.body.text(deep=True, separator=" ", strip=False))
    for m in _FOLLOWERS.finditer(text):
        count = parse_count(m.group("count"))
        if count is not None:
            return count
    return None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(strip_bidi(text).split())
    return text or None


def page_name(html: str) -> str | None:
    """The Page's name: `og:title`, else the first heading outside the posts, else the
    document title without " | Facebook" and without a notification counter."""
    tree = _header_tree(html)
    meta = tree.css_first('meta[property="og:title"]')
    name = _clean(meta.attributes.get("content") if meta is not None else None)
    if name:
        return name
    heading = tree.css_first("h1")
    name = _clean(heading.text(deep=True, separator=" ") if heading is not None else None)
    if name:
        return name
    title = tree.css_first("title")
    raw = _clean(title.text() if title is not None else None)
    if raw is None:
        return None
    name = _clean(_TITLE_SUFFIX.sub("", _TITLE_COUNTER.sub("", raw)))
    return None if name is None or name.casefold() == "facebook" else name
