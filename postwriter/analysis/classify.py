"""Marketing post or not, hook types of the opening and calls to action, with confidences.

The classifier is a weighted lexicon: every label has cues (patterns with a weight, in
`lexicon_en` and `lexicon_he`, plus a few computed features: a question mark in the
opening, a figure that is not a date/time/phone number, a phone number, a closing
question, a bare link). A label's evidence is the sum of the weights of the distinct cues
that match; its confidence is `1 - exp(-evidence)` (0 for no or negative evidence), which
grows with every extra cue and never passes 1. A label is reported when its confidence
reaches `THRESHOLD` (0.5, that is evidence of ln 2 ≈ 0.69: one strong cue, or two weaker
ones). `explain(text)` lists the cues behind every score.

Scopes: hooks are read in the opening, the sentences that start within the first
`OPENING_CHARS` (125) characters, cut at `OPENING_MAX` (200); calls to action and the
marketing decision read the whole post. Both lexicons run on every post, so a Hebrew post
quoting English (or the reverse) is read in both; patterns match whole words only, and
Hebrew words may carry the one-letter prefixes ו ה ב ל מ ש כ.

Deterministic and offline: no model file, no network, no randomness.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from postwriter.analysis import lexicon_en, lexicon_he
from postwriter.analysis.cleaning import clean_text
from postwriter.analysis.language import detect_language

__all__ = [
    "CTA_LABELS",
    "HOOK_LABELS",
    "OPENING_CHARS",
    "THRESHOLD",
    "Classification",
    "Label",
    "classify",
    "compile_pattern",
    "confidence",
    "explain",
    "opening",
]

HOOK_LABELS: tuple[str, ...] = (
    "question", "number", "urgency", "social_proof", "benefit",
    "pain_point", "curiosity", "how_to", "story", "announcement",
)  # fmt: skip
CTA_LABELS: tuple[str, ...] = (
    "learn_more", "sign_up", "shop", "comment", "share",
    "message", "register", "download", "call", "visit",
)  # fmt: skip
THRESHOLD = 0.5
OPENING_CHARS = 125
OPENING_MAX = 200

_HE_PREFIX = "(?<!\\w)[ובהלמשכ]{0,3}"
_WORD_END = "(?!\\w)"
_HEBREW = re.compile(r"[\u05d0-\u05ea]")


@dataclass(frozen=True, slots=True)
class Label:
    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Classification:
    language: str
    is_marketing: Label
    hooks: tuple[Label, ...]
    cta: tuple[Label, ...]
    skipped: str | None = None

    @property
    def marketing(self) -> bool:
        return self.is_marketing.name == "marketing"

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "language": self.language,
            "is_marketing": {"value": self.marketing, "confidence": self.is_marketing.confidence},
            "hooks": [{"label": h.name, "confidence": h.confidence} for h in self.hooks],
            "cta": [{"label": c.name, "confidence": c.confidence} for c in self.cta],
        }
        if self.skipped is not None:
            doc["skipped"] = self.skipped
        return doc


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A lexicon pattern as a regex; see the syntax in `lexicon_en` and `lexicon_he`."""
    if pattern.startswith("re:"):
        body = pattern[3:].replace("{P}", _HE_PREFIX).replace("{E}", _WORD_END)
    else:
        parts: list[str] = []
        for token in pattern.split():
            wild = token.endswith("*")
            token = token.rstrip("*")
            prefix = "[ובהלמשכ]{0,3}" if _HEBREW.search(token) else ""
            parts.append(prefix + re.escape(token) + ("\\w*" if wild else ""))
        body = "(?<!\\w)" + "\\s+".join(parts) + _WORD_END
    return re.compile(body, re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True, slots=True)
class _Cue:
    pattern: re.Pattern[str]
    weight: float
    source: str


def _cues(*lists: Iterable[tuple[str, float]]) -> tuple[_Cue, ...]:
    return tuple(_Cue(compile_pattern(p), w, p) for cues in lists for p, w in cues)


_HOOK_CUES = {
    label: _cues(lexicon_en.HOOKS.get(label, []), lexicon_he.HOOKS.get(label, []))
    for label in HOOK_LABELS
}
_CTA_CUES = {
    label: _cues(lexicon_en.CTA.get(label, []), lexicon_he.CTA.get(label, []))
    for label in (*CTA_LABELS, "shop_booking")
}
_REQUEST_CUES = _cues(lexicon_en.QUESTION_REQUESTS, lexicon_he.QUESTION_REQUESTS)
_MARKETING_CUES = _cues(lexicon_en.MARKETING, lexicon_he.MARKETING)
_NOT_MARKETING_CUES = _cues(lexicon_en.NOT_MARKETING, lexicon_he.NOT_MARKETING)

# How much each reported call to action / hook says "this post promotes something".
_CTA_MARKETING = {
    "shop": 1.0, "sign_up": 0.8, "register": 0.8, "download": 0.8, "learn_more": 0.5,
    "call": 0.6, "message": 0.6, "visit": 0.6, "comment": 0.2, "share": 0.0,
}  # fmt: skip
_HOOK_MARKETING = {
    "urgency": 0.5, "benefit": 0.4, "social_proof": 0.4, "pain_point": 0.3,
    "curiosity": 0.3, "announcement": 0.2, "how_to": 0.1,
}  # fmt: skip


def confidence(evidence: float) -> float:
    """Evidence (summed cue weights) to a confidence in [0, 1), rounded to 3 places."""
    if evidence <= 0:
        return 0.0
    return round(1.0 - math.exp(-evidence), 3)


# --- text forms ---------------------------------------------------------------------

_NIQQUD = re.compile(r"[\u0591-\u05bd\u05bf-\u05c7]")
_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u05f3": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u05f4": '"', "\u2033": '"',
        "\u05be": "-",
    }
)  # fmt: skip
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def _match_form(text: str) -> str:
    return _NIQQUD.sub("", text).translate(_QUOTES).lower()


_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*(?=\s)|\n")


def _sentences(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if text[start : m.end()].strip():
            spans.append((start, m.end()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def opening(text: str, limit: int = OPENING_CHARS, cap: int = OPENING_MAX) -> str:
    """The sentences that start within the first `limit` characters, cut at `cap`."""
    end = 0
    for start, stop in _sentences(text):
        if start >= limit:
            break
        end = stop
    head = text[:end]
    if len(head) > cap:
        cut = head.rfind(" ", 0, cap)
        head = head[: cut if cut > limit else cap]
    return head.rstrip()


# --- computed features --------------------------------------------------------------

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_HE_MONTHS = "ינואר|פברואר|מרץ|מרס|אפריל|מאי|יוני|יולי|אוגוסט|ספטמבר|אוקטובר|נובמבר|דצמבר"
_PHONE = re.compile(r"(?<![\w/.,])[+(]?\d[\d\s()-]{7,16}\d(?![\w/])")
_NOT_A_FIGURE = re.compile(
    "|".join(
        (
            rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})(?![a-z])",
            rf"(?<![a-z])(?:{_MONTHS})\s+\d{{1,2}}(?!\d)",
            rf"(?:ה-?)?\d{{1,2}}\s+ו?ב(?:{_HE_MONTHS})",
            r"(?<![£$€₪\d.,])(?:[12]\d|3[01]|0?[1-9])[./](?:1[0-2]|0?[1-9])(?:[./]\d{2,4})?(?!\d)",
            r"\d{1,2}(?:[:.]\d{2})?\s?[-–]\s?\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm)(?![a-z])",
            r"\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm)(?![a-z])",
            r"\d{1,2}:\d{2}",
            r"(?:\d{1,2} )?(?:till|until|til|at) \d{1,2}(?!\d|%|[.,:]\d)",
            r"פי (?:שניים|שלושה|\d+)|יד 2",
            r"24/7",
            r"(?<!\d)(?:19|20)\d{2}(?!\d)",
            r"\d+(?:st|nd|rd|th)(?![a-z])",
            r"(?:step|week|day|level|part|chapter|season|episode|bus|route|line|no\.?|number|"
            r"platform|gate|room|#)\s*\d+",
            r"\d+\s+[a-z]+\s+(?:road|street|st|lane|avenue|ave|close|way|drive|square)(?![a-z])",
            r"(?:שלב|קו|מספר|פרק|חדר|רציף)\s*\d+",
            r"(?:רחוב|ברחוב|ברח')\s+(?:\S+\s+){1,2}\d+",
            r"^\s*\d+[.)]\s",
        )
    ),
    re.IGNORECASE | re.MULTILINE,
)
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
_MONEY_OR_PERCENT = re.compile(r"[£$€₪]\s?\d|\d\s?(?:%|₪|ש\"ח)|1\+1")
_NUMBER_WORDS = re.compile(
    r"(?<!\w)(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|hundreds?|thousands?|millions?|dozens?)(?!\w)"
    r"|(?<!\w)[ובהלמשכ]{0,2}(?:שתיים|שניים|שתי|שלוש|שלושה|ארבע|ארבעה|חמש|חמישה|שש|שישה|שבע|"
    r"שבעה|שמונה|תשע|תשעה|עשר|עשרה|עשרים|שלושים|חמישים|מאה|מאות|אלף|אלפי|אלפים|מיליון|"
    r"שנתיים|יומיים|שבועיים|חודשיים|שתים עשרה)(?!\w)(?! (?:בבוקר|בערב|בלילה|בצהריים))",
    re.IGNORECASE,
)
_SECOND_PERSON = re.compile(
    r"(?<!\w)(?:you|your|yours|you're|you'd|you'll|anyone else|who else)(?!\w)"
    r"|(?<!\w)[ובהלמשכ]{0,2}(?:אתם|אתן|שלכם|שלכן|לכם|לכן|אתכם|מישהו עוד|מי עוד)(?!\w)",
    re.IGNORECASE,
)
_WHATSAPP = re.compile(r"whats\s?app|ווא?טסאפ", re.IGNORECASE)
_LINK_CTAS = tuple(label for label in CTA_LABELS if label not in ("comment", "share"))
_CHANNEL = re.compile(
    r"(?<!\w)(?:call|calling|ring|phone|dm|message|inbox|whatsapp|email)(?!\w)"
    r"|(?<!\w)[ובהלמשכ]{0,2}(?:התקשרו|חייגו|הודעה|בוואטסאפ|וואטסאפ|בפרטי)(?!\w)",
    re.IGNORECASE,
)
# "See you this weekend?" closes a post; it does not ask for replies.
_SIGN_OFF = re.compile(r"(?:see you|נתראה)(?!\w)", re.IGNORECASE)
_ALTERNATIVE = re.compile(r"(?<!\w)(?:or|online|או|באתר|אונליין)(?!\w)|https?://", re.IGNORECASE)


def _phones(text: str) -> list[str]:
    out: list[str] = []
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        raw = m.group(0).strip()
        if 9 <= len(digits) <= 13 and (raw[0] in "+(0" or digits.startswith("1800")):
            out.append(raw)
    return out


def _figures(head: str) -> list[str]:
    """Figures in the opening that quantify: not dates, times, years, phones or addresses."""
    body = _URL.sub(" ", head)
    for phone in _phones(body):
        body = body.replace(phone, " ")
    body = _NOT_A_FIGURE.sub(" ", body)
    found = [m.group(0) for m in _FIGURE.finditer(body)]
    found += [m.group(0) for m in _NUMBER_WORDS.finditer(body)]
    return found


# --- scoring ------------------------------------------------------------------------

Evidence = dict[str, list[tuple[str, float]]]


def _add_cues(evidence: Evidence, label: str, cues: Iterable[_Cue], text: str) -> None:
    for cue in cues:
        found = evidence.setdefault(label, [])
        if cue.pattern.search(text) and all(source != cue.source for source, _ in found):
            found.append((cue.source, cue.weight))


def _score(evidence: Evidence, label: str) -> float:
    return sum(w for _, w in evidence.get(label, []))


def _hook_evidence(head: str) -> Evidence:
    evidence: Evidence = {}
    for label, cues in _HOOK_CUES.items():
        _add_cues(evidence, label, cues, head)
    no_links = _URL.sub(" ", head)
    if "?" in no_links:
        evidence.setdefault("question", []).append(("a question in the opening", 1.0))
        for cue in _REQUEST_CUES:
            if cue.pattern.search(no_links):
                evidence["question"].append((f"asks for information: {cue.source}", -cue.weight))
    figures = _figures(head)
    if figures:
        evidence.setdefault("number", []).append((f"figure(s) {figures[:3]}", 1.0))
        if _MONEY_OR_PERCENT.search(head):
            evidence["number"].append(("a price or percentage", 0.3))
    return evidence


def _last_sentence(text: str) -> str:
    lines = [
        ln
        for ln in text.split("\n")
        if _URL.sub("", ln).strip() and not re.fullmatch(r"[\s#@\w\u0590-\u05ff]*#\S.*", ln)
    ]
    if not lines:
        return ""
    spans = _sentences(lines[-1])
    if not spans:
        return ""
    start, stop = spans[-1]
    last = lines[-1][start:stop].strip()
    # A closing emoji or pointer alone is not the last sentence.
    if not re.search(r"[^\W\d_]", last) and len(spans) > 1:
        start, stop = spans[-2]
        last = lines[-1][start:stop].strip()
    return last


def _cta_evidence(text: str) -> Evidence:
    evidence: Evidence = {}
    for label in CTA_LABELS:
        _add_cues(evidence, label, _CTA_CUES[label], text)
    # Booking wording counts as "shop" unless the booking goes through a channel in the
    # same sentence ("DM us to book", "להזמנת שולחן התקשרו"): then the channel is the ask.
    for start, stop in _sentences(text):
        sentence = text[start:stop]
        for cue in _CTA_CUES["shop_booking"]:
            if not cue.pattern.search(sentence):
                continue
            if _CHANNEL.search(sentence) and not _ALTERNATIVE.search(sentence):
                continue
            evidence.setdefault("shop", []).append((cue.source, cue.weight))
    # A phone number is an invitation to call (or to message, when it is a WhatsApp line).
    for line in text.split("\n"):
        if _phones(line):
            label = "message" if _WHATSAPP.search(line) else "call"
            evidence.setdefault(label, []).append(("a phone number", 0.9))
    last = _last_sentence(text)
    if last.rstrip(" 👇🙂😊🤔🙏").endswith("?") and not _SIGN_OFF.match(last):
        weight = 0.6 + (0.4 if _SECOND_PERSON.search(last) else 0.0)
        if any(c.pattern.search(last) for c in _REQUEST_CUES):
            weight = 0.0
        if weight:
            evidence.setdefault("comment", []).append(("the post ends with a question", weight))
    if _URL.search(text) and not any(_score(evidence, k) >= math.log(2) for k in _LINK_CTAS):
        # A link is itself the ask ("read it here") unless another ask explains it.
        evidence.setdefault("learn_more", []).append(("a link with no other ask", 0.8))
    return evidence


def _marketing_evidence(text: str, hooks: Evidence, ctas: Evidence) -> list[tuple[str, float]]:
    evidence: Evidence = {}
    _add_cues(evidence, "m", _MARKETING_CUES, text)
    for cue in _NOT_MARKETING_CUES:
        if cue.pattern.search(text):
            evidence.setdefault("m", []).append((f"not marketing: {cue.source}", -cue.weight))
    for label, weight in _CTA_MARKETING.items():
        if weight and confidence(_score(ctas, label)) >= THRESHOLD:
            evidence.setdefault("m", []).append((f"call to action {label}", weight))
    for label, weight in _HOOK_MARKETING.items():
        if confidence(_score(hooks, label)) >= THRESHOLD:
            evidence.setdefault("m", []).append((f"hook {label}", weight))
    return evidence.get("m", [])


def _labels(evidence: Evidence, names: tuple[str, ...]) -> tuple[Label, ...]:
    out = [Label(n, confidence(_score(evidence, n))) for n in names]
    return tuple(
        sorted((lb for lb in out if lb.confidence >= THRESHOLD), key=lambda lb: -lb.confidence)
    )


def _skip_reason(text: object) -> str | None:
    if not isinstance(text, str):
        return "not_text"
    if not text.strip():
        return "empty"
    return None


_HAS_WORD = re.compile(r"[^\W_]")


def _analyse(text: str) -> tuple[str, str, Evidence, Evidence, list[tuple[str, float]]]:
    cleaned = clean_text(text)
    language = detect_language(cleaned)
    form = _match_form(cleaned)
    hooks = _hook_evidence(opening(form))
    ctas = _cta_evidence(form)
    marketing = _marketing_evidence(form, hooks, ctas)
    return cleaned, language, hooks, ctas, marketing


def classify(text: str) -> Classification:
    """Language, marketing or not, hooks and calls to action of one post.

    Input that is not a string, is empty after cleaning, or has no letter or digit at all
    (emoji or punctuation only) is not classified: `skipped` says why ("not_text",
    "empty", "no_words") and every label is negative.
    """
    reason = _skip_reason(text)
    cleaned = "" if reason else clean_text(text)
    if reason is None and not cleaned:
        reason = "empty"
    if reason is None and not _HAS_WORD.search(_URL.sub(" ", cleaned)):
        reason = "no_words"
    if reason is not None:
        language = detect_language(cleaned) if cleaned else "und"
        return Classification(language, Label("not_marketing", 1.0), (), (), reason)
    _, language, hooks, ctas, marketing = _analyse(text)
    p = confidence(sum(w for _, w in marketing))
    is_marketing = (
        Label("marketing", p) if p >= THRESHOLD else Label("not_marketing", round(1.0 - p, 3))
    )
    return Classification(
        language=language,
        is_marketing=is_marketing,
        hooks=_labels(hooks, HOOK_LABELS),
        cta=_labels(ctas, CTA_LABELS),
    )


def explain(text: str) -> dict[str, Any]:
    """The cues behind every score: {"opening", "hooks": {label: [[cue, weight]]}, ...}."""
    reason = _skip_reason(text)
    if reason is not None:
        return {"skipped": reason}
    cleaned, language, hooks, ctas, marketing = _analyse(text)
    return {
        "language": language,
        "opening": opening(_match_form(cleaned)),
        "is_marketing": marketing,
        "hooks": {k: v for k, v in hooks.items() if k in HOOK_LABELS and v},
        "cta": {k: v for k, v in ctas.items() if k in CTA_LABELS and v},
    }
