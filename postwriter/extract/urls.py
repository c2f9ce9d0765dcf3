"""URL handling for extraction: absolute URLs, redirect unwrapping, tracking removal and
the platform ids hidden in permalinks."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only track the click; removed from every link we keep.
_TRACKING = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "igshid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "_ga", "_gl",
        "hc_ref", "fref", "eid", "paipv", "refid", "rdid",
    }
)  # fmt: skip
# Prefixes: utm_* campaign tags, and Facebook's internal "__cft__[0]", "__tn__", "__eep__".
_TRACKING_PREFIXES = ("utm_", "__")
_FB_HOST = re.compile(r"(?:^|\.)(?:facebook\.com|fb\.com|fb\.watch|messenger\.com)$")
_REDIRECT_PATHS = ("/l.php", "/flx/warn/")
# Path segments that are not Page handles.
_RESERVED = frozenset(
    {
        "reel", "reels", "watch", "photo", "photo.php", "photos", "permalink.php", "story.php",
        "hashtag", "groups", "events", "pages", "profile.php", "videos", "posts", "login",
        "login.php", "sharer", "sharer.php", "l.php", "home.php", "search", "marketplace",
        "gaming", "stories", "ads", "help", "privacy", "policies",
    }
)  # fmt: skip
_ID = r"(?P<id>[0-9]+|pfbid[0-9A-Za-z]+)"
_PATH_IDS = (
    re.compile(rf"^/(?:[^/]+/)?posts/{_ID}/?$"),
    re.compile(rf"^/groups/[^/]+/(?:posts|permalink)/{_ID}/?$"),
    re.compile(rf"^/(?:[^/]+/)?videos/(?:[^/]+/)?{_ID}/?$"),
    re.compile(rf"^/reels?/{_ID}/?$"),
    re.compile(rf"^/[^/]+/photos/[^/]+/{_ID}/?$"),
)
_QUERY_IDS = {
    "/permalink.php": "story_fbid",
    "/story.php": "story_fbid",
    "/photo": "fbid",
    "/photo/": "fbid",
    "/photo.php": "fbid",
    "/watch": "v",
    "/watch/": "v",
}


def absolute(href: str | None, base: str) -> str | None:
    """`href` resolved against `base`; None for non-web links (javascript:, mailto:, #)."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    url = urljoin(base, href)
    return url if urlsplit(url).scheme in ("http", "https") else None


def is_facebook_host(host: str) -> bool:
    return bool(_FB_HOST.search(host.lower().split(":")[0]))


def is_redirect(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path in _REDIRECT_PATHS and (
        is_facebook_host(parts.netloc) or parts.netloc.split(".", 1)[0] in ("l", "lm")
    )


def unwrap_redirect(url: str) -> str:
    """`https://l.facebook.com/l.php?u=<real>&h=...` -> `<real>`; other URLs unchanged."""
    if not is_redirect(url):
        return url
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key == "u" and value:
            target = unquote(value) if value.lower().startswith("http%3a") else value
            if urlsplit(target).scheme in ("http", "https"):
                return target
    return url


def strip_tracking(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [
        (k, v)
        for k, v in pairs
        if k.lower() not in _TRACKING and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


def clean_link(href: str | None, base: str) -> str | None:
    """An outbound link as kept: absolute, redirect unwrapped, tracking removed."""
    url = absolute(href, base)
    return strip_tracking(unwrap_redirect(url)) if url else None


def permalink_id(url: str) -> str | None:
    """The platform's post id from a permalink, in any of the forms Facebook uses."""
    parts = urlsplit(url)
    for pattern in _PATH_IDS:
        m = pattern.match(parts.path)
        if m:
            return m.group("id")
    key = _QUERY_IDS.get(parts.path)
    if key:
        for k, v in parse_qsl(parts.query):
            if k == key and re.fullmatch(r"[0-9]+|pfbid[0-9A-Za-z]+", v):
                return v
    return None


def page_handle(url: str) -> str | None:
    """The Page a URL belongs to: the first path segment (`/acmecoffee/...`), or the `id`
    parameter of `permalink.php` / `profile.php`; None for platform paths like `/reel/`."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return None
    first = segments[0]
    if first in ("permalink.php", "profile.php", "story.php"):
        for k, v in parse_qsl(parts.query):
            if k == "id" and v:
                return v
        return None
    if first.lower() in _RESERVED or not re.fullmatch(r"[\w.\-]+", first):
        return None
    return first
