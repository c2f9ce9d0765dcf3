"""Templates: the HEADLINE / BODY / CTA structures of a page's marketing posts.

A post's structure is (language, hook label, body shape, proof in the body, CTA label). Posts
with the same structure form one template; its id is derived from the source and the
structure only, so mining the same page again yields the same ids (an upsert, never a second
copy). The skeleton is the line layout of the template's best post with its words replaced by
{HOOK}, {BENEFIT}, {PROOF} and {CTA}; bullet markers and a closing emoji stay as the page
wrote them (postwriter.analysis.skeleton builds it). docs/generation.md describes the whole path.
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
from postwriter.analysis.skeleton import MAX_LIST_ITEMS as MAX_LIST_ITEMS
from postwriter.analysis.skeleton import Parts as Parts
from postwriter.analysis.skeleton import build_skeleton
from postwriter.analysis.skeleton import bullet_marker as bullet_marker
from postwriter.analysis.skeleton import is_cta_line as is_cta_line
from postwriter.analysis.skeleton import is_proof as is_proof
from postwriter.analysis.skeleton import is_social_proof as is_social_proof
from postwriter.analysis.skeleton import segment as segment
from postwriter.analysis.skeleton import split_sentences as split_sentences
from postwriter.analysis.skeleton import strip_bullet as strip_bullet

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
                skeleton=build_skeleton(structure, members[0].parts),
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
