"""Ideas to posts: rank templates for an idea, fill them from the idea's own words, A/B variants.

Deterministic and offline. The idea is read into a subject ("AI scheduler"), an optional
claim ("saves small teams 5 hours a week"), a problem ("without manual posting"), a deadline
("until Sunday") and numbers; every hook frame needs one of them, so no sentence reaches a
draft without the idea's words. {BENEFIT} and {PROOF} come from the idea, then from the
template's own posts that share a word with the idea; a generic frame is the last resort and
the draft then says so. docs/generation.md walks through an example.

The idea is read in `idea`; benefit, proof, hook and CTA text are made in `drafting`.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from postwriter.analysis import quality
from postwriter.analysis.drafting import (
    _cta_text,
    _format,
    _hook_keys,
    _hook_text,
    _material,
    _pick,
    _render,
    _sentence,
    _social_number,
)
from postwriter.analysis.drafting import hook_available as hook_available
from postwriter.analysis.idea import MAX_IDEA_CHARS as MAX_IDEA_CHARS
from postwriter.analysis.idea import Idea as Idea
from postwriter.analysis.idea import bank as bank
from postwriter.analysis.idea import detect_language as detect_language
from postwriter.analysis.idea import parse_idea as parse_idea
from postwriter.analysis.quality import Check
from postwriter.analysis.templates import (
    CTA_LABELS,
    HOOK_LABELS,
    Template,
    matching_words,
    terms,
)
from postwriter.errors import InvalidRequest, NotFound, PostWriterError

MAX_VARIATIONS = 10
SCORE_PRIOR = 3  # posts of "average" engagement mixed into each template's score
WEIGHTS = {"similarity": 0.6, "topic_fit": 0.25, "score": 0.15}
EXCLAIM_FROM = 0.3  # a template whose posts exclaim this often gets "!" on hooks and CTAs
_CLAIM_HOOKS = {("benefit", "claim"), ("number", "number_claim"), ("how_to", "verb_claim")}
_HOOK_ORDER = (
    "question",
    "benefit",
    "how_to",
    "pain_point",
    "curiosity",
    "urgency",
    "announcement",
    "number",
    "social_proof",
    "story",
)
_CTA_ORDER = (
    "learn_more",
    "comment",
    "message",
    "share",
    "sign_up",
    "visit",
    "shop",
    "register",
    "download",
    "call",
)


class NoTemplates(PostWriterError):
    code = "no_templates"
    http_status = 409

    def __init__(
        self,
        message: str = "no templates yet: scrape a page and let analysis finish, then try again",
    ) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class Ranked:
    template: Template
    similarity: float
    topic_fit: float
    total: float
    reasons: list[str] = field(default_factory=list, hash=False)


@dataclass(frozen=True)
class Draft:
    text: str
    template_id: str
    hook_type: str
    cta_type: str | None
    language: str
    checks: list[Check] = field(hash=False)
    explanation: list[str] = field(hash=False)
    tone: dict[str, float] = field(default_factory=dict, hash=False)

    @property
    def status(self) -> str:
        return quality.worst(self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "template_id": self.template_id,
            "hook_type": self.hook_type,
            "cta_type": self.cta_type,
            "language": self.language,
            "status": self.status,
            "checks": [c.to_json() for c in self.checks],
            "explanation": list(self.explanation),
            "tone": dict(self.tone),
        }


# ---------------------------------------------------------------- ranking


def _topic_table(topics: Sequence[Mapping[str, Any]] | None) -> dict[int, tuple[set[str], str]]:
    table: dict[int, tuple[set[str], str]] = {}
    for topic in topics or ():
        tid = topic.get("topic_id", topic.get("id"))
        if not isinstance(tid, int) or isinstance(tid, bool):
            continue
        words: list[str] = []
        for entry in topic.get("terms") or topic.get("keywords") or ():
            if isinstance(entry, str):
                words.append(entry)
            elif isinstance(entry, Mapping):
                words.append(str(entry.get("term") or entry.get("word") or ""))
            elif isinstance(entry, Sequence) and entry:
                words.append(str(entry[0]))
        label = str(topic.get("label") or ", ".join(words[:3]))
        table[tid] = ({t for w in words for t in terms(w)}, label)
    return table


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


def _score_ranks(templates: Sequence[Template]) -> dict[str, float]:
    """Each template's engagement as a rank in 0..1 among the candidates, after shrinking its
    mean toward the candidates' mean by SCORE_PRIOR posts (one lucky post counts little)."""
    scored = [(t.score, t.posts) for t in templates if t.score is not None]
    total = sum(n for _, n in scored)
    overall = sum(s * n for s, n in scored) / total if total else 0.0
    shrunk = {
        t.template_id: (
            (t.score * t.posts + overall * SCORE_PRIOR) / (t.posts + SCORE_PRIOR)
            if t.score is not None
            else overall
        )
        for t in templates
    }
    values = sorted(set(shrunk.values()))
    if len(values) < 2:
        return dict.fromkeys(shrunk, 0.5)
    return {tid: bisect_left(values, v) / (len(values) - 1) for tid, v in shrunk.items()}


def rank_templates(
    idea: str,
    templates: list[Template],
    *,
    language: str | None = None,
    topics: list[dict[str, Any]] | None = None,
    limit: int = 5,
) -> list[Ranked]:
    """Best templates for the idea: 0.6 cosine similarity + 0.25 topic fit + 0.15 score rank."""
    if not templates:
        raise NoTemplates()
    if not 1 <= limit <= 50:
        raise InvalidRequest("limit must be between 1 and 50", field="limit")
    parsed = parse_idea(idea, language)
    candidates = [t for t in templates if t.language == parsed.language]
    if not candidates:
        raise NoTemplates(
            f"no {parsed.language} templates yet: scrape a page that posts in "
            f"{parsed.language} and let analysis finish, then try again"
        )
    df: Counter[str] = Counter(term for t in candidates for term, _ in t.terms)
    count = len(candidates)
    tf = Counter(parsed.terms)
    vector = {t: c * (math.log((1 + count) / (1 + df[t])) + 1.0) for t, c in tf.items()}
    idea_terms = set(parsed.terms)
    table = _topic_table(topics)
    ranks = _score_ranks(candidates)
    out: list[Ranked] = []
    for template in candidates:
        weights = dict(template.terms)
        similarity = cosine(vector, weights)
        shared = matching_words(parsed.text, weights.keys())
        reasons = [f"structure: {template.describe()}"]
        if shared:
            reasons.append(
                f"shares {len(shared)} word(s) with the idea ({', '.join(shared[:5])}): "
                f"similarity {similarity:.2f}"
            )
        else:
            reasons.append("no word in common with the idea: ranked on topic and engagement")
        fit, fit_reason = 0.0, ""
        for tid in template.topic_ids:
            if tid in table and idea_terms:
                words, label = table[tid]
                share = len(idea_terms & words) / len(idea_terms)
                if share > fit:
                    fit, fit_reason = share, f"topic {tid} ({label}) covers {share:.0%} of the idea"
        if fit_reason:
            reasons.append(fit_reason)
        if template.score is None:
            reasons.append(f"its {template.posts} post(s) have no engagement figures yet")
        else:
            reasons.append(
                f"its {template.posts} post(s) average {template.score:+.2f} normalised "
                f"engagement (support {template.support:.2f}, "
                f"rank {ranks[template.template_id]:.2f} of the candidates)"
            )
        total = (
            WEIGHTS["similarity"] * similarity
            + WEIGHTS["topic_fit"] * fit
            + WEIGHTS["score"] * ranks[template.template_id]
        )
        out.append(Ranked(template, round(similarity, 4), round(fit, 4), round(total, 4), reasons))
    out.sort(key=lambda r: (-r.total, r.template.template_id))
    return out[:limit]


def get_template(templates: Sequence[Template], template_id: str) -> Template:
    for template in templates:
        if template.template_id == template_id:
            return template
    raise NotFound(
        f"no template {template_id!r}: list the templates to see their ids", field="template_id"
    )


# ---------------------------------------------------------------- filling


def _validate(hook_type: str | None, cta_type: str | None, link: str | None) -> None:
    if hook_type is not None and hook_type not in HOOK_LABELS:
        raise InvalidRequest(f"hook type must be one of {', '.join(HOOK_LABELS)}", field="hook")
    if cta_type is not None and cta_type not in (*CTA_LABELS, "none"):
        raise InvalidRequest(f"CTA type must be one of {', '.join(CTA_LABELS)}", field="cta")
    if link is not None and not re.fullmatch(r"https?://[^\s/$.?#][^\s]{0,2040}", link):
        raise InvalidRequest("the link must be an http(s) URL", field="link")


def idea_fit(text: str, idea: Idea, warnings: Sequence[str] = ()) -> Check:
    """fail when the text shares no word with the idea; warn with what the writer must check."""
    if idea.terms and not matching_words(text, idea.terms):
        return Check("idea_fit", "fail", "the text shares no word with the idea")
    if warnings:
        return Check("idea_fit", "warn", "; ".join(warnings))
    return Check("idea_fit", "pass", "every part comes from the idea or posts sharing its words")


def fill(
    template: Template,
    idea: str,
    *,
    hook_type: str | None = None,
    cta_type: str | None = None,
    link: str | None = None,
) -> Draft:
    """The template's skeleton filled from the idea; every part explained and checked.

    hook_type None: the template's own hook (or pain_point / benefit when it has none);
    cta_type None: the template's own CTA, "none" for no CTA line."""
    _validate(hook_type, cta_type, link)
    b = bank(template.language)
    parsed = parse_idea(idea, template.language)
    material = _material(template, parsed)
    exclaim = template.tone.get("exclamation_rate", 0.0) >= EXCLAIM_FROM
    notes = [f"template {template.template_id}: {template.describe()}, {template.posts} post(s)"]
    warnings: list[str] = []

    kind = hook_type or (template.hook if template.hook in HOOK_LABELS else None)
    kind = kind or ("pain_point" if parsed.pain else "benefit")
    keys = _hook_keys(kind, material)
    if not keys:
        warnings.append(
            f"the idea gives a {kind} hook nothing to work with: a benefit hook is used"
        )
        kind, keys = "benefit", _hook_keys("benefit", material)
    key = keys[0]
    benefits = material.without_claim if (kind, key) in _CLAIM_HOOKS else material.with_claim
    values = {
        "subject": parsed.subject,
        "claim": parsed.claim,
        "pain": parsed.pain,
        "time": parsed.time,
        "number": _social_number(parsed),
        "line": material.social,
        "count": str(len(material.with_claim)),
    }
    runs_on = template.skeleton.split("\n")[0].count("{") > 1
    hook = _hook_text(b, kind, key, values, exclaim=exclaim, runs_on=runs_on)
    notes.append(f"hook: {kind} ({key} frame) filled with the idea's words")

    if material.slots and not benefits:
        frame = b.BENEFIT_FRAMES[_pick(parsed.text, template.template_id) % len(b.BENEFIT_FRAMES)]
        generic = _format(frame, values)
        listing = template.structure.get("body") == "list"
        benefits = [(generic if listing else _sentence(generic), "from a generic frame")]
        warnings.append('the idea names no benefit: add one ("X that saves Y") and run again')
    notes += [f"benefit: {text!r} {why}" for text, why in benefits]
    proof = material.proof if "{PROOF}" in template.skeleton else None
    if proof is not None:
        notes.append(f"proof: {proof[0]!r} {proof[1]}")
        warnings.append(f"the proof comes from an earlier post, check it still holds: {proof[0]}")
    elif "{PROOF}" in template.skeleton:
        notes.append("proof: none in the idea or the template's posts: the slot is left out")

    wanted_cta = cta_type if cta_type is not None else template.cta
    cta = wanted_cta if wanted_cta in CTA_LABELS else None
    cta_line = next((ln for ln in template.skeleton.split("\n") if "{CTA}" in ln), "")
    cta_runs_on = cta_line.count("{") > 1
    cta_text = (
        _cta_text(b, template, cta, values, link, exclaim=exclaim, runs_on=cta_runs_on)
        if cta
        else ""
    )
    if cta:
        notes.append(
            f"cta: {cta} from the {template.language} phrase bank"
            + (", with the link" if link else "")
        )
    skeleton = template.skeleton
    if cta_text and "{CTA}" not in skeleton:
        skeleton += "\n\n{CTA}"
        notes.append("cta: the template has no CTA line, one is added at the end")
    slots = {
        "HOOK": [hook],
        "BENEFIT": [t for t, _ in benefits],
        "PROOF": [proof[0]] if proof else [],
        "CTA": [cta_text] if cta_text else [],
    }
    text = _render(skeleton, slots)
    notes.append("tone kept: " + ", ".join(f"{k} {v:g}" for k, v in sorted(template.tone.items())))

    fit = idea_fit(text, parsed, warnings)
    checks = [*quality.check(text, language=template.language, cta_type=cta, link=link), fit]
    return Draft(
        text, template.template_id, kind, cta, template.language, checks, notes, dict(template.tone)
    )


# ---------------------------------------------------------------- variations and preview


def variations(idea: str, ranked: list[Ranked], n: int, *, link: str | None = None) -> list[Draft]:
    """n drafts of the best template (so tone and topic stay), each with another hook type
    and another CTA. The first keeps the template's own hook and CTA when it has them; hooks
    the idea cannot support (a number hook without a number) are skipped; without a link,
    CTAs that need one come last."""
    if not 1 <= n <= MAX_VARIATIONS:
        raise InvalidRequest(f"variations must be between 1 and {MAX_VARIATIONS}", field="vars")
    if not ranked:
        raise NoTemplates()
    template = ranked[0].template
    parsed = parse_idea(idea, template.language)
    hooks = [h for h in (template.hook, *_HOOK_ORDER) if h in HOOK_LABELS]
    hooks = [h for h in dict.fromkeys(hooks) if hook_available(h, parsed, template)]
    others = [r.template.cta for r in ranked[1:]]
    ctas = [c for c in dict.fromkeys((*others, *_CTA_ORDER)) if c in CTA_LABELS]
    if link is None:
        ctas.sort(key=lambda c: (c in quality.LINK_REQUIRED) * 2 + (c in quality.LINK_EXPECTED))
    if template.cta in CTA_LABELS:
        ctas = [template.cta, *(c for c in ctas if c != template.cta)]
    return [
        fill(
            template, idea, hook_type=hooks[i % len(hooks)], cta_type=ctas[i % len(ctas)], link=link
        )
        for i in range(n)
    ]


def preview(idea: str, ranked: list[Ranked], drafts: list[Draft]) -> str:
    """Idea -> templates -> drafts, with the reasons for each choice and the checks."""
    parsed = parse_idea(idea, drafts[0].language if drafts else None)
    out = [f"Idea: {parsed.text}", f"  language {parsed.language}; subject {parsed.subject!r}"]
    if parsed.claim:
        out.append(f"  claim {parsed.claim!r}")
    if parsed.pain:
        out.append(f"  problem {parsed.pain!r}")
    out += ["", "Templates"]
    for index, item in enumerate(ranked, 1):
        out.append(
            f"  {index}. {item.template.template_id}  total {item.total:.2f} "
            f"(similarity {item.similarity:.2f}, topic {item.topic_fit:.2f})"
        )
        out += [f"     - {reason}" for reason in item.reasons]
    out += ["", "Drafts"]
    for index, draft in enumerate(drafts):
        label = chr(ord("A") + index)
        out.append(
            f"  {label}. template {draft.template_id} · hook {draft.hook_type} · "
            f"cta {draft.cta_type or 'none'} · {draft.status}"
        )
        out += ["     | " + line for line in draft.text.split("\n")]
        out += [f"     why: {note}" for note in draft.explanation]
        out += [f"     {c.status:4} {c.name}: {c.message}" for c in draft.checks]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def adgen(
    idea: str,
    templates: list[Template],
    *,
    n: int = 1,
    language: str | None = None,
    topics: list[dict[str, Any]] | None = None,
    template_id: str | None = None,
    link: str | None = None,
) -> tuple[list[Ranked], list[Draft]]:
    """The whole path for the CLI and the API: rank (or take `template_id`), then n variants.
    NoTemplates (409) when there is nothing to rank, NotFound (404) for an unknown id."""
    if not templates:
        raise NoTemplates()
    if template_id is not None:
        templates = [get_template(templates, template_id)]
        language = templates[0].language
    ranked = rank_templates(idea, templates, language=language, topics=topics)
    return ranked, variations(idea, ranked, n, link=link)
