"""Quality checks on a post text before anyone publishes it; each is a named pass/warn/fail.

| check | fail | warn |
| --- | --- | --- |
| `length_limit` | empty, or more than 63,206 characters (Facebook's post limit) | |
| `hook_first_125` | | the first sentence of the first line ends after character 125 |
| `emoji_excess` | | more than 10 emojis, or at least 4 and more than one per 5 words |
| `hashtag_count` | | more than 5 hashtags |
| `link_for_cta` | shop, sign_up, register, download with no link | learn_more, visit, no link |
| `restricted_words` | guarantees, health claims, personal attributes (English and Hebrew) | |
| `placeholders` | a `{HOOK}`, `{BENEFIT}`, `{PROOF}` or `{CTA}` left in the text | |

Lengths count Unicode code points. Every list is applied whatever the text's language: a
Hebrew post may quote English and the other way round. docs/generation.md has the rationale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["pass", "warn", "fail"]

FACEBOOK_MAX_CHARS = 63_206
HOOK_WINDOW = 125
EMOJI_MAX = 10
EMOJI_MIN_FOR_RATIO = 4
EMOJI_PER_WORD_MAX = 0.2
HASHTAG_MAX = 5
LINK_REQUIRED = frozenset({"shop", "sign_up", "register", "download"})
LINK_EXPECTED = frozenset({"learn_more", "visit"})

EMOJI = re.compile(
    "(?:[\U0001f1e6-\U0001f1ff]{2}"
    "|[\U0001f300-\U0001faff\u2600-\u27bf\u2b05-\u2b55\u231a-\u23ff]"
    "[\ufe0f\U0001f3fb-\U0001f3ff]*"
    "(?:\u200d[\U0001f300-\U0001faff\u2600-\u27bf][\ufe0f\U0001f3fb-\U0001f3ff]*)*)"
)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_HASHTAG = re.compile(r"(?<![\w#])#[^\W_][\w]*", re.UNICODE)
URL = re.compile(r"\bhttps?://\S+|\bwww\.[^\s.]+\.\S+", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{(?:HOOK|BENEFIT|PROOF|CTA)\}")
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)")


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "message": self.message}


def _en(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)


def _he(pattern: str) -> re.Pattern[str]:
    # Hebrew writes "and", "the", "in", "to", "from", "that", "as" as prefixes of the word.
    return re.compile(rf"(?<!\w)(?:[ובכלמשה]{{0,3}})(?:{pattern})(?!\w)")


_CONDITIONS = (
    r"cancer|diabetes|depression|anxiety|covid|arthritis|obesity|acne|hair\s+loss|insomnia"
)
_RESTRICTED: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "guarantee",
        _en(
            r"guaranteed\s+(?:results?|income|returns?|profits?|success|weight\s+loss|cure)"
            r"|100\s*%\s*guaranteed|(?:results?|success|income|profits?)\s+guaranteed"
            r"|guarantee[sd]?\s+(?:you\s+)?(?:results?|success|to\s+(?:work|cure|heal))"
            r"|risk[- ]free\s+(?:returns?|profits?|income)"
        ),
    ),
    (
        "health claim",
        _en(
            r"cur(?:e|es|ing)|cured(?!\s+(?:meats?|ham|salmon|bacon|sausages?|pork|beef|fish))"
            r"|(?:lose|drop|shed)\s+\d+(?:[.,]\d+)?\s*(?:kg|kgs|kilos?|kilograms?|lbs?|pounds)"
            rf"|(?:heals?|treats?|prevents?|reverses?)\s+(?:{_CONDITIONS})"
            r"|miracle\s+(?:cure|pill|diet|treatment)|burn\s+fat\s+fast"
        ),
    ),
    (
        "personal attribute",
        _en(
            r"are\s+you\s+(?:overweight|fat|obese|depressed|anxious|diabetic|gay|lesbian|bisexual"
            r"|transgender|christian|muslim|jewish|catholic|pregnant|in\s+debt|divorced|bankrupt"
            r"|disabled|unemployed|broke|infertile|an?\s+alcoholic)"
            r"|do\s+you\s+(?:suffer\s+from|have|struggle\s+with)\s+(?:diabetes|depression|anxiety"
            r"|cancer|adhd|acne|hair\s+loss|obesity|debt|bad\s+credit|erectile\s+dysfunction)"
            r"|(?:other|fellow)\s+(?:christian|muslim|jewish|gay|lesbian|black|asian|latino|senior)"
            r"\s+singles|your\s+(?:diagnosis|weight\s+problem|depression|bad\s+credit)"
        ),
    ),
    (
        "guarantee",
        _he(
            r"מובטח(?:ת|ים|ות)?|100\s*%\s*(?:הצלחה|החזר|תוצאות)|(?:אחריות|התחייבות)\s+ל(?:תוצאות|הצלחה)"
        ),
    ),
    (
        "health claim",
        _he(
            r"מרפא(?:ים)?|לרפא|ירפא(?:ו)?|תרפא|ריפוי\s+מלא|תרופת\s+פלא"
            r"|(?:לרדת|תרדו|תרדי|להוריד|תורידו|ירידה\s+של)\s+\d+(?:[.,]\d+)?\s*(?:ק[\"״']?ג|קילו(?:גרם)?)"
            r"|(?:מונע|מונעת|מעלים|מעלימה)\s+(?:סרטן|סוכרת|דיכאון|חרדה|קורונה)"
        ),
    ),
    (
        "personal attribute",
        _he(
            r"(?:סובלים|סובל|סובלת|סובלות)\s+מ(?:השמנה|עודף\s+משקל|דיכאון|חרדה|סוכרת|חובות|אקנה"
            r"|נשירת\s+שיער|הפרעות?\s+קשב)"
            r"|(?:אתם|אתה|את|אתן)\s+(?:בדיכאון|שמנים|שמן|שמנה|בחובות|גרושים|גרוש|גרושה|בהריון"
            r"|מובטלים|מובטל|חולי\s+סוכרת)"
            r"|יש\s+(?:לכם|לך)\s+(?:סוכרת|דיכאון|חרדה|חובות|עודף\s+משקל|סרטן)"
        ),
    ),
)


def count_emojis(text: str) -> int:
    return len(EMOJI.findall(text))


def hashtags(text: str) -> list[str]:
    return _HASHTAG.findall(text)


def has_link(text: str) -> bool:
    return URL.search(text) is not None


def first_sentence_end(text: str) -> int:
    """Index just past the first sentence of the first non-empty line (the hook)."""
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    line = stripped.split("\n", 1)[0]
    match = _SENTENCE_END.search(line)
    end = match.end() if match else len(line.rstrip())
    return offset + end


def restricted_phrases(text: str) -> list[tuple[str, str]]:
    """(category, phrase as written) for each restricted wording in the text, in order."""
    found: list[tuple[int, str, str]] = []
    for category, pattern in _RESTRICTED:
        found.extend((m.start(), category, m.group(0)) for m in pattern.finditer(text))
    return [(category, phrase) for _, category, phrase in sorted(found)]


def _length(text: str) -> Check:
    size = len(text)
    if not text.strip():
        return Check("length_limit", "fail", "the text is empty")
    if size > FACEBOOK_MAX_CHARS:
        return Check(
            "length_limit",
            "fail",
            f"{size:,} characters; Facebook allows {FACEBOOK_MAX_CHARS:,}: shorten it",
        )
    return Check("length_limit", "pass", f"{size:,} of {FACEBOOK_MAX_CHARS:,} characters")


def _hook(text: str) -> Check:
    end = first_sentence_end(text)
    if end > HOOK_WINDOW:
        return Check(
            "hook_first_125",
            "warn",
            f"the first sentence ends at character {end}; feeds cut the text near "
            f"{HOOK_WINDOW}: put the hook first and keep it short",
        )
    return Check("hook_first_125", "pass", f"the first sentence ends at character {end}")


def _emoji(text: str) -> Check:
    emojis = count_emojis(text)
    words = max(len(_WORD.findall(text)), 1)
    ratio = emojis / words
    too_dense = emojis >= EMOJI_MIN_FOR_RATIO and ratio > EMOJI_PER_WORD_MAX
    if emojis > EMOJI_MAX or too_dense:
        return Check(
            "emoji_excess",
            "warn",
            f"{emojis} emojis for {words} words: keep to at most {EMOJI_MAX} and one per "
            f"{round(1 / EMOJI_PER_WORD_MAX)} words",
        )
    return Check("emoji_excess", "pass", f"{emojis} emojis for {words} words")


def _hashtags(text: str) -> Check:
    count = len(hashtags(text))
    if count > HASHTAG_MAX:
        return Check("hashtag_count", "warn", f"{count} hashtags: keep to {HASHTAG_MAX} or fewer")
    return Check("hashtag_count", "pass", f"{count} hashtags")


def _link(text: str, cta_type: str | None, link: str | None) -> Check:
    linked = bool(link and link.strip()) or has_link(text)
    if cta_type in LINK_REQUIRED and not linked:
        return Check(
            "link_for_cta", "fail", f"a {cta_type} call to action needs a link: add --link"
        )
    if cta_type in LINK_EXPECTED and not linked:
        return Check(
            "link_for_cta",
            "warn",
            f"a {cta_type} call to action usually points to a link: add one or say where",
        )
    if cta_type in LINK_REQUIRED | LINK_EXPECTED:
        return Check("link_for_cta", "pass", f"a link goes with the {cta_type} call to action")
    return Check("link_for_cta", "pass", f"the call to action ({cta_type or 'none'}) needs no link")


def _restricted(text: str) -> Check:
    found = restricted_phrases(text)
    if found:
        listed = "; ".join(f"{category}: {phrase!r}" for category, phrase in found)
        return Check(
            "restricted_words",
            "fail",
            f"advertising policies restrict this wording ({listed}): rephrase it",
        )
    return Check("restricted_words", "pass", "no restricted wording")


def _placeholders(text: str) -> Check:
    left = sorted(set(_PLACEHOLDER.findall(text)))
    if left:
        return Check("placeholders", "fail", f"unfilled: {', '.join(left)}")
    return Check("placeholders", "pass", "every placeholder is filled")


def check(text: str, *, language: str, cta_type: str | None, link: str | None) -> list[Check]:
    """Every check, in the order of the table above. The restricted-word lists of both
    languages apply whatever `language` says (it names the text's language for callers)."""
    return [
        _length(text),
        _hook(text),
        _emoji(text),
        _hashtags(text),
        _link(text, cta_type, link),
        _restricted(text),
        _placeholders(text),
    ]


def worst(checks: list[Check]) -> Status:
    statuses = {c.status for c in checks}
    if "fail" in statuses:
        return "fail"
    return "warn" if "warn" in statuses else "pass"
