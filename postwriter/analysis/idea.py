"""Reading an idea: its subject, claim (and its items), problem, deadline, numbers and terms.

A claim starts after a colon or dash, or at the first relative word or claim verb of the
phrase bank ("that", "saves"); the problem follows a pain cue ("without", "tired of").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from postwriter.analysis import phrases_en, phrases_he
from postwriter.analysis.templates import terms
from postwriter.errors import InvalidRequest

MAX_IDEA_CHARS = 500
_BANKS: dict[str, ModuleType] = {"en": phrases_en, "he": phrases_he}


@dataclass(frozen=True)
class Idea:
    text: str
    language: str
    subject: str
    claim: str = ""
    claim_is_verb: bool = False
    items: tuple[str, ...] = ()
    pain: str = ""
    time: str = ""
    numbers: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()


def detect_language(text: str) -> str:
    hebrew = len(re.findall(r"[\u05d0-\u05ea]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "he" if hebrew > latin else "en"


def bank(language: str) -> ModuleType:
    if language not in _BANKS:
        raise InvalidRequest(
            f"generation writes English (en) and Hebrew (he), not {language!r}", field="language"
        )
    return _BANKS[language]


def _cue(cue: str, language: str) -> re.Pattern[str]:
    if language == "he" and len(cue.split()[-1]) == 1:  # "נמאס מ": the prefix joins the word
        return re.compile(rf"(?<!\w){re.escape(cue)}(?=\w)")
    if language == "he":
        return re.compile(rf"(?<!\w){re.escape(cue)}(?!\w)\s*")
    return re.compile(rf"\b{re.escape(cue)}\b\s*", re.IGNORECASE)


def _first(text: str, cues: Sequence[str], language: str) -> re.Match[str] | None:
    found = [m for cue in cues if (m := _cue(cue, language).search(text))]
    return min(found, key=lambda m: (m.start(), -len(m.group(0)))) if found else None


def _clip(text: str, words: int) -> str:
    text = re.split(r"[,.;:!?]", text, maxsplit=1)[0].strip()
    return " ".join(text.split()[:words])


def _verb_split(text: str, b: ModuleType) -> tuple[int, int] | None:
    """(end of subject, start of claim) at the first relative word or claim verb."""
    for match in re.finditer(r"\S+", text):
        word = match.group(0).casefold()
        if match.start() == 0:
            continue
        if word in b.RELATIVE_CUES:
            return match.start(), match.end()
        if word in b.VERB_CUES:
            return match.start(), match.start()
        if b.LANGUAGE == "he" and word[:1] == "ש" and word[1:] in b.VERB_CUES:
            return match.start(), match.start() + 1
    return None


def parse_idea(idea: str, language: str | None = None) -> Idea:
    text = " ".join(idea.split()).strip(" .!?")
    if not text:
        raise InvalidRequest("the idea is empty: give a keyword or a sentence", field="idea")
    if len(text) > MAX_IDEA_CHARS:
        raise InvalidRequest(f"the idea is longer than {MAX_IDEA_CHARS} characters", field="idea")
    language = language or detect_language(text)
    b = bank(language)
    subject, claim, verb = text, "", False
    pain_match = _first(text, b.PAIN_CUES, language)
    pain = _clip(text[pain_match.end() :], 6) if pain_match else ""
    punct = re.search(r"\s*(?::|\s[-–—]\s)\s*", text)
    split = _verb_split(text, b)
    cuts: list[tuple[int, int, bool]] = []  # (end of subject, start of claim, verb claim)
    if punct:
        cuts.append((punct.start(), punct.end(), False))
    if split:
        cuts.append((*split, True))
    cut = min(cuts, default=None)
    if pain_match and pain_match.start() > 0 and (cut is None or pain_match.start() < cut[0]):
        subject = text[: pain_match.start()].strip()
    elif cut is not None:
        subject, claim, verb = text[: cut[0]].strip(), text[cut[1] :].strip(), bool(cut[2])
    items: tuple[str, ...] = ()
    if claim:
        seps = b.ITEM_SEPARATORS if verb else (", ", "; ")
        parts = re.split("|".join(re.escape(s) for s in seps), claim)
        if len(parts) >= 2 and all(len(p.split()) >= 2 for p in parts):
            items = tuple(p.strip() for p in parts)
    time_match = _first(text, b.TIME_CUES, language)
    time = ""
    if time_match:
        after = text[time_match.end() :]
        cue = time_match.group(0).strip()
        single = cue.casefold() not in ("until", "till", "ends", "עד")
        if single or (after and "%" not in after.split()[0] and not after[0].isdigit()):
            time = cue if single else f"{cue} {_clip(after, 2)}"
    numbers = tuple(
        m.group(0).strip(" ,.")
        for m in re.finditer(r"\d[\d,.]*(?:\s*%)?(?:\s+[^\W\d_]+)?", text)
        if m.group(0).strip(" ,.")
    )
    if time and time in subject and subject.replace(time, "").strip(" ,-–—"):
        subject = subject.replace(time, "").strip(" ,-–—")  # the deadline is not the subject
    return Idea(
        text, language, subject or text, claim, verb, items, pain, time, numbers, tuple(terms(text))
    )
