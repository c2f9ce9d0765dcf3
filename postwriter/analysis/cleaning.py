"""Text cleaning for analysis: keep what the author wrote, drop what the platform added.

What `clean_text` does, in order:
1. HTML leftovers: `<br>` and `</p>` become line breaks, other tags go, entities are decoded.
2. Unicode NFC; every line-break form (CRLF, CR, U+2028, U+0085) becomes `\\n`, U+2029 a
   paragraph break.
3. Invisible characters: zero-width space, BOM, word joiner, soft hyphen and the bidi
   controls (LRM, RLM, ALM, embeddings, overrides, isolates) are removed: the analysis
   reads logical order, and a renderer picks the direction itself (`language.is_rtl`).
   The zero-width joiner is kept inside emoji sequences (👨‍👩‍👧 stays one emoji) and dropped
   elsewhere; the zero-width non-joiner is kept only between two letters.
4. Exotic spaces (no-break, thin, ideographic, tabs) become a plain space.
5. Links in the text lose their tracking parameters and Facebook redirect wrappers (the
   same rules as `postwriter.extract.urls`).
6. Whole lines that are platform chrome ("See more", "See translation", "ראה עוד") are
   dropped, and a trailing "… See more" is cut. Nothing is dropped for containing a word:
   a line with "like", "share", "message" or "save" is the author's text and stays.
7. Spaces are collapsed within each line and trimmed at both ends; runs of blank lines
   become one blank line, so paragraphs and line breaks survive. Hashtags, mentions and
   emoji are untouched.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit

from postwriter.extract.urls import strip_tracking, unwrap_redirect

__all__ = ["clean_link_text", "clean_links", "clean_text"]

_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_P_END = re.compile(r"</p\s*>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")

_DROP = dict.fromkeys(
    map(
        ord,
        "\u200b\ufeff\u2060\u00ad\u180e"  # zero-width space, BOM, word joiner, soft hyphen
        "\u200e\u200f\u061c"  # LRM, RLM, ALM
        "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
        "\u2066\u2067\u2068\u2069",  # isolates
    )
)
_ZWJ = "\u200d"
_ZWNJ = "\u200c"
_SPACES = re.compile(r"[ \t\v\f\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_URL_TRAIL = ".,;:!?)]}’”'\"…"
_CHROME_LINE = re.compile(
    r"^(?:…|\.\.\.)?\s*(?:see (?:more|less|translation|original)|show (?:more|less)"
    r"|rate this translation|ראה עוד|ראו עוד|הצג עוד|הצג פחות|ראה תרגום|הצג תרגום"
    r"|הצג את המקור|דרג את התרגום הזה)\s*$",
    re.IGNORECASE,
)
_CHROME_TAIL = re.compile(r"\s*(?:…|\.\.\.)\s*(?:see more|ראה עוד|הצג עוד)\s*$", re.IGNORECASE)


def _is_pictographic(ch: str) -> bool:
    code = ord(ch)
    return (
        0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or 0x2B00 <= code <= 0x2BFF
        or code in (0xFE0F, 0x20E3, 0x2640, 0x2642, 0x2695, 0x2708, 0x2764)
        or 0x1F3FB <= code <= 0x1F3FF
    )


def _joiners(text: str) -> str:
    if _ZWJ not in text and _ZWNJ not in text:
        return text
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in (_ZWJ, _ZWNJ):
            before = text[i - 1] if i > 0 else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if (ch == _ZWJ and before and after and _is_pictographic(before)) or (
                ch == _ZWNJ and before.isalpha() and after.isalpha()
            ):
                out.append(ch)
            continue
        out.append(ch)
    return "".join(out)


def clean_link_text(url: str) -> str:
    """One absolute link: Facebook redirect unwrapped, tracking parameters removed."""
    return strip_tracking(unwrap_redirect(url))


def _clean_url_match(match: re.Match[str]) -> str:
    raw = match.group(0)
    core = raw.rstrip(_URL_TRAIL)
    # Keep a closing parenthesis that belongs to the URL (".../Foo_(bar)").
    if raw[len(core) : len(core) + 1] == ")" and core.count("(") > core.count(")"):
        core += ")"
    return clean_link_text(core) + raw[len(core) :]


def clean_text(text: str) -> str:
    """The post text as analysed: see the module docstring for every step."""
    if not text:
        return ""
    if "<" in text:
        text = _BR.sub("\n", text)
        text = _P_END.sub("\n\n", text)
        text = _TAG.sub("", text)
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u0085", "\n").replace("\u2029", "\n\n")
    text = _joiners(text.translate(_DROP))
    text = _SPACES.sub(" ", text)
    text = _URL.sub(_clean_url_match, text)
    lines: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if _CHROME_LINE.match(line):
            continue
        line = _CHROME_TAIL.sub("", line)
        lines.append(line)
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def clean_links(links: list[str]) -> list[str]:
    """Absolute http(s) links, unwrapped and without tracking, in order, each once.

    Anything that is not an absolute web link (empty, relative, `mailto:`, `javascript:`,
    not a string) is left out.
    """
    seen: set[str] = set()
    out: list[str] = []
    for link in links:
        if not isinstance(link, str):
            continue
        link = link.strip()
        try:
            parts = urlsplit(link)
        except ValueError:
            continue
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            continue
        cleaned = clean_link_text(link)
        if cleaned not in seen:
            seen.add(cleaned)
            out.append(cleaned)
    return out
