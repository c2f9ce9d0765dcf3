"""Skeletons: a post's line layout and the placeholder skeleton of a template.

A post is cut into headline, body paragraphs and CTA line (`segment`); each line can be read
as a bullet, proof, social proof or call to action. `build_skeleton` turns the layout of a
template's best post into {HOOK}, {BENEFIT}, {PROOF} and {CTA} slots, keeping bullet markers
and a closing emoji as the page wrote them. docs/generation.md describes the whole path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from postwriter.analysis import phrases_en, phrases_he
from postwriter.analysis.quality import EMOJI, has_link

MAX_LIST_ITEMS = 3

# ---------------------------------------------------------------- lines

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+")
_BULLET = re.compile(
    r"^(?:(?:[-*•▪►◾◽▫➤➜→✔✓☑]|\d{1,2}[.)])\s+|(?:" + EMOJI.pattern + r")\s*)(?=\S)"
)
_QUOTED = re.compile(r"[“«\"„][^”»\"“]{8,}[”»\"“]")
_STARS = re.compile(r"[★⭐]")
_HASHTAG_LINE = re.compile(r"^(?:#[^\W_]\w*[\s,]*)+$")
_TRAILING_EMOJI = re.compile(r"(?:\s*(?:" + EMOJI.pattern + r"))+$")


def _cue_pattern(en: Iterable[str], he: Iterable[str]) -> re.Pattern[str]:
    en_part = "|".join(re.escape(c) for c in sorted(en, key=len, reverse=True))
    he_part = "|".join(re.escape(c) for c in sorted(he, key=len, reverse=True))
    return re.compile(
        rf"\b(?:{en_part})\b|(?<!\w)[ובלמשה]{{0,2}}(?:{he_part})(?!\w)", re.IGNORECASE
    )


_PROOF_CUE = _cue_pattern(phrases_en.PROOF_CUES, phrases_he.PROOF_CUES)
_SOCIAL_CUE = _cue_pattern(phrases_en.SOCIAL_CUES, phrases_he.SOCIAL_CUES)
_CTA_CUE = _cue_pattern(phrases_en.CTA_CUES, phrases_he.CTA_CUES)


def split_sentences(text: str) -> list[str]:
    """Sentences; a piece with no letter or digit (a closing emoji) stays with its sentence."""
    out: list[str] = []
    for piece in _SENTENCE_SPLIT.split(text.strip()):
        piece = piece.strip()
        if out and piece and not re.search(r"[^\W_]", piece):
            out[-1] += " " + piece
        elif piece:
            out.append(piece)
    return out


def bullet_marker(line: str) -> str | None:
    match = _BULLET.match(line)
    return match.group(0) if match else None


def strip_bullet(line: str) -> str:
    marker = bullet_marker(line)
    return line[len(marker) :].strip() if marker else line.strip()


def is_proof(line: str) -> bool:
    """Numbers, quoted testimonials, star ratings or words such as "customers" / "לקוחות"."""
    return bool(
        re.search(r"\d", line)
        or _QUOTED.search(line)
        or _STARS.search(line)
        or _PROOF_CUE.search(line)
    )


def is_social_proof(line: str) -> bool:
    return bool(_SOCIAL_CUE.search(line) or _STARS.search(line) or _QUOTED.search(line))


def is_cta_line(line: str) -> bool:
    return has_link(line) or bool(_CTA_CUE.search(line))


@dataclass(frozen=True)
class Parts:
    """A post cut into headline, body paragraphs (lists of lines) and CTA line."""

    headline: str
    body: list[list[str]]
    cta: str | None
    blank_lines: bool
    inline: bool = False  # the post was one line of sentences

    @property
    def body_lines(self) -> list[str]:
        return [line for para in self.body for line in para]

    @property
    def shape(self) -> str:
        lines = self.body_lines
        if sum(1 for line in lines if bullet_marker(line)) >= 2:
            return "list"
        if not lines:
            return "none"
        return "multi_paragraph" if len(self.body) >= 2 else "single_paragraph"

    @property
    def proof(self) -> bool:
        return any(is_proof(line) for line in self.body_lines)


def segment(text: str) -> Parts:
    """Headline = first line (its first sentence when it has several); CTA = the last line
    when it reads as one (a link or a CTA verb); body = the rest, paragraphs kept.
    Trailing hashtag-only lines are left out."""
    paragraphs: list[list[str]] = [[]]
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    paragraphs = [p for p in paragraphs if p]
    blank = len(paragraphs) > 1
    flat = [(index, line) for index, para in enumerate(paragraphs) for line in para]
    while flat and _HASHTAG_LINE.match(flat[-1][1]):
        flat.pop()
    if not flat:
        return Parts("", [], None, blank)
    inline = len(flat) == 1
    first_index, first_line = flat[0]
    sentences = split_sentences(first_line)
    flat = [(first_index, s) for s in sentences] + flat[1:]
    headline = flat[0][1]
    rest = flat[1:]
    cta = None
    if rest and is_cta_line(rest[-1][1]):
        cta = rest.pop()[1]
    body: list[list[str]] = []
    last = None
    for index, line in rest:
        if index != last:
            body.append([])
            last = index
        body[-1].append(line)
    return Parts(headline, body, cta, blank, inline)


# ---------------------------------------------------------------- skeleton


def build_skeleton(structure: Mapping[str, Any], rep: Parts) -> str:
    """The placeholder layout of `rep`, the best post of a template with `structure`."""
    head = "{HOOK}"
    closing = _TRAILING_EMOJI.search(rep.headline)
    if closing and closing.start() > 0:
        head += " " + closing.group(0).strip()
    body: list[str] = []
    shape = structure["body"]
    proof = bool(structure["proof"])
    if shape == "list":
        bullets = [line for line in rep.body_lines if bullet_marker(line)][:MAX_LIST_ITEMS]
        markers = [bullet_marker(line) or "" for line in bullets]
        slots = _slots([is_proof(line) for line in bullets], proof, extra_line=True)
        items = [m + slot for m, slot in zip(markers, slots, strict=False)] + slots[len(markers) :]
        body.append("\n".join(items))
    elif shape == "single_paragraph":
        lines = rep.body[0][:MAX_LIST_ITEMS]
        slots = _slots([is_proof(line) for line in lines], proof, extra_line=False)
        body.append((" " if rep.inline else "\n").join(slots))
    elif shape == "multi_paragraph":
        paragraphs = rep.body[:MAX_LIST_ITEMS]
        body.extend(_slots([any(map(is_proof, p)) for p in paragraphs], proof, extra_line=False))
    sections = [head, *body]
    if structure["cta"] != "none" or rep.cta:
        sections.append("{CTA}")
    joiner = " " if rep.inline else "\n\n" if rep.blank_lines else "\n"
    return joiner.join(sections)


def _slots(proofs: Sequence[bool], proof: bool, *, extra_line: bool) -> list[str]:
    """{BENEFIT} per unit, {PROOF} at the first proof unit after the first one (the body must
    lead with a benefit); with no such unit, PROOF joins the last unit or gets its own line."""
    slots = ["{BENEFIT}" for _ in proofs] or ["{BENEFIT}"]
    if not proof:
        return slots
    for index, is_proof_unit in enumerate(proofs):
        if index > 0 and is_proof_unit:
            slots[index] = "{PROOF}"
            return slots
    if extra_line:
        return [*slots, "{PROOF}"]
    slots[-1] += " {PROOF}"
    return slots
