"""Ideas to posts: rank templates for an idea, fill them from the idea's own words, A/B variants.

Deterministic and offline. The idea is read into a subject ("AI scheduler"), an optional
claim ("saves small teams 5 hours a week"), a problem ("without manual posting"), a deadline
("until Sunday") and numbers; every hook frame needs one of them, so no sentence reaches a
draft without the idea's words. {BENEFIT} and {PROOF} come from the idea, then from the
template's own posts that share a word with the idea; a generic frame is the last resort and
the draft then says so. docs/generation.md walks through an example.
"""

from __future__ import annotations

import hashlib
import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from postwriter.analysis import phrases_en, phrases_he, quality
from postwriter.analysis.quality import Check
from postwriter.analysis.templates import (
    CTA_LABELS,
    HOOK_LABELS,
    Phrase,
    Template,
    is_social_proof,
    matching_words,
    terms,
)
from postwriter.errors import InvalidRequest, NotFound, PostWriterError

MAX_IDEA_CHARS = 500
MAX_VARIATIONS = 10
SCORE_PRIOR = 3  # posts of "average" engagement mixed into each template's score
WEIGHTS = {"similarity": 0.6, "topic_fit": 0.25, "score": 0.15}
_BANKS: dict[str, ModuleType] = {"en": phrases_en, "he": phrases_he}
EXCLAIM_FROM = 0.3  # a template whose posts exclaim this often gets "!" on hooks and CTAs
_EXCLAIMABLE = {"benefit", "urgency", "announcement", "social_proof", "number"}
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


# ---------------------------------------------------------------- the idea


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


def _validate(hook_type: str | None, cta_type: str | None, link: str | None) -> None:
    if hook_type is not None and hook_type not in HOOK_LABELS:
        raise InvalidRequest(f"hook type must be one of {', '.join(HOOK_LABELS)}", field="hook")
    if cta_type is not None and cta_type not in (*CTA_LABELS, "none"):
        raise InvalidRequest(f"CTA type must be one of {', '.join(CTA_LABELS)}", field="cta")
    if link is not None and not re.fullmatch(r"https?://[^\s/$.?#][^\s]{0,2040}", link):
        raise InvalidRequest("the link must be an http(s) URL", field="link")


def _render(skeleton: str, values: Mapping[str, list[str]]) -> str:
    queues = {name: list(items) for name, items in values.items()}

    def sub(match: re.Match[str]) -> str:
        queue = queues.get(match.group(1), [])
        return queue.pop(0) if queue else ""

    lines: list[str] = []
    for line in skeleton.split("\n"):
        filled = re.sub(r"\{(HOOK|BENEFIT|PROOF|CTA)\}", sub, line).rstrip()
        if filled != line.rstrip() and not re.search(r"[^\W_]", filled):
            continue  # nothing left but a bullet marker: the line goes
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
