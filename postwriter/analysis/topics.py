"""A page's leading topics: TF-IDF over English and Hebrew terms, factorised by NMF.

Pipeline (docs/analysis-engagement-topics.md has the reasons):

1. Terms. URLs, e-mail addresses, mentions and numbers are removed; niqqud is removed;
   hashtags are kept whole ("#holidayblend"); words are case-folded. Stopwords of both
   languages are dropped, including through Hebrew prefixes ("ושלנו" is "שלנו").
   Hebrew prefix letters (ו ה ב ל מ ש כ, chained as the grammar allows) are taken off only
   on corpus evidence that the rest is a word of 3 letters or more (`tokens._resolver` has the
   rule; ב ל מ ש כ need more evidence than ו and ה, as many nouns begin with them).
   English plurals fold to a singular that occurs on its own. Bigrams join two adjacent
   kept words only.
2. TF-IDF (sublinear tf, terms in at least 2 posts and at most half of them).
3. NMF for each k in [min_topics, max_topics], capped at one topic per 5 posts; k is the
   elbow of the explained share: the largest k whose added topic explains at least half
   as much as the most useful added topic did. Fewer than 10 posts with terms give none.
4. Each post goes to its strongest topic when that topic holds at least a quarter of the
   post's weight. Empty topics are dropped; topics are numbered by size.

Deterministic: the same posts in the same order give the same topics (NNDSVDA start with
a fixed `random_state`, ties broken by index).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer

from postwriter.analysis.engagement import PostDoc, PostScore
from postwriter.analysis.tokens import is_stopword as is_stopword
from postwriter.analysis.tokens import post_terms as post_terms

log = logging.getLogger(__name__)

MIN_POSTS = 10
POSTS_PER_TOPIC = 5
MIN_SHARE = 0.25
LABEL_TERMS = 3
TOP_TERMS = 10
BIGRAM_TAKES_OVER = 0.5
GAIN_KEPT = 0.5


@dataclass(frozen=True, slots=True)
class Topic:
    topic_id: int
    label: str  # the top terms joined " / "
    terms: list[str]  # up to 10, strongest first, each word in one term at most
    post_ids: list[str]  # external_ids, the most typical post first
    size: int
    mean_normalised_engagement: float | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Topics(list[Topic]):
    """The topics, with why there are none (`reason`), the share of the posts' TF-IDF
    each number of topics tried explains (`explained`), and the chosen topics' mean NPMI
    coherence (`coherence`, -1 to 1: how often their top terms meet in one post)."""

    def __init__(
        self,
        topics: Iterable[Topic] = (),
        *,
        reason: str | None = None,
        explained: dict[int, float] | None = None,
        coherence: float | None = None,
    ) -> None:
        super().__init__(topics)
        self.reason = reason
        self.explained: dict[int, float] = dict(explained or {})
        self.coherence = coherence


# --- topics --------------------------------------------------------------------------


def _identity(doc: list[str]) -> list[str]:
    return doc


# scipy's sparse matrices carry no type information.
Sparse = Any


def _vectorise(docs: list[list[str]]) -> tuple[Sparse, list[str]]:
    n = len(docs)
    for min_df, max_df in ((2, 0.5), (1, 0.5), (1, 1.0)):
        vectoriser = TfidfVectorizer(
            analyzer=_identity,
            lowercase=False,
            min_df=min_df,
            max_df=max(max_df, min_df / n),
            sublinear_tf=True,
            dtype=np.float32,
        )
        try:
            matrix = vectoriser.fit_transform(docs)
        except ValueError:  # no term left with these bounds
            continue
        return matrix, [str(t) for t in vectoriser.get_feature_names_out()]
    return None, []


def _top_terms(weights: NDArray[np.float64], vocab: list[str], n: int) -> list[int]:
    """Indices of the strongest terms, each word in one of them only: a bigram takes the
    place of a unigram it contains when it has at least half its weight ("holiday blend"
    for "holiday"), and is dropped otherwise or when it repeats a word of a chosen bigram."""
    order = np.lexsort((np.arange(weights.size), -weights))[: n * 4]
    chosen: list[int] = []
    for idx in order:
        if weights[idx] <= 0 or len(chosen) == n:
            break
        words = vocab[idx].split()
        taken = [vocab[c].split() for c in chosen]
        if len(words) == 1:
            if not any(words[0] in t for t in taken):
                chosen.append(int(idx))
            continue
        if any(w in t for t in taken if len(t) > 1 for w in words):
            continue
        inside = [i for i, t in enumerate(taken) if t[0] in words]
        if inside:
            # Only a bigram about as strong as its word is the phrase the word stands in.
            if weights[idx] < BIGRAM_TAKES_OVER * weights[chosen[inside[0]]]:
                continue
            chosen[inside[0]] = int(idx)
            for i in reversed(inside[1:]):
                del chosen[i]
        else:
            chosen.append(int(idx))
    return chosen


def _coherence(present: Sparse, topics: list[list[int]]) -> float:
    """Mean NPMI over pairs of each topic's top terms, posts as the co-occurrence window."""
    n = present.shape[0]
    scores: list[float] = []
    for terms in topics:
        if len(terms) < 2:
            continue
        sub = present[:, terms]
        together = (sub.T @ sub).toarray().astype(np.float64) / n
        alone = np.diag(together)
        for i in range(len(terms)):
            for j in range(i + 1, len(terms)):
                p_ij = together[i, j]
                if p_ij <= 0:
                    scores.append(-1.0)
                elif p_ij >= 1:
                    scores.append(1.0)
                else:
                    pmi = math.log(p_ij / (alone[i] * alone[j]))
                    scores.append(pmi / -math.log(p_ij))
    return math.fsum(scores) / len(scores) if scores else -1.0


@dataclass(slots=True)
class _Fit:
    k: int
    explained: float  # share of the TF-IDF matrix's squared norm the k topics reproduce
    doc_topic: NDArray[np.float64]
    topic_terms: list[list[int]] = field(default_factory=list)


def _fit(matrix: Sparse, total: float, vocab: list[str], k: int, seed: int) -> _Fit:
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=300, tol=1e-3)
    with warnings.catch_warnings():
        # A fit stopped by max_iter is still a usable factorisation; say nothing per page.
        warnings.simplefilter("ignore", ConvergenceWarning)
        doc_topic = np.asarray(model.fit_transform(matrix), dtype=np.float64)
    components = np.asarray(model.components_, dtype=np.float64)
    explained = round(1.0 - float(model.reconstruction_err_) ** 2 / total, 6)
    terms = [_top_terms(row, vocab, TOP_TERMS) for row in components]
    return _Fit(k, explained, doc_topic, terms)


def _choose(fits: list[_Fit], lowest: int) -> _Fit:
    """The largest k whose topic added at least half the largest gain in explained share
    seen from `lowest` on: past it, more topics split themes rather than find new ones."""
    by_k = {f.k: f for f in fits}
    before = {k: by_k[k - 1].explained if k > 1 else 0.0 for k in by_k if k >= lowest}
    gains = {k: by_k[k].explained - explained for k, explained in before.items()}
    top = max(gains.values())
    if top <= 0:
        return by_k[lowest]
    return by_k[max(k for k, g in gains.items() if g >= GAIN_KEPT * top)]


def find_topics(
    posts: Sequence[PostDoc],
    scores: Sequence[PostScore] | None,
    *,
    min_topics: int = 5,
    max_topics: int = 10,
    random_state: int = 0,
) -> Topics:
    """The page's leading topics, largest first; empty with a `reason` when there are too
    few posts or terms. `scores`, when given, are `score_posts(posts, ...)` in order."""
    if scores is not None and len(scores) != len(posts):
        raise ValueError(f"{len(posts)} posts but {len(scores)} scores")
    if not 1 <= min_topics <= max_topics:
        raise ValueError("need 1 <= min_topics <= max_topics")
    texts = [p.get("text") for p in posts]
    terms = post_terms([t if isinstance(t, str) else "" for t in texts])
    rows = [i for i, doc in enumerate(terms) if doc]
    if len(rows) < MIN_POSTS:
        return _none(f"{len(rows)} posts with words; topics need at least {MIN_POSTS}")
    matrix, vocab = _vectorise([terms[i] for i in rows])
    cap = min(max_topics, len(rows) // POSTS_PER_TOPIC, len(vocab) // 2)
    if cap < 1:
        return _none(f"too few shared terms ({len(vocab)}) for a topic")
    lowest = min(min_topics, cap)
    total = float(matrix.multiply(matrix).sum())
    # One fit below the range too, so that the gain of its first k is known.
    fits = [_fit(matrix, total, vocab, k, random_state) for k in range(max(1, lowest - 1), cap + 1)]
    best = _choose(fits, lowest)
    present = (matrix > 0).astype(np.float64).tocsc()
    return Topics(
        _assemble(best, vocab, rows, posts, scores),
        explained={f.k: f.explained for f in fits},
        coherence=round(_coherence(present, best.topic_terms), 6),
    )


def _none(reason: str) -> Topics:
    log.info("no topics", extra={"reason": reason})
    return Topics(reason=reason)


def _assemble(
    fit: _Fit,
    vocab: list[str],
    rows: list[int],
    posts: Sequence[PostDoc],
    scores: Sequence[PostScore] | None,
) -> list[Topic]:
    weight = fit.doc_topic
    total = weight.sum(axis=1)
    strongest = weight.argmax(axis=1)
    top = weight[np.arange(len(rows)), strongest]
    share = np.divide(top, total, out=np.zeros_like(top), where=total > 0)
    members: dict[int, list[int]] = {t: [] for t in range(fit.k)}
    for r in np.lexsort((np.arange(len(rows)), -top)):  # the most typical post first
        if top[r] > 0 and share[r] >= MIN_SHARE:
            members[int(strongest[r])].append(int(r))
    drafts = []
    for t, rs in members.items():
        if not rs:
            continue
        names = [vocab[i] for i in fit.topic_terms[t]]
        values = [scores[rows[r]].normalised for r in rs] if scores is not None else []
        known = [v for v in values if v is not None]
        drafts.append(
            (
                -len(rs),
                t,
                " / ".join(names[:LABEL_TERMS]),
                names,
                [str(posts[rows[r]].get("external_id", "")) for r in rs],
                math.fsum(known) / len(known) if known else None,
            )
        )
    drafts.sort(key=lambda d: (d[0], d[1]))
    return [
        Topic(n, label, names, ids, len(ids), mean)
        for n, (_, _, label, names, ids, mean) in enumerate(drafts)
    ]
