"""The session vault: one path from a cookie file to a job's browser context.

import (parse → validate → seal) → MongoDB `sessions` → `cookies_for` (open) → the job's
context. A stored document holds one sealed record (AES-256-GCM, see
`postwriter.security.keyring`) and metadata (platform, name, status, cookie count,
domains, earliest expiry, key id); no cookie name or value is stored in the clear. The
associated data binds each record to its session id and platform, so a record copied onto
another session does not open.

Works on MongoDB 7 and FerretDB 1.24: single-document conditional writes only.
"""

from __future__ import annotations

import builtins
import json
import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from postwriter.errors import DecryptionFailed, InvalidRequest, NotFound
from postwriter.security.keyring import KeyRing, SealedRecord
from postwriter.sessions.cookies import Cookie, cookie_domains, earliest_expiry, parse_cookies
from postwriter.storage.database import Database, Document

log = logging.getLogger(__name__)

COLLECTION = "sessions"
AAD_PREFIX = b"postwriter.session.v1\x00"
PAYLOAD_VERSION = 1
MAX_NAME = 100
MAX_REASON = 200
_PLATFORM = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ROTATE_ATTEMPTS = 3

Status = Literal["active", "stale"]


def session_aad(session_id: str, platform: str) -> bytes:
    """The associated data of a session's record: it fails to open anywhere else."""
    return AAD_PREFIX + session_id.encode() + b"\x00" + platform.encode()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What may be shown about a session: never a cookie name or value."""

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

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> SessionInfo:
        sealed = doc.get("sealed") or {}
        created = _aware(doc.get("created_at")) or datetime.fromtimestamp(0, UTC)
        return cls(
            session_id=str(doc["_id"]),
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
        }


@dataclass(frozen=True, slots=True)
class RotationReport:
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


def _check_platform(platform: str) -> str:
    if not _PLATFORM.fullmatch(platform):
        raise InvalidRequest(
            "platform must be 1-32 lowercase letters, digits, '_' or '-'", field="platform"
        )
    return platform


def _check_session_id(session_id: str) -> str:
    if not _SESSION_ID.fullmatch(session_id):
        raise InvalidRequest(
            "session_id must be 1-64 letters, digits, '_' or '-'", field="session_id"
        )
    return session_id


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise InvalidRequest(f"name must be 1-{MAX_NAME} printable characters", field="name")
    return name


def _seal_payload(cookies: builtins.list[Cookie]) -> bytes:
    return json.dumps(
        {"v": PAYLOAD_VERSION, "cookies": cookies}, separators=(",", ":"), ensure_ascii=False
    ).encode()


def _open_payload(plaintext: bytes, session_id: str) -> builtins.list[Cookie]:
    try:
        payload = json.loads(plaintext)
    except ValueError:
        payload = None
    if (
        not isinstance(payload, dict)
        or payload.get("v") != PAYLOAD_VERSION
        or not isinstance(payload.get("cookies"), builtins.list)
    ):
        raise DecryptionFailed(f"session {session_id}: the decrypted payload is not readable")
    return cast(builtins.list[Cookie], payload["cookies"])


class SessionVault:
    """Import, store, open and rotate encrypted browser sessions in `db.db["sessions"]`."""

    def __init__(self, db: Database, keyring: KeyRing) -> None:
        self._db = db
        self._keyring = keyring

    @property
    def keyring(self) -> KeyRing:
        return self._keyring

    @property
    def collection(self) -> AsyncCollection[Document]:
        return self._db.db[COLLECTION]

    async def ensure_indexes(self) -> None:
        """Idempotent; plain indexes only (MongoDB 7 and FerretDB 1.24)."""
        await self.collection.create_index([("created_at", ASCENDING)], name="oldest_first")

    async def import_cookies(
        self,
        platform: str,
        name: str,
        data: bytes,
        fmt: str = "auto",
        session_id: str | None = None,
    ) -> SessionInfo:
        """Parse, seal and store a cookie file; nothing is written unless all of it is valid.

        A given `session_id` that exists is replaced (cookies, name; status back to
        active) provided it belongs to the same platform.
        """
        platform = _check_platform(platform)
        name = _check_name(name)
        session_id = _check_session_id(session_id) if session_id else uuid.uuid4().hex
        cookies = parse_cookies(data, fmt)
        sealed = self._keyring.encrypt(_seal_payload(cookies), session_aad(session_id, platform))
        expiry = earliest_expiry(cookies)
        now = _now()
        fields: Document = {
            "platform": platform,
            "name": name,
            "status": "active",
            "stale_reason": None,
            "cookie_count": len(cookies),
            "domains": cookie_domains(cookies),
            "earliest_expiry": datetime.fromtimestamp(expiry, UTC) if expiry else None,
            "sealed": sealed.to_document(),
            "updated_at": now,
        }
        try:
            await self.collection.update_one(
                {"_id": session_id, "platform": platform},
                {"$set": fields, "$setOnInsert": {"created_at": now}},
                upsert=True,
            )
        except DuplicateKeyError:
            raise InvalidRequest(
                f"session {session_id} belongs to another platform", field="session_id"
            ) from None
        log.info(
            "session imported",
            extra={
                "session_id": session_id,
                "platform": platform,
                "cookie_count": len(cookies),
                "kid": sealed.kid,
            },
        )
        info = await self.get(session_id)
        if info is None:  # deleted between the write and the read
            raise NotFound(f"session {session_id} not found", field="session_id")
        return info

    async def get(self, session_id: str) -> SessionInfo | None:
        doc = await self.collection.find_one({"_id": session_id})
        return SessionInfo.from_document(doc) if doc else None

    async def list(self, limit: int = 1000) -> builtins.list[SessionInfo]:
        cursor = self.collection.find({}, {"sealed.nonce": 0, "sealed.ciphertext": 0})
        docs = await cursor.sort("created_at", ASCENDING).limit(limit).to_list()
        return [SessionInfo.from_document(doc) for doc in docs]

    async def delete(self, session_id: str) -> bool:
        result = await self.collection.delete_one({"_id": session_id})
        if result.deleted_count:
            log.info("session deleted", extra={"session_id": session_id})
        return result.deleted_count == 1

    async def cookies_for(self, session_id: str) -> builtins.list[Cookie]:
        """Open a session's cookies for one job's browser context.

        Raises `NotFound` for an unknown id and `DecryptionFailed` when the record does not
        open; nothing is written either way. A stale session still returns its cookies:
        the page, not the vault, decides whether they still log in.
        """
        _, cookies = await self.load(session_id)
        return cookies

    async def load(self, session_id: str) -> tuple[SessionInfo, builtins.list[Cookie]]:
        """The session's metadata and its opened cookies, from one read."""
        doc = await self.collection.find_one({"_id": session_id})
        if doc is None:
            raise NotFound(f"session {session_id} not found", field="session_id")
        return SessionInfo.from_document(doc), self._open(doc)

    def _open(self, doc: Mapping[str, Any]) -> builtins.list[Cookie]:
        session_id = str(doc["_id"])
        try:
            record = SealedRecord.from_document(doc.get("sealed"))
            aad = session_aad(session_id, str(doc.get("platform", "")))
            return _open_payload(self._keyring.decrypt(record, aad), session_id)
        except DecryptionFailed as exc:
            log.warning(
                "session does not decrypt", extra={"session_id": session_id, "reason": str(exc)}
            )
            raise DecryptionFailed(f"session {session_id}: {exc.message}") from None

    async def mark_stale(self, session_id: str, reason: str) -> bool:
        """Record that the session no longer logs in (a login wall was seen)."""
        result = await self.collection.update_one(
            {"_id": session_id},
            {
                "$set": {
                    "status": "stale",
                    "stale_reason": reason[:MAX_REASON],
                    "updated_at": _now(),
                }
            },
        )
        if result.matched_count:
            log.info("session marked stale", extra={"session_id": session_id})
        return result.matched_count == 1

    async def mark_active(self, session_id: str) -> bool:
        """A stale session that logged in again is active; a no-op for an active one."""
        result = await self.collection.update_one(
            {"_id": session_id, "status": "stale"},
            {"$set": {"status": "active", "stale_reason": None, "updated_at": _now()}},
        )
        return result.modified_count == 1

    async def rotate(self, keyring: KeyRing | None = None) -> RotationReport:
        """Re-encrypt every record not under the ring's primary key.

        The ring (default: this vault's) must still hold the old keys. Each record is
        replaced only if it still has the kid and nonce it was read with, so a concurrent
        re-import is never overwritten; readers with a ring holding both keys open every
        record before, during and after. Afterwards the vault uses `keyring`.
        """
        ring = keyring or self._keyring
        primary = ring.primary_kid
        if primary is None:
            ring.encrypt(b"", b"")  # raises VaultNotConfigured
        self._keyring = ring
        re_encrypted = current = 0
        failed: builtins.list[str] = []
        cursor = self.collection.find({}, {"_id": 1, "sealed.kid": 1})
        ids = [(str(d["_id"]), (d.get("sealed") or {}).get("kid")) for d in await cursor.to_list()]
        for session_id, kid in ids:
            if kid == primary:
                current += 1
                continue
            outcome = await self._rotate_one(ring, session_id)
            if outcome == "re_encrypted":
                re_encrypted += 1
            elif outcome == "current":
                current += 1
            elif outcome == "failed":
                failed.append(session_id)
        report = RotationReport(re_encrypted, current, len(failed), tuple(failed))
        log.info("session keys rotated", extra={"kid": primary, **report.to_json()})
        return report

    async def _rotate_one(self, ring: KeyRing, session_id: str) -> str:
        for _ in range(_ROTATE_ATTEMPTS):
            doc = await self.collection.find_one({"_id": session_id})
            if doc is None:
                return "gone"
            try:
                old = SealedRecord.from_document(doc.get("sealed"))
            except DecryptionFailed:
                return "failed"
            if ring.is_current(old):
                return "current"
            aad = session_aad(session_id, str(doc.get("platform", "")))
            try:
                plaintext = ring.decrypt(old, aad)
            except DecryptionFailed as exc:
                log.warning(
                    "rotation skipped a record that does not decrypt",
                    extra={"session_id": session_id, "reason": str(exc)},
                )
                return "failed"
            new = ring.encrypt(plaintext, aad)
            result = await self.collection.update_one(
                {
                    "_id": session_id,
                    "sealed.kid": old.kid,
                    "sealed.nonce": old.to_document()["nonce"],
                },
                {"$set": {"sealed": new.to_document(), "rotated_at": _now()}},
            )
            if result.matched_count == 1:
                return "re_encrypted"
        log.warning("rotation lost the race for a record", extra={"session_id": session_id})
        return "failed"
