"""Tone of one post and the voice of a page: a few measurable, explainable figures.

`tone(text, language)` returns, for the cleaned text:

- `formality` 0..1: 0.5 plus formal wording ("please note", "we are pleased", "הננו",
  "בברכה"), minus slang ("gonna", "lol", "סבבה", "חחח"), contractions, emoji and
  exclamations (see `_formality`; a heuristic, monotone in each signal, not a model).
- `emoji_ratio`: emoji / (words + emoji); an emoji sequence (👨‍👩‍👧, 👍🏽, a flag) counts once.
- `exclamation_rate`, `question_rate`: share of sentences ending in "!" / "?".
- `avg_sentence_length`: words per sentence.
- `second_person`: share of words that address the reader (you, your; אתם, לכם, שלך...).
  Hebrew counts pronouns only: imperatives ("הזמינו") are not recognised.
- `hashtag_density`: hashtags / (words + hashtags).
- `reading_ease`: Flesch reading ease for English (206.835 - 1.015 words/sentence -
  84.6 syllables/word; syllables by vowel groups). None for Hebrew and other languages:
  Flesch's constants were fitted to English word and syllable lengths, Hebrew is written
  mostly without vowels so syllables cannot be counted from the text, and no Hebrew
  readability formula is established for short social posts.

Words are letter/digit runs outside links, hashtags and @mentions. A figure that cannot be
measured (no words, no sentences) is None, never a made-up 0.
`voice(tones)` is the mean of each key over a page's posts, ignoring None.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from postwriter.analysis.cleaning import clean_text
from postwriter.analysis.language import detect_language

__all__ = ["TONE_KEYS", "count_emoji", "syllables", "tone", "voice"]

TONE_KEYS: tuple[str, ...] = (
    "formality", "emoji_ratio", "exclamation_rate", "question_rate",
    "avg_sentence_length", "second_person", "hashtag_density", "reading_ease",
)  # fmt: skip

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HASHTAG = re.compile(r"(?<![\w&])#[^\W_][\w\u05f3\u05f4'-]*")
_MENTION = re.compile(r"(?<![\w])@[\w.]+")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_SENTENCE = re.compile(r"[^.!?…\n]+[.!?…]*")
_SECOND_PERSON = re.compile(
    r"(?<!\w)(?:you|your|yours|yourself|yourselves|you're|you've|you'll|you'd|y'all|ya)(?!\w)"
    r"|(?<!\w)[ובהלמשכ]{0,2}(?:אתה|אתם|אתן|לך|לכם|לכן|שלך|שלכם|שלכן|אותך|אותכם|אותכן|אליך|"
    r"אליכם|בשבילך|בשבילכם|עבורך|עבורכם|אצלך|אצלכם|איתך|איתכם|מכם|ממך)(?!\w)",
    re.IGNORECASE,
)
_FORMAL = re.compile(
    r"(?<!\w)(?:please note|we are pleased|we are delighted|hereby|therefore|furthermore|"
    r"moreover|regarding|in accordance|sincerely|kind regards|best regards|we would like|"
    r"further details|are available|will take place|it is with|please be advised|"
    r"we are deeply|our thoughts are)(?!\w)"
    r"|(?<!\w)[ובהלמשכ]{0,2}(?:הננו|להודיעכם|בברכה|לפיכך|בהתאם|הנכם|נא|אנו|יש לציין|כמו כן|"
    r"בכבוד רב|הריני|ניתן|יתקיים|תתקיים|משרדינו|תנחומינו)(?!\w)",
    re.IGNORECASE,
)
_SLANG = re.compile(
    r"(?<!\w)(?:gonna|wanna|gotta|lol|lmao|omg|haha\w*|yay|yass+|awesome|guys|vibes|"
    r"obsessed|tbh|ngl|btw|kinda|sorta|legit|totally|super|literally|y'all|nope|yep|wow)(?!\w)"
    r"|(?<!\w)[ובהלמשכ]{0,2}(?:סבבה|וואלה|אחי|אחלה|תכלס|יאללה|חח+|פצצה|מטורף|מטורפת|וואו|"
    r"כפרה|בקטנה|מגניב|מגניבה|סחתיין|חבר'ה|בול|על הפנים)(?!\w)",
    re.IGNORECASE,
)
_CONTRACTION = re.compile(r"[a-z](?:'|’)(?:s|re|ll|ve|m|d|t)(?![a-z])", re.IGNORECASE)
_SHOUT = re.compile(r"(?<!\w)[A-Z]{3,}(?!\w)|[!?]{2,}|(\w)\1{3,}")
_VOWELS = re.compile(r"[aeiouy]+")


def _is_emoji(code: int) -> bool:
    return (
        0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or code in (0x231A, 0x231B, 0x2B50, 0x2B55, 0x2B1B, 0x2B1C, 0x3030, 0x303D)
        or 0x23E9 <= code <= 0x23FA
        or 0x2934 <= code <= 0x2935
    )


def count_emoji(text: str) -> int:
    """Emoji in `text`; a ZWJ sequence, a skin-tone modifier or a flag pair counts once."""
    count = 0
    joined = False
    flag_half = False
    for ch in text:
        code = ord(ch)
        if code == 0x200D:
            joined = True
            continue
        if code == 0xFE0F or 0x1F3FB <= code <= 0x1F3FF or code == 0x20E3:
            continue
        if 0x1F1E6 <= code <= 0x1F1FF:
            if not flag_half:
                count += 1
            flag_half = not flag_half
            joined = False
            continue
        flag_half = False
        if _is_emoji(code) and not joined:
            count += 1
        joined = False
    return count


def syllables(word: str) -> int:
    """English syllables by vowel groups: a silent final "e" dropped, at least one."""
    w = word.lower().strip("'’")
    if not w:
        return 0
    if len(w) <= 3:
        return 1
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")):
        w = w[:-1]
    w = re.sub(r"(?:es|ed)$", "", w) if len(w) > 4 else w
    return max(1, len(_VOWELS.findall(w)))


def _formality(
    text: str, words: Sequence[str], emoji_ratio: float, exclamation_rate: float
) -> float:
    formal = len(_FORMAL.findall(text))
    slang = len(_SLANG.findall(text))
    contractions = len(_CONTRACTION.findall(text))
    shouting = len(_SHOUT.findall(text))
    n = max(len(words), 1)
    score = 0.5
    score += 0.15 * min(formal, 3)
    score -= 0.08 * min(slang, 4)
    score -= min(0.25, 2.5 * contractions / n)
    score -= min(0.2, emoji_ratio)
    score -= 0.15 * exclamation_rate
    score -= 0.05 * min(shouting, 2)
    return round(min(1.0, max(0.0, score)), 3)


def tone(text: str, language: str | None = None) -> dict[str, float | None]:
    """The tone figures of one post (see the module docstring); None where not measurable."""
    result: dict[str, float | None] = dict.fromkeys(TONE_KEYS)
    if not isinstance(text, str):
        return result
    cleaned = clean_text(text)
    if not cleaned:
        return result
    lang = language or detect_language(cleaned)
    hashtags = len(_HASHTAG.findall(cleaned))
    body = _MENTION.sub(" ", _HASHTAG.sub(" ", _URL.sub(" ", cleaned)))
    words = _WORD.findall(body)
    emoji = count_emoji(body)
    if words or emoji:
        result["emoji_ratio"] = round(emoji / (len(words) + emoji), 3)
    if not words:
        return result
    sentences = [s.strip() for s in _SENTENCE.findall(body) if _WORD.search(s)]
    n_sent = max(len(sentences), 1)
    exclamation = sum(1 for s in sentences if s.endswith("!"))
    question = sum(1 for s in sentences if s.endswith("?"))
    result["exclamation_rate"] = round(exclamation / n_sent, 3)
    result["question_rate"] = round(question / n_sent, 3)
    result["avg_sentence_length"] = round(len(words) / n_sent, 2)
    result["second_person"] = round(len(_SECOND_PERSON.findall(body)) / len(words), 3)
    result["hashtag_density"] = round(hashtags / (len(words) + hashtags), 3)
    result["formality"] = _formality(
        body,
        words,
        result["emoji_ratio"] or 0.0,
        result["exclamation_rate"] or 0.0,
    )
    if lang == "en":
        latin = [w for w in words if not w.isdigit()] or words
        per_word = sum(syllables(w) for w in latin) / len(latin)
        ease = 206.835 - 1.015 * (len(latin) / n_sent) - 84.6 * per_word
        result["reading_ease"] = round(ease, 1)
    return result


def voice(tones: Sequence[dict[str, float | None]]) -> dict[str, float | None]:
    """A page's voice vector: each key's mean over its posts, ignoring None."""
    out: dict[str, float | None] = {}
    for key in TONE_KEYS:
        values = [t[key] for t in tones if t.get(key) is not None]
        numbers = [v for v in values if v is not None]
        out[key] = round(sum(numbers) / len(numbers), 3) if numbers else None
    return out
