"""Engagement scoring: how well each post did, and what the posts that did well share.

Posts are the documents stored in MongoDB (see `Post.to_document`), read as plain mappings.
Everything is computed in Python from the documents: FerretDB has no `$avg`, `$first` or
`$push` accumulators, and a page's posts are few enough (thousands, not millions) to score
in one pass. Nothing here touches the database.

Definitions (docs/analysis-engagement-topics.md explains the choices):

- interactions = reactions + comments + shares. Views are left out: only videos and reels
  show them, they count a passive exposure rather than an action, and they run one or two
  orders of magnitude above the other figures, so adding them would make every video an
  outlier and rank posts by format rather than by response.
- rate = interactions / followers, a fraction (0.025 is 2.5 %), when the page's follower
  count is known (`postwriter.extract.page_info.page_followers`).
- normalised = interactions / max(median, 1), the median taken over the page's posts that
  show at least one figure. 1.0 is a typical post of this page; the floor of one
  interaction keeps a page whose median post got nothing from dividing by zero (its
  posts are then measured in raw interactions, and an all-zero page scores 0.0 everywhere).
- outlier = normalised >= 3.
- A post that shows no figure at all (no reactions, comments or shares) is not a post with
  zero engagement: it is unmeasured. Its rate and normalised are None and it is left out
  of every mean.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict, cast
from zoneinfo import ZoneInfo

OUTLIER_AT = 3.0
LOW_SAMPLE_BELOW = 3
SHORT_BELOW = 80
MEDIUM_BELOW = 300
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MEDIA_TYPES = ("none", "image", "video", "link")
LENGTH_BUCKETS = ("short", "medium", "long")
GROUPS = ("hour", "weekday", "media_type", "length_bucket", "hook", "cta")
NO_LABEL = "none"  # the key of analysed posts that carry no hook (or no CTA)


class MetricsDoc(TypedDict, total=False):
    """The part of `post["metrics"]` read here; any field may be missing or None."""

    reactions: int | None
    comments: int | None
    shares: int | None
    views: int | None
    reactions_by_type: dict[str, int] | None


class LabelDoc(TypedDict):
    """One entry of `post["analysis"]["hooks"]` or `["cta"]`."""

    label: str
    confidence: float


# A post as stored: platform, source, external_id, url, text, published_at, media,
# metrics and optionally analysis. Read through the helpers below, which check types:
# stored documents are data, not a contract.
PostDoc = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class PostScore:
    external_id: str
    interactions: int
    rate: float | None  # per follower, None when followers or the post's figures are unknown
    normalised: float | None  # per page median, None when the post shows no figure
    outlier: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Effect:
    key: str
    posts: int
    mean_normalised: float
    lift: float  # mean_normalised / the mean over every measured post
    low_sample: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _count(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _metrics(post: PostDoc) -> MetricsDoc:
    raw = post.get("metrics")
    return cast(MetricsDoc, raw) if isinstance(raw, Mapping) else MetricsDoc()


def _reactions(metrics: MetricsDoc) -> int | None:
    total = _count(metrics.get("reactions"))
    if total is not None:
        return total
    # A page that shows only the per-type breakdown still says how many reacted.
    by_type = metrics.get("reactions_by_type")
    if isinstance(by_type, Mapping):
        counts = [c for c in (_count(v) for v in by_type.values()) if c is not None]
        if counts:
            return sum(counts)
    return None


def _figures(post: PostDoc) -> list[int]:
    metrics = _metrics(post)
    known = (_reactions(metrics), _count(metrics.get("comments")), _count(metrics.get("shares")))
    return [n for n in known if n is not None]


def has_figures(post: PostDoc) -> bool:
    """Whether the post shows at least one of reactions, comments or shares."""
    return bool(_figures(post))


def interactions(post: PostDoc) -> int:
    """Reactions + comments + shares; a figure the page does not show counts as 0."""
    return sum(_figures(post))


def _median(figures: Sequence[list[int]]) -> float:
    measured = [sum(f) for f in figures if f]
    return float(statistics.median(measured)) if measured else 0.0


def page_median(posts: Sequence[PostDoc]) -> float:
    """The median of interactions over the posts that show a figure; 0.0 when none does."""
    return _median([_figures(p) for p in posts])


def score_posts(posts: Sequence[PostDoc], followers: int | None) -> list[PostScore]:
    """One score per post, in the order given."""
    figures = [_figures(p) for p in posts]
    denominator = max(_median(figures), 1.0)
    per_follower = followers if followers is not None and followers > 0 else None
    scores = []
    for post, figs in zip(posts, figures, strict=True):
        total = sum(figs)
        normalised = total / denominator if figs else None
        scores.append(
            PostScore(
                external_id=str(post.get("external_id", "")),
                interactions=total,
                rate=total / per_follower if figs and per_follower else None,
                normalised=normalised,
                outlier=normalised is not None and normalised >= OUTLIER_AT,
            )
        )
    return scores


def _published(post: PostDoc, zone: ZoneInfo) -> datetime | None:
    value = post.get("published_at")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    # pymongo returns naive datetimes that are UTC unless the client is tz_aware.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone)


def media_type(post: PostDoc) -> str:
    """The type of the first attachment: image, video, link, or none."""
    media = post.get("media")
    if isinstance(media, Sequence) and not isinstance(media, str) and media:
        first = media[0]
        kind = first.get("type") if isinstance(first, Mapping) else None
        if kind in MEDIA_TYPES:
            return str(kind)
    return "none"


def length_bucket(text: str) -> str:
    n = len(text.strip())
    return "short" if n < SHORT_BELOW else "medium" if n < MEDIUM_BELOW else "long"


def _labels(post: PostDoc, field: str) -> list[str] | None:
    """Distinct labels of one analysis field, [NO_LABEL] when the post was analysed and
    carries none, None when it was not analysed."""
    analysis = post.get("analysis")
    if not isinstance(analysis, Mapping) or field not in analysis:
        return None
    entries = analysis.get(field)
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        return [NO_LABEL]
    labels: list[str] = []
    for entry in entries:
        label = entry.get("label") if isinstance(entry, Mapping) else None
        if isinstance(label, str) and label and label not in labels:
            labels.append(label)
    return labels or [NO_LABEL]


def _keys(post: PostDoc, zone: ZoneInfo) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    when = _published(post, zone)
    if when is not None:
        keys["hour"] = [f"{when.hour:02d}"]
        keys["weekday"] = [WEEKDAYS[when.weekday()]]
    keys["media_type"] = [media_type(post)]
    text = post.get("text")
    keys["length_bucket"] = [length_bucket(text if isinstance(text, str) else "")]
    for group, field in (("hook", "hooks"), ("cta", "cta")):
        labels = _labels(post, field)
        if labels is not None:
            keys[group] = labels
    return keys


def _order(group: str, sums: Mapping[str, list[float]]) -> list[str]:
    fixed = {
        "weekday": WEEKDAYS,
        "media_type": MEDIA_TYPES,
        "length_bucket": LENGTH_BUCKETS,
    }.get(group)
    if group == "hour":
        return sorted(sums)
    if fixed is not None:
        return [k for k in fixed if k in sums]
    # Labels: most posts first, then by name, so the order is stable.
    return sorted(sums, key=lambda k: (-len(sums[k]), k))


def effects(
    posts: Sequence[PostDoc], scores: Sequence[PostScore], tz: str = "UTC"
) -> dict[str, list[Effect]]:
    """Mean normalised engagement and lift per hour, weekday, media type, length bucket,
    hook and CTA. `scores` are `score_posts(posts, ...)`, in the same order.

    Posts without a normalised score are left out. Hour and weekday are read in `tz` (an
    IANA zone, such as the page's audience's); undated posts are left out of both. A post
    with several hooks (or CTAs) counts once in each. Lift is the group's mean over the
    mean of every measured post; when that mean is 0 every group's lift is 1.0.
    """
    if len(posts) != len(scores):
        raise ValueError(f"{len(posts)} posts but {len(scores)} scores")
    zone = ZoneInfo(tz)
    values: dict[str, dict[str, list[float]]] = {g: defaultdict(list) for g in GROUPS}
    measured: list[float] = []
    for post, score in zip(posts, scores, strict=True):
        if str(post.get("external_id", "")) != score.external_id:
            raise ValueError(f"scores out of order at post {score.external_id!r}")
        if score.normalised is None:
            continue
        measured.append(score.normalised)
        for group, keys in _keys(post, zone).items():
            for key in keys:
                values[group][key].append(score.normalised)
    overall = math.fsum(measured) / len(measured) if measured else 0.0
    result: dict[str, list[Effect]] = {}
    for group in GROUPS:
        sums = values[group]
        effects_ = []
        for key in _order(group, sums):
            vals = sums[key]
            mean = math.fsum(vals) / len(vals)
            effects_.append(
                Effect(
                    key=key,
                    posts=len(vals),
                    mean_normalised=mean,
                    lift=mean / overall if overall > 0 else 1.0,
                    low_sample=len(vals) < LOW_SAMPLE_BELOW,
                )
            )
        result[group] = effects_
    return result
