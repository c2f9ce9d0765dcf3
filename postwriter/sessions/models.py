"""What the vault stores and shows: session metadata, the sealed payload, rotation reports."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

from postwriter.errors import DecryptionFailed, InvalidRequest
from postwriter.sessions.cookies import Cookie

AAD_PREFIX = b"postwriter.session.v1\x00"
PAYLOAD_VERSION = 1
MAX_NAME = 100
MAX_REASON = 200
_PLATFORM = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")  # as in the job schemas

Status = Literal["active", "stale"]


def session_aad(session_id: str, platform: str) -> bytes:
    """The associated data of a session's record, so it opens for this session only.

    `b"postwriter.session.v1\\x00" + session_id + b"\\x00" + platform` (UTF-8); session ids
    and platforms cannot contain NUL, so two different pairs never give the same bytes.
    """
    return AAD_PREFIX + session_id.encode() + b"\x00" + platform.encode()


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What may be shown about a session: never a cookie name or value.

    `revision` changes on every import (not on rotation or status changes): a job passes
    the revision it used to `mark_stale`, so a login wall seen with old cookies does not
    mark freshly imported ones stale.
    """

    session_id: str
    platform: str
    name: str
    status: Status
    stale_reason: str | None
    cookie_count: int
    domains: tuple[str, ...]
    earliest_expiry: datetime | None
    key_id: str
    created_at: datetime
    updated_at: datetime
    revision: str

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> SessionInfo:
        sealed = doc.get("sealed") or {}
        created = _aware(doc.get("created_at")) or datetime.fromtimestamp(0, UTC)
        return cls(
            session_id=str(doc["session_id"]),
            platform=str(doc.get("platform", "")),
            name=str(doc.get("name", "")),
            status="stale" if doc.get("status") == "stale" else "active",
            stale_reason=doc.get("stale_reason"),
            cookie_count=int(doc.get("cookie_count", 0)),
            domains=tuple(doc.get("domains") or ()),
            earliest_expiry=_aware(doc.get("earliest_expiry")),
            key_id=str(sealed.get("kid", "")),
            created_at=created,
            updated_at=_aware(doc.get("updated_at")) or created,
            revision=str(doc.get("revision", "")),
        )

    def to_json(self) -> dict[str, Any]:
        expiry = self.earliest_expiry
        return {
            "session_id": self.session_id,
            "platform": self.platform,
            "name": self.name,
            "status": self.status,
            "stale_reason": self.stale_reason,
            "cookie_count": self.cookie_count,
            "domains": list(self.domains),
            "earliest_expiry": expiry.isoformat() if expiry else None,
            "key_id": self.key_id,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "revision": self.revision,
        }


@dataclass(frozen=True, slots=True)
class RotationReport:
    """`failed_ids` are sessions that did not decrypt (tampered, or a key missing)."""

    re_encrypted: int
    already_current: int
    failed: int
    failed_ids: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "re_encrypted": self.re_encrypted,
            "already_current": self.already_current,
            "failed": self.failed,
            "failed_ids": list(self.failed_ids),
        }


def check_platform(platform: str) -> str:
    if not _PLATFORM.fullmatch(platform):
        raise InvalidRequest(
            "platform must be 1-32 lowercase letters, digits, '_' or '-'", field="platform"
        )
    return platform


def check_session_id(session_id: str) -> str:
    if not _SESSION_ID.fullmatch(session_id):
        raise InvalidRequest(
            "session_id must be 8-64 letters, digits, '_' or '-'", field="session_id"
        )
    return session_id


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise InvalidRequest(f"name must be 1-{MAX_NAME} printable characters", field="name")
    return name


def seal_payload(cookies: list[Cookie]) -> bytes:
    """The plaintext that is encrypted: `{"v":1,"cookies":[...]}` as compact UTF-8 JSON."""
    return json.dumps(
        {"v": PAYLOAD_VERSION, "cookies": cookies}, separators=(",", ":"), ensure_ascii=False
    ).encode()


def open_payload(plaintext: bytes) -> list[Cookie]:
    try:
        payload = json.loads(plaintext)
    except ValueError:
        payload = None
    if (
        not isinstance(payload, dict)
        or payload.get("v") != PAYLOAD_VERSION
        or not isinstance(payload.get("cookies"), list)
    ):
        raise DecryptionFailed("the decrypted payload is not readable")
    return cast(list[Cookie], payload["cookies"])
