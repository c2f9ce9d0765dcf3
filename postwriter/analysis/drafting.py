"""Drafting: what an idea offers a template (benefit and proof lines), and the hook, CTA and
skeleton text filled from it. `generate.fill` puts the pieces together."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType

from postwriter.analysis import phrases_en
from postwriter.analysis.idea import Idea
from postwriter.analysis.templates import Phrase, Template, is_social_proof, matching_words

_EXCLAIMABLE = {"benefit", "urgency", "announcement", "social_proof", "number"}
_SLOT = re.compile(r"(?<![^\W\d_])([ובלמהכש])?\{(\w+)\}")


def _attach(prefix: str, value: str) -> str:
    if not re.match(r"[\u05d0-\u05ea]", value):
        return f"{prefix}-{value}"
    if prefix in "בלכ" and value.startswith("ה") and len(value) > 2:
        return prefix + value[1:]
    return prefix + value


def _format(frame: str, values: Mapping[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        prefix, value = match.group(1) or "", values[match.group(2)]
        return _attach(prefix, value) if prefix else value

    return _cap(_SLOT.sub(sub, frame))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def _sentence(text: str) -> str:
    text = _cap(text.strip())
    return text if re.search(r"[.!?…]$", text) else text + "."


def _pick(*keys: str) -> int:
    return int(hashlib.sha256("\0".join(keys).encode()).hexdigest()[:8], 16)


@dataclass(frozen=True)
class _Material:
    """What one idea offers one template: benefit lines (with and without the idea's claim),
    a proof line, the page's social proof, and the number of benefit slots."""

    idea: Idea
    slots: int
    with_claim: list[tuple[str, str]]
    without_claim: list[tuple[str, str]]
    proof: tuple[str, str] | None
    social: str


def _material(template: Template, idea: Idea) -> _Material:
    listing = template.structure.get("body") == "list"
    slots = template.skeleton.count("{BENEFIT}")
    claim: list[tuple[str, str]] = []
    if idea.claim:
        if listing and len(idea.items) >= 2:
            claim = [(_cap(item), "from the idea") for item in idea.items]
        else:
            joined = f"{idea.subject} {idea.claim}" if idea.claim_is_verb else idea.text
            claim = [(_cap(joined) if listing else _sentence(joined), "from the idea")]
    ranked: list[tuple[int, int, Phrase, list[str]]] = []
    for order, phrase in enumerate(template.phrases):
        words = matching_words(phrase.text, idea.terms)
        if phrase.kind == "benefit" and words:
            ranked.append((-len(words), order, phrase, words))
    posts = [
        (p.text if listing else _sentence(p.text), f"from post {p.post_id}, sharing '{w[0]}'")
        for _, _, p, w in sorted(ranked, key=lambda r: (r[0], r[1]))
    ]
    proof: tuple[str, str] | None = None
    proofs = [p for p in template.phrases if p.kind == "proof"]
    for phrase in proofs:
        words = matching_words(phrase.text, idea.terms)
        if words:
            proof = (phrase.text, f"from post {phrase.post_id}, sharing '{words[0]}'")
            break
    social = next((p for p in proofs if p.social), None)
    if proof is None and social is not None:
        proof = (social.text, f"the page's own social proof, from post {social.post_id}")
    return _Material(
        idea,
        slots,
        (claim + posts)[:slots],
        posts[:slots],
        proof,
        social.text if social else "",
    )


def _hook_keys(kind: str, material: _Material) -> list[str]:
    """The frames of this hook type that the idea can fill, best first."""
    idea = material.idea
    first = idea.pain.split()[0].casefold() if idea.pain else ""
    verb_claim = bool(idea.claim) and idea.claim_is_verb
    has = {
        "pain_gerund": bool(idea.pain) and (idea.language == "he" or first.endswith("ing")),
        "pain": bool(idea.pain),
        "number_claim": bool(re.search(r"\d", idea.claim)),
        "count": len(material.with_claim) >= 2,
        "time": bool(idea.time),
        "number": bool(_social_number(idea)),
        "line": bool(material.social),
        "claim": verb_claim,
        "verb_claim": verb_claim,
        "default": True,
    }
    return [key for key in phrases_en.HOOKS[kind] if has.get(key, False)]


def _social_number(idea: Idea) -> str:
    return next((n for n in idea.numbers if is_social_proof(n)), "")


def hook_available(kind: str, idea: Idea, template: Template) -> bool:
    """Whether the idea gives a `kind` hook what it needs on this template."""
    return bool(_hook_keys(kind, _material(template, idea)))


_LIST_MARKER = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•·▪])")


def _render(skeleton: str, values: Mapping[str, list[str]]) -> str:
    queues = {name: list(items) for name, items in values.items()}

    def sub(match: re.Match[str]) -> str:
        queue = queues.get(match.group(1), [])
        return queue.pop(0) if queue else ""

    lines: list[str] = []
    for line in skeleton.split("\n"):
        filled = re.sub(r"\{(HOOK|BENEFIT|PROOF|CTA)\}", sub, line).rstrip()
        if filled != line.rstrip() and not re.search(r"[^\W_]", _LIST_MARKER.sub("", filled)):
            continue  # nothing left but a bullet or "3." marker: the line goes
        lines.append(re.sub(r"(?<=\S)[ \t]{2,}", " ", filled))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _hook_text(
    b: ModuleType, kind: str, key: str, values: Mapping[str, str], *, exclaim: bool, runs_on: bool
) -> str:
    hook = _format(b.HOOKS[kind][key], values)
    if hook.endswith(("?", "!", ".")):
        return hook
    if exclaim and kind in _EXCLAIMABLE:
        return hook + "!"
    return hook + "." if runs_on else hook  # a hook followed on its line needs a full stop


def _cta_text(
    b: ModuleType,
    template: Template,
    cta: str,
    values: Mapping[str, str],
    link: str | None,
    *,
    exclaim: bool,
    runs_on: bool,
) -> str:
    choices = b.CTA[cta]
    text = _format(
        choices[_pick(values["subject"], template.template_id, cta) % len(choices)], values
    )
    if link:
        return f"{text} {b.LINK_LEAD} {link}" if template.emojis else f"{text}: {link}"
    if text.endswith(("?", "!", ".")):
        return text
    return text + "!" if exclaim else text + "." if runs_on else text
