"""What a scrape request asks for, read from its validated envelope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from postwriter.errors import InvalidMessage
from postwriter.messaging.envelope import Envelope
from postwriter.models.job import job_id_for_message


@dataclass(frozen=True, slots=True)
class ScrapeRequest:
    job_id: str
    url: str
    adapter: str = "auto"
    max_posts: int = 100
    correlation_id: str | None = None
    since: datetime | None = None
    session_id: str | None = None
    block_resources: bool = True
    recipe_id: str | None = None

    @classmethod
    def from_envelope(cls, envelope: Envelope) -> ScrapeRequest:
        payload = envelope.payload
        return cls(
            job_id=payload.get("job_id") or job_id_for_message(envelope.message_id),
            url=payload["url"],
            adapter=payload.get("adapter", "auto"),
            max_posts=int(payload.get("max_posts", 100)),
            correlation_id=envelope.correlation_id,
            since=_instant(payload.get("since")),
            session_id=payload.get("session_id"),
            block_resources=bool(payload.get("block_resources", True)),
            recipe_id=payload.get("recipe_id"),
        )

    @classmethod
    def from_job(cls, job: dict[str, Any]) -> ScrapeRequest:
        return cls(
            job_id=job["_id"],
            url=job["url"],
            adapter=job["adapter"],
            max_posts=job["max_posts"],
            correlation_id=job.get("correlation_id"),
            since=as_stored(job["since"]) if job.get("since") else None,
            session_id=job.get("session_id"),
            block_resources=job.get("block_resources", True),
            recipe_id=job.get("recipe_id"),
        )

    def to_payload(self) -> dict[str, Any]:
        """The `scrape.request` payload; optional fields only when set."""
        payload: dict[str, Any] = {
            "job_id": self.job_id,
            "url": self.url,
            "adapter": self.adapter,
            "max_posts": self.max_posts,
        }
        if self.since is not None:
            payload["since"] = self.since.isoformat()
        if self.session_id is not None:
            payload["session_id"] = self.session_id
        if not self.block_resources:
            payload["block_resources"] = False
        if self.recipe_id is not None:
            payload["recipe_id"] = self.recipe_id
        return payload


def as_stored(moment: datetime) -> datetime:
    """UTC with millisecond precision: what MongoDB gives back, so a retried request with
    the same `since` compares equal to the stored job."""
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidMessage("payload since: not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise InvalidMessage("payload since: needs a UTC offset")
    return as_stored(parsed)
