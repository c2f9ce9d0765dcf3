"""Versioned JSON envelopes, validated against the schema files shipped in `schemas/`."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from postwriter.errors import InvalidMessage

MAX_MESSAGE_BYTES = 256 * 1024
PAYLOAD_SCHEMAS = {"scrape.request": "scrape.request.v1.json", "job.event": "job.event.v1.json"}


@cache
def schema(name: str) -> dict[str, Any]:
    text = resources.files("postwriter.messaging").joinpath("schemas", name).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


def _describe(error: ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{where}: {error.message}"


@dataclass(frozen=True, slots=True)
class Envelope:
    type: str
    payload: dict[str, Any]
    message_id: str
    created_at: datetime
    correlation_id: str | None = None
    version: int = 1

    @classmethod
    def new(
        cls, type_: str, payload: dict[str, Any], correlation_id: str | None = None
    ) -> Envelope:
        return cls(
            type=type_,
            payload=payload,
            message_id=uuid.uuid4().hex,
            created_at=datetime.now(UTC),
            correlation_id=correlation_id,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "version": self.version,
            "message_id": self.message_id,
            "correlation_id": self.correlation_id,
            "created_at": self.created_at.isoformat(),
            "payload": self.payload,
        }

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def parse(cls, body: bytes, expected_type: str | None = None) -> Envelope:
        """Parse and validate untrusted bytes; raise `InvalidMessage` with a readable reason."""
        if len(body) > MAX_MESSAGE_BYTES:
            raise InvalidMessage(f"message of {len(body)} bytes exceeds {MAX_MESSAGE_BYTES}")
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidMessage(f"body is not UTF-8 JSON: {exc}") from None
        error = next(iter(_validator("envelope.v1.json").iter_errors(data)), None)
        if error is not None:
            raise InvalidMessage(f"envelope: {_describe(error)}")
        type_ = data["type"]
        if expected_type is not None and type_ != expected_type:
            raise InvalidMessage(f"type {type_!r} is not {expected_type!r}")
        error = next(iter(_validator(PAYLOAD_SCHEMAS[type_]).iter_errors(data["payload"])), None)
        if error is not None:
            raise InvalidMessage(f"payload {_describe(error)}")
        try:
            created_at = datetime.fromisoformat(data["created_at"])
        except ValueError:
            raise InvalidMessage("created_at is not an ISO 8601 date-time") from None
        if created_at.tzinfo is None:
            raise InvalidMessage("created_at needs a UTC offset")
        return cls(
            type=type_,
            payload=data["payload"],
            message_id=data["message_id"],
            created_at=created_at,
            correlation_id=data.get("correlation_id"),
            version=data["version"],
        )
