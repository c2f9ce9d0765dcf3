"""Typed views of the API's resources: jobs, posts and analysis here, the rest in
`models_ops`; all importable from this module. How they are read: `model_base`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from .model_base import Listing, Model
from .models_ops import (
    ApiKey,
    AuditEvent,
    DeadLetter,
    Recipe,
    Schedule,
    Session,
    Webhook,
    WebhookDelivery,
)

__all__ = [
    "ApiKey",
    "AuditEvent",
    "DeadLetter",
    "Draft",
    "DraftCheck",
    "Generation",
    "IdeaRanking",
    "Job",
    "JobAccepted",
    "JobEvent",
    "Listing",
    "Model",
    "Page",
    "Post",
    "PostHistory",
    "RankedTemplate",
    "Recipe",
    "Schedule",
    "Session",
    "Template",
    "Topic",
    "Webhook",
    "WebhookDelivery",
]
FINAL_EVENT_TYPES = frozenset({"job.succeeded", "job.failed", "job.cancelled"})
FINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})


# ------------------------------------------------------------------ jobs and posts


@dataclass(frozen=True, slots=True, kw_only=True)
class JobAccepted(Model):
    """The answer to `create_job` and `replay_dead_letter`: the job id and its status now.

    `idempotency_key` is the key the SDK sent with `create_job`: the same key and body
    always name the same job, so keep it to retry the request safely later.
    """

    job_id: str
    status: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Job(Model):
    job_id: str
    url: str | None = None
    adapter: str | None = None
    max_posts: int | None = None
    status: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    coverage: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    since: datetime | None = None
    session_id: str | None = None
    recipe_id: str | None = None
    block_resources: bool | None = None
    cancel_requested: bool | None = None
    attempts: int | None = None
    schedule_id: str | None = None
    scheduled_for: datetime | None = None
    deadline_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def is_final(self) -> bool:
        """True once the job succeeded, failed or was cancelled: its state changes no more."""
        return self.status in FINAL_STATUSES


@dataclass(frozen=True, slots=True, kw_only=True)
class JobEvent(Model):
    """One entry of a job's event log; `seq` counts from 1 with no gap, per job."""

    job_id: str
    seq: int
    type: str
    at: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def is_final(self) -> bool:
        """`job.succeeded`, `job.failed` or `job.cancelled`: every job has exactly one."""
        return self.type in FINAL_EVENT_TYPES


@dataclass(frozen=True, slots=True, kw_only=True)
class Post(Model):
    """A stored post with its latest figures and, once analysed, `analysis`."""

    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {"id": ("post_id",)}

    id: str
    platform: str | None = None
    source: str | None = None
    external_id: str | None = None
    url: str | None = None
    author: dict[str, Any] | None = None
    published_at: datetime | None = None
    text: str | None = None
    media: list[dict[str, Any]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    is_sponsored: bool | None = None
    analysis: dict[str, Any] | None = None
    engagement: dict[str, Any] | None = None
    topic_id: int | None = None
    job_id: str | None = None
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PostHistory(Model):
    """Each scrape's figures for a post, oldest first, and how fast reactions grow."""

    post_id: str
    published_at: datetime | None = None
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    velocity: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ analysis


@dataclass(frozen=True, slots=True, kw_only=True)
class Page(Model):
    """What analysis found on one page (`page_id` is `platform:source`)."""

    page_id: str
    platform: str | None = None
    source: str | None = None
    name: str | None = None
    followers: int | None = None
    posts_analysed: int | None = None
    marketing_posts: int | None = None
    voice: dict[str, Any] = field(default_factory=dict)
    effects: dict[str, Any] = field(default_factory=dict)
    topics: list[dict[str, Any]] = field(default_factory=list)
    outliers: list[str] = field(default_factory=list)
    analysed_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Topic(Model):
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {"topic_id": ("id",)}

    topic_id: int
    label: str | None = None
    terms: list[Any] = field(default_factory=list)
    post_ids: list[str] = field(default_factory=list)
    size: int | None = None
    mean_normalised_engagement: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Template(Model):
    """A post structure mined from a page's best marketing posts."""

    template_id: str
    platform: str | None = None
    source: str | None = None
    language: str | None = None
    structure: Any = None
    skeleton: str | None = None
    score: float | None = None
    support: int | None = None
    posts: int | None = None
    example_post_ids: list[str] = field(default_factory=list)
    tone: dict[str, Any] = field(default_factory=dict)
    topic_ids: list[int] = field(default_factory=list)
    terms: list[dict[str, Any]] = field(default_factory=list)
    phrases: list[dict[str, Any]] = field(default_factory=list)
    emojis: list[str] = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RankedTemplate(Model):
    """How well a template fits an idea: `total` mixes similarity, topic fit and engagement."""

    template_id: str
    total: float | None = None
    similarity: float | None = None
    topic_fit: float | None = None
    reasons: list[str] = field(default_factory=list)
    skeleton: str | None = None
    score: float | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IdeaRanking(Model):
    idea: str | None = None
    ranked: list[RankedTemplate] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftCheck(Model):
    name: str
    status: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Draft(Model):
    """One generated post variation; `status` is the worst of its `checks` (pass/warn/fail)."""

    text: str
    template_id: str | None = None
    hook_type: str | None = None
    cta_type: str | None = None
    language: str | None = None
    status: str | None = None
    checks: list[DraftCheck] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    tone: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Generation(Model):
    """The answer of `generate_posts`: the drafts, the ranking they came from, a preview."""

    idea: str | None = None
    drafts: list[Draft] = field(default_factory=list)
    ranked: list[RankedTemplate] = field(default_factory=list)
    preview: str | None = None
