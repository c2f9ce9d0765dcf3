"""Templates: the HEADLINE / BODY / CTA structures of a page's marketing posts.

A post's structure is (language, hook label, body shape, proof in the body, CTA label). Posts
with the same structure form one template; its id is derived from the source and the
structure only, so mining the same page again yields the same ids (an upsert, never a second
copy). The skeleton is the line layout of the template's best post with its words replaced by
{HOOK}, {BENEFIT}, {PROOF} and {CTA}; bullet markers and a closing emoji stay as the page
wrote them. docs/generation.md describes the whole path.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from postwriter.analysis import phrases_en, phrases_he
from postwriter.analysis.quality import EMOJI, URL, has_link

HOOK_LABELS: tuple[str, ...] = (
    "question",
    "number",
    "urgency",
    "social_proof",
    "benefit",
    "pain_point",
    "curiosity",
    "how_to",
    "story",
    "announcement",
)
CTA_LABELS: tuple[str, ...] = (
    "learn_more",
    "sign_up",
    "shop",
    "comment",
    "share",
    "message",
    "register",
    "download",
    "call",
    "visit",
)
BODY_SHAPES: tuple[str, ...] = ("list", "single_paragraph", "multi_paragraph", "none")
MAX_TERMS = 30
MAX_PHRASES = 8
MAX_LIST_ITEMS = 3
SUPPORT_PRIOR = 3  # support = scored posts / (scored posts + 3): 1 post 0.25, 9 posts 0.75

# ---------------------------------------------------------------- tokens

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_HEBREW = re.compile(r"[\u05d0-\u05ea]")
_NIQQUD = re.compile(r"[\u0591-\u05c7]")
_FINALS = str.maketrans("ךםןףץ", "כמנפצ")
_HE_PREFIXES = "ובהלמשכ"


def _he_norm(token: str) -> str:
    return _NIQQUD.sub("", token).translate(_FINALS)


_STOP: frozenset[str] = phrases_en.STOPWORDS | frozenset(_he_norm(w) for w in phrases_he.STOPWORDS)


def _stem_en(token: str) -> str:
    if token.endswith("'s"):
        token = token[:-2]
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def matching_words(text: str, wanted: Iterable[str]) -> list[str]:
    """The words of `text`, as written, whose terms are among `wanted` (each word once)."""
    wanted_set = set(wanted)
    out: list[str] = []
    for word in _WORD.findall(URL.sub(" ", text)):
        if word not in out and wanted_set & set(terms(word)):
            out.append(word)
    return out


def terms(text: str) -> list[str]:
    """Content terms of a text, in order, English and Hebrew alike.

    Lower-cased, stop words dropped, English plurals folded ("posts" -> "post"). Hebrew loses
    its vowel points and final letter forms, and a word that may start with a one-letter
    prefix ("והמבצע") also yields the word without it ("המבצע"), so "מבצע" in an idea meets
    "במבצע" in a post. Hashtags count as words ("#AIMarketing" -> "aimarketing"); links do not.
    """
    out: list[str] = []
    for raw in _WORD.findall(URL.sub(" ", text)):
        token = raw.casefold().replace("’", "'")
        if _HEBREW.search(token):
            token = _he_norm(token)
            if len(token) < 2 or token in _STOP:
                continue
            out.append(token)
            if len(token) >= 4 and token[0] in _HE_PREFIXES and token[1:] not in _STOP:
                out.append(token[1:])
            continue
        if len(token) < 2 or token in _STOP:
            continue
        out.append(_stem_en(token))
    return out


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


# ---------------------------------------------------------------- templates


@dataclass(frozen=True)
class Phrase:
    """A body line of one of the template's posts, bullet marker removed."""

    kind: str  # "benefit" or "proof"
    text: str
    post_id: str
    social: bool = False


@dataclass(frozen=True)
class Template:
    template_id: str
    source: str
    language: str
    structure: dict[str, Any] = field(hash=False)
    skeleton: str
    example_post_ids: tuple[str, ...]
    posts: int
    score: float | None
    support: float
    tone: dict[str, float] = field(hash=False)
    topic_ids: tuple[int, ...]
    terms: tuple[tuple[str, float], ...]
    phrases: tuple[Phrase, ...] = ()
    emojis: tuple[str, ...] = ()

    @property
    def hook(self) -> str:
        return str(self.structure.get("hook", "none"))

    @property
    def cta(self) -> str:
        return str(self.structure.get("cta", "none"))

    def describe(self) -> str:
        body = str(self.structure.get("body", "none"))
        if self.structure.get("proof"):
            body += "+proof"
        return f"{self.language} · hook {self.hook} · body {body} · cta {self.cta}"

    def to_json(self) -> dict[str, Any]:
        """A JSON- and MongoDB-safe document (no dotted keys); `from_json` reads it back."""
        return {
            "template_id": self.template_id,
            "source": self.source,
            "language": self.language,
            "structure": dict(self.structure),
            "skeleton": self.skeleton,
            "example_post_ids": list(self.example_post_ids),
            "posts": self.posts,
            "score": self.score,
            "support": self.support,
            "tone": dict(self.tone),
            "topic_ids": list(self.topic_ids),
            # Objects, not [term, weight] pairs: FerretDB stores no nested arrays.
            "terms": [{"term": term, "weight": weight} for term, weight in self.terms],
            "phrases": [
                {"kind": p.kind, "text": p.text, "post_id": p.post_id, "social": p.social}
                for p in self.phrases
            ],
            "emojis": list(self.emojis),
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Template:
        return cls(
            template_id=str(doc["template_id"]),
            source=str(doc["source"]),
            language=str(doc["language"]),
            structure=dict(doc["structure"]),
            skeleton=str(doc["skeleton"]),
            example_post_ids=tuple(str(i) for i in doc.get("example_post_ids", ())),
            posts=int(doc["posts"]),
            score=None if doc.get("score") is None else float(doc["score"]),
            support=float(doc.get("support", 0.0)),
            tone={str(k): float(v) for k, v in dict(doc.get("tone", {})).items()},
            topic_ids=tuple(int(t) for t in doc.get("topic_ids", ())),
            terms=tuple(_term(t) for t in doc.get("terms", ())),
            phrases=tuple(
                Phrase(str(p["kind"]), str(p["text"]), str(p["post_id"]), bool(p.get("social")))
                for p in doc.get("phrases", ())
            ),
            emojis=tuple(str(e) for e in doc.get("emojis", ())),
        )


def template_id(source: str, structure: Mapping[str, Any]) -> str:
    """sha256 of the source and the canonical structure, first 16 hex digits."""
    canonical = json.dumps(dict(structure), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{source}\0{canonical}".encode()).hexdigest()[:16]


def _top_label(items: Any) -> str:
    best: tuple[float, str] | None = None
    for item in items or ():
        if not isinstance(item, Mapping) or not item.get("label"):
            continue
        confidence = float(item.get("confidence") or 0.0)
        if best is None or confidence > best[0]:
            best = (confidence, str(item["label"]))
    return best[1] if best else "none"


@dataclass
class _Post:
    post_id: str
    text: str
    parts: Parts
    engagement: float | None
    tone: dict[str, float]
    topic_id: int | None


def _is_marketing(analysis: Mapping[str, Any]) -> bool:
    flag = analysis.get("is_marketing")
    if isinstance(flag, Mapping):
        return bool(flag.get("value"))
    return bool(flag)


def _read(post: Mapping[str, Any]) -> tuple[dict[str, Any], _Post] | None:
    analysis = post.get("analysis")
    if not isinstance(analysis, Mapping) or not _is_marketing(analysis):
        return None
    text = str(analysis.get("clean_text") or post.get("text") or "")
    parts = segment(text)
    if not parts.headline:
        return None
    engagement = analysis.get("engagement") or {}
    value = engagement.get("normalised") if isinstance(engagement, Mapping) else None
    tone_raw = analysis.get("tone") or {}
    tone = {
        str(k): float(v)
        for k, v in tone_raw.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    }
    topic = analysis.get("topic_id")
    structure = {
        "language": str(analysis.get("language") or "en"),
        "hook": _top_label(analysis.get("hooks")),
        "body": parts.shape,
        "proof": parts.proof,
        "cta": _top_label(analysis.get("cta")),
    }
    return structure, _Post(
        post_id=str(post.get("external_id", "")),
        text=text,
        parts=parts,
        engagement=float(value) if isinstance(value, int | float) else None,
        tone=tone,
        topic_id=int(topic) if isinstance(topic, int) and not isinstance(topic, bool) else None,
    )


def _rank_key(post: _Post) -> tuple[bool, float, str]:
    return (post.engagement is None, -(post.engagement or 0.0), post.post_id)


def _skeleton(structure: Mapping[str, Any], rep: Parts) -> str:
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


def _phrases(posts: Sequence[_Post]) -> tuple[Phrase, ...]:
    seen: set[str] = set()
    benefits: list[Phrase] = []
    proofs: list[Phrase] = []
    for post in posts:
        for line in post.parts.body_lines:
            text = strip_bullet(line)
            key = text.casefold()
            if key in seen or has_link(text) or not 3 <= len(text) <= 200:
                continue
            seen.add(key)
            if is_proof(text):
                proofs.append(Phrase("proof", text, post.post_id, is_social_proof(text)))
            else:
                benefits.append(Phrase("benefit", text, post.post_id))
    return tuple(benefits[:MAX_PHRASES] + proofs[:MAX_PHRASES])


def _mean_tone(posts: Sequence[_Post]) -> dict[str, float]:
    sums: dict[str, float] = {}
    counts: Counter[str] = Counter()
    for post in posts:
        for key, value in post.tone.items():
            sums[key] = sums.get(key, 0.0) + value
            counts[key] += 1
    return {key: round(sums[key] / counts[key], 4) for key in sorted(sums)}


def _weights(groups: Mapping[str, Sequence[_Post]]) -> dict[str, tuple[tuple[str, float], ...]]:
    """TF-IDF over the batch's posts; each template keeps its top terms, L2-normalised."""
    post_terms = {id(p): terms(p.text) for posts in groups.values() for p in posts}
    document_count = len(post_terms)
    df: Counter[str] = Counter()
    for words in post_terms.values():
        df.update(set(words))
    out: dict[str, tuple[tuple[str, float], ...]] = {}
    for key, posts in groups.items():
        tf: Counter[str] = Counter()
        for post in posts:
            tf.update(post_terms[id(post)])
        scored = {
            t: c * (math.log((1 + document_count) / (1 + df[t])) + 1.0) for t, c in tf.items()
        }
        top = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TERMS]
        norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
        out[key] = tuple((t, round(w / norm, 4)) for t, w in top)
    return out


def mine_templates(posts: list[dict[str, Any]], *, source: str) -> list[Template]:
    """Group the marketing posts of one source by structure; one Template per group.

    Ordered by score (None last), then number of posts, then id. Same posts, same result.
    """
    groups: dict[str, list[_Post]] = {}
    structures: dict[str, dict[str, Any]] = {}
    for post in posts:
        read = _read(post)
        if read is None:
            continue
        structure, item = read
        tid = template_id(source, structure)
        structures[tid] = structure
        groups.setdefault(tid, []).append(item)
    for members in groups.values():
        members.sort(key=_rank_key)
    weights = _weights(groups)
    templates: list[Template] = []
    for tid, members in groups.items():
        structure = structures[tid]
        scored = [p.engagement for p in members if p.engagement is not None]
        topics = Counter(p.topic_id for p in members if p.topic_id is not None)
        emojis = Counter(e.strip() for p in members for e in EMOJI.findall(p.text))
        templates.append(
            Template(
                template_id=tid,
                source=source,
                language=structure["language"],
                structure=structure,
                skeleton=_skeleton(structure, members[0].parts),
                example_post_ids=tuple(p.post_id for p in members[:5]),
                posts=len(members),
                score=round(sum(scored) / len(scored), 4) if scored else None,
                support=round(len(scored) / (len(scored) + SUPPORT_PRIOR), 4),
                tone=_mean_tone(members),
                topic_ids=tuple(
                    t for t, _ in sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))
                ),
                terms=weights[tid],
                phrases=_phrases(members),
                emojis=tuple(e for e, _ in emojis.most_common(3)),
            )
        )
    templates.sort(key=lambda t: (t.score is None, -(t.score or 0.0), -t.posts, t.template_id))
    return templates


def _term(item: Any) -> tuple[str, float]:
    """A stored term: {"term", "weight"} (or the older [term, weight] pair)."""
    if isinstance(item, Mapping):
        return str(item["term"]), float(item["weight"])
    term, weight = item
    return str(term), float(weight)
