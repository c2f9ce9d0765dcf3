"""Typed views of schedules, dead letters, sessions, recipes, webhooks, API keys, audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from .model_base import Model

# ------------------------------------------------------------------ operations


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule(Model):
    schedule_id: str
    name: str | None = None
    url: str | None = None
    cron: str | None = None
    timezone: str | None = None
    adapter: str | None = None
    max_posts: int | None = None
    enabled: bool | None = None
    session_id: str | None = None
    recipe_id: str | None = None
    block_resources: bool | None = None
    next_run_at: datetime | None = None
    last_run_at: datetime | None = None
    last_job_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadLetter(Model):
    """A scrape request the consumer parked; `body` and `headers` only from `get_dead_letter`."""

    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {"id": ("letter_id",)}

    id: str
    message_id: str | None = None
    reason: str | None = None
    archived_at: datetime | None = None
    replayed_at: datetime | None = None
    replayed_as: list[str] = field(default_factory=list)
    body: str | None = None
    headers: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Session(Model):
    """A logged-in browser session; its cookies are sealed on the server and never shown."""

    session_id: str
    platform: str | None = None
    name: str | None = None
    status: str | None = None
    stale_reason: str | None = None
    cookie_count: int | None = None
    domains: list[str] = field(default_factory=list)
    earliest_expiry: datetime | None = None
    key_id: str | None = None
    revision: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipe(Model):
    """Selectors for a site without an adapter; `definition()` is the body to send back."""

    name: str
    platform: str | None = None
    description: str | None = None
    item: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def definition(self) -> dict[str, Any]:
        """The recipe as `create_recipe` / `put_recipe` take it (without server times)."""
        return {k: v for k, v in self.raw.items() if k not in ("created_at", "updated_at")}


# ------------------------------------------------------------------ webhooks, keys, audit


@dataclass(frozen=True, slots=True, kw_only=True)
class Webhook(Model):
    """A signed HTTP callback for job events. `secret` is set only in the answer of
    `create_webhook` (and of a secret rotation): store it then, it is never shown again."""

    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {"webhook_id": ("id",)}

    webhook_id: str
    url: str | None = None
    events: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    enabled: bool | None = None
    description: str | None = None
    secret: str | None = field(default=None, repr=False)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    created_by: str | None = None
    secret_rotated_at: datetime | None = None
    previous_secret_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookDelivery(Model):
    """One event sent (or to be sent) to a webhook, with each attempt's outcome."""

    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "delivery_id": ("id",),
        "event_type": ("event", "type"),
    }

    delivery_id: str
    webhook_id: str | None = None
    event_type: str | None = None
    job_id: str | None = None
    status: str | None = None
    attempt_count: int | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    next_attempt_at: datetime | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiKey(Model):
    """An API key's record. `key` (the secret) is set only in the answer of `create_api_key`:
    store it then, it is never shown again."""

    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {"key_id": ("id",)}

    key_id: str
    name: str | None = None
    role: str | None = None
    rate_per_minute: int | None = None
    key: str | None = field(default=None, repr=False)
    created_at: datetime | None = None
    created_by: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEvent(Model):
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {"id": ("event_id",)}

    id: str
    at: datetime | None = None
    event: str | None = None
    actor: str | None = None
    ip: str | None = None
    method: str | None = None
    path: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
