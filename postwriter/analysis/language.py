"""Language and direction of a post's text, offline and deterministic.

`detect_language` answers "en", "he", "other" (letters of another language or script) or
"und" (no letters at all: emoji, digits, punctuation, links only). It counts letters by
script after links, e-mail addresses, @mentions and hashtags are removed (Hebrew posts name
English brands and link to English URLs; that must not make them English). Hebrew wins
when at least a quarter of the remaining letters are Hebrew. Latin text is English unless
common function words of other Latin-script languages outnumber English ones.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["detect_language", "hebrew_share", "is_rtl"]

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_HANDLE = re.compile(r"[@#][\w\u0590-\u05ff]+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

# A Hebrew share of letters at or above this makes the text Hebrew.
HEBREW_MIN_SHARE = 0.25


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EN_WORDS = _words(
    "the a an and or but of to in on at for with from by is are was were be been it its this "
    "that these those you your we our us i my me he she they them his her their not no yes "
    "do does did have has had will would can could just so if then than there here what who "
    "how why when all any more most very get got new now up out about"
)
# Function words of other Latin-script languages that rarely occur as English words.
_OTHER_LATIN_WORDS = _words(
    "el la los las de del que y en es por para una uno con tu tus su sus al lo se pero muy "
    "le les des et est pour avec au aux ce cette dans une sur pas je nous vous der das und "
    "ist nicht ein eine mit sich auf dem ich wir sie zu im não uma com mais il che di della "
    "sono gli ho och att det är het een niet zijn voor ik"
)


def _strip_non_words(text: str) -> str:
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    return _HANDLE.sub(" ", text)


def _letter_counts(text: str) -> tuple[int, int, int]:
    """(Hebrew letters, Latin letters, letters of other scripts)."""
    hebrew = latin = other = 0
    for ch in text:
        if not ch.isalpha():
            continue
        code = ord(ch)
        if 0x05D0 <= code <= 0x05EA or 0xFB1D <= code <= 0xFB4F:
            hebrew += 1
        elif ch.isascii() or "LATIN" in unicodedata.name(ch, ""):
            latin += 1
        else:
            other += 1
    return hebrew, latin, other


def hebrew_share(text: str) -> float:
    """Share of Hebrew letters among all letters outside links, mentions and hashtags."""
    hebrew, latin, other = _letter_counts(_strip_non_words(text))
    total = hebrew + latin + other
    return hebrew / total if total else 0.0


def detect_language(text: str) -> str:
    """ "en", "he", "other" or "und" (nothing to judge by)."""
    if not isinstance(text, str):
        return "und"
    body = _strip_non_words(text)
    hebrew, latin, other = _letter_counts(body)
    total = hebrew + latin + other
    if total == 0:
        # Only a link or hashtags: judge by what is there rather than by nothing.
        hebrew, latin, other = _letter_counts(text)
        total = hebrew + latin + other
        if total == 0:
            return "und"
    if hebrew / total >= HEBREW_MIN_SHARE:
        return "he"
    if latin >= other:
        words = [w.lower() for w in _WORD.findall(body)]
        english = sum(1 for w in words if w in _EN_WORDS)
        foreign = sum(1 for w in words if w in _OTHER_LATIN_WORDS)
        if foreign > english:
            return "other"
        if english == 0 and any(not ch.isascii() for ch in body if ch.isalpha()):
            # Accented Latin letters and no English function word: not English.
            return "other"
        return "en"
    return "other"


def is_rtl(text: str) -> bool:
    """True when most strongly directional characters are right-to-left (Hebrew, Arabic).

    The Unicode bidi algorithm (rule P2) takes a paragraph's direction from its first
    strong character; Hebrew posts often open with a Latin brand name or a link, so the
    majority decides here. Characters inside links are not counted.
    """
    if not isinstance(text, str):
        return False
    body = _URL.sub(" ", text)
    rtl = ltr = 0
    for ch in body:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            rtl += 1
        elif kind == "L":
            ltr += 1
    return rtl > ltr
