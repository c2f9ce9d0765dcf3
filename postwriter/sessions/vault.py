"""The session vault: one path from a cookie file to a job's browser context.

import (parse → validate → seal) → MongoDB `sessions` → `load` / `cookies_for` (open) →
`postwriter.sessions.browser.apply_session` → the job's own context. A stored document holds
one sealed record (AES-256-GCM, see `postwriter.security.keyring`) and metadata (platform,
name, status, cookie count, domains, earliest expiry, key id); no cookie name or value is
stored in the clear. The associated data binds each record to its session id and platform.

Storage is append-only, because FerretDB 1.24 evaluates an update's filter and writes the
document in two steps, so a conditional update can silently undo a concurrent one. Every
change (import, rotation, status, delete) inserts the session's next version
`{_id: "<session_id>:<seq>", session_id, seq, ...}`; the unique `_id` makes that insert
atomic on MongoDB 7 and FerretDB alike, and a writer that loses the race re-reads and
tries again. The newest version is the session; older ones are removed after each write.
"""

from __future__ import annotations

import builtins
import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from postwriter.errors import DecryptionFailed, InvalidRequest, NotFound, ServiceUnavailable
from postwriter.security.keyring import KeyRing, SealedRecord
from postwriter.sessions.cookies import Cookie, cookie_domains, earliest_expiry, parse_cookies
from postwriter.sessions.models import (
    MAX_REASON,
    RotationReport,
    SessionInfo,
    check_name,
    check_platform,
    check_session_id,
    open_payload,
    seal_payload,
    session_aad,
)
from postwriter.storage.database import Database, Document

__all__ = ["COLLECTION", "RotationReport", "SessionInfo", "SessionVault", "session_aad"]

log = logging.getLogger(__name__)

COLLECTION = "sessions"
WRITE_ATTEMPTS = 10
TOMBSTONE_TTL = timedelta(hours=1)
_METADATA_ONLY = {"sealed.nonce": 0, "sealed.ciphertext": 0}

# Given the newest version (or None), the fields of the next one, or None to write nothing.
Change = Callable[[Document | None], Document | None]


def _ms(moment: datetime) -> datetime:
    """BSON dates keep milliseconds; truncate so what is returned equals what is read back."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _now() -> datetime:
    return _ms(datetime.now(UTC))


def _live(doc: Document | None) -> Document | None:
    return None if doc is None or doc.get("deleted") else doc


def _carry(doc: Mapping[str, Any], **changes: Any) -> Document:
    """The next version's fields: everything but the version bookkeeping, then `changes`."""
    skip = {"_id", "session_id", "seq", "vid", "parent", "written_at"}
    return {**{k: v for k, v in doc.items() if k not in skip}, **changes}


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
        """Idempotent; plain and unique indexes only (MongoDB 7 and FerretDB 1.24)."""
        await self.collection.create_index(
            [("session_id", ASCENDING), ("seq", ASCENDING)], unique=True, name="session_seq"
        )

    # ---- versions ------------------------------------------------------------------

    async def _latest(self, session_id: str, projection: Document | None = None) -> Document | None:
        cursor = self.collection.find({"session_id": session_id}, projection)
        docs = await cursor.sort("seq", DESCENDING).limit(1).to_list()
        return docs[0] if docs else None

    async def _append(self, session_id: str, change: Change) -> Document | None:
        """Insert the session's next version built by `change` from the newest one."""
        for _ in range(WRITE_ATTEMPTS):
            current = await self._latest(session_id)
            fields = change(current)
            if fields is None:
                return None
            seq = int(current["seq"]) + 1 if current else 1
            doc: Document = {
                **fields,
                "_id": f"{session_id}:{seq:010d}",
                "session_id": session_id,
                "seq": seq,
                "vid": uuid.uuid4().hex,
                "parent": current["vid"] if current else None,
                "written_at": _now(),
            }
            try:
                await self.collection.insert_one(doc)
            except DuplicateKeyError:
                continue  # another writer took this seq: build again on the newest
            if await self._superseded(doc):
                await self.collection.delete_one({"_id": doc["_id"], "vid": doc["vid"]})
                continue
            await self.collection.delete_many({"session_id": session_id, "seq": {"$lt": seq}})
            return doc
        raise ServiceUnavailable(f"session {session_id}: too many concurrent changes; try again")

    async def _superseded(self, doc: Document) -> bool:
        """True if `doc` filled a gap below a newer version that was not built on it.

        A slow writer can take a seq whose earlier holder was already cleaned away under a
        newer version; its version would then never be seen, so it withdraws and retries.
        """
        newer = await self.collection.find_one(
            {"session_id": doc["session_id"], "seq": {"$gt": doc["seq"]}},
            {"seq": 1, "parent": 1},
            sort=[("seq", ASCENDING)],
        )
        return newer is not None and not (
            newer["seq"] == doc["seq"] + 1 and newer.get("parent") == doc["vid"]
        )

    # ---- public API ----------------------------------------------------------------

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
        platform = check_platform(platform)
        name = check_name(name)
        session_id = check_session_id(session_id) if session_id else uuid.uuid4().hex
        cookies = parse_cookies(data, fmt)
        sealed = self._keyring.encrypt(seal_payload(cookies), session_aad(session_id, platform))
        expiry = earliest_expiry(cookies)
        now = _now()

        def change(current: Document | None) -> Document:
            live = _live(current)
            if live is not None and live.get("platform") != platform:
                raise InvalidRequest(
                    f"session {session_id} belongs to another platform", field="session_id"
                )
            return {
                "platform": platform,
                "name": name,
                "status": "active",
                "stale_reason": None,
                "cookie_count": len(cookies),
                "domains": cookie_domains(cookies),
                "earliest_expiry": _ms(datetime.fromtimestamp(expiry, UTC)) if expiry else None,
                "sealed": sealed.to_document(),
                "revision": uuid.uuid4().hex[:16],
                "created_at": live["created_at"] if live else now,
                "updated_at": now,
                "change": "import",
            }

        doc = await self._append(session_id, change)
        assert doc is not None
        log.info(
            "session imported",
            extra={
                "session_id": session_id,
                "platform": platform,
                "cookie_count": len(cookies),
                "kid": sealed.kid,
            },
        )
        return SessionInfo.from_document(doc)

    async def get(self, session_id: str) -> SessionInfo | None:
        doc = _live(await self._latest(session_id, _METADATA_ONLY))
        return SessionInfo.from_document(doc) if doc else None

    async def list(self, limit: int = 1000) -> builtins.list[SessionInfo]:
        """Every session, oldest first."""
        docs = await self.collection.find({}, _METADATA_ONLY).to_list()
        newest: dict[str, Document] = {}
        for doc in docs:
            seen = newest.get(doc["session_id"])
            if seen is None or doc["seq"] > seen["seq"]:
                newest[doc["session_id"]] = doc
        infos = [SessionInfo.from_document(d) for d in newest.values() if not d.get("deleted")]
        return sorted(infos, key=lambda i: (i.created_at, i.session_id))[:limit]

    async def delete(self, session_id: str) -> bool:
        """Remove a session (its cookies are gone at once); False if there was none.

        A tombstone version stays for an hour so that a writer that read the session
        before the delete cannot bring it back.
        """
        existed = False

        def change(current: Document | None) -> Document | None:
            nonlocal existed
            live = _live(current)
            existed = live is not None
            if live is None:
                return None
            return {"deleted": True, "platform": live.get("platform"), "change": "delete"}

        await self._append(session_id, change)
        await self.collection.delete_many(
            {"deleted": True, "written_at": {"$lt": _now() - TOMBSTONE_TTL}}
        )
        if existed:
            log.info("session deleted", extra={"session_id": session_id})
        return existed

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
        doc = _live(await self._latest(session_id))
        if doc is None:
            raise NotFound(f"session {session_id} not found", field="session_id")
        return SessionInfo.from_document(doc), self._open(self._keyring, doc)

    @staticmethod
    def _open(ring: KeyRing, doc: Mapping[str, Any]) -> builtins.list[Cookie]:
        session_id = str(doc["session_id"])
        try:
            record = SealedRecord.from_document(doc.get("sealed"))
            aad = session_aad(session_id, str(doc.get("platform", "")))
            return open_payload(ring.decrypt(record, aad))
        except DecryptionFailed as exc:
            log.warning(
                "session does not decrypt", extra={"session_id": session_id, "reason": str(exc)}
            )
            raise DecryptionFailed(f"session {session_id}: {exc.message}") from None

    async def mark_stale(self, session_id: str, reason: str, revision: str | None = None) -> bool:
        """Record that the session no longer logs in (a login wall was seen).

        With `revision` (the `SessionInfo.revision` the job used), nothing changes if the
        cookies were imported again since. True if the session is now stale.
        """
        marked = False

        def change(current: Document | None) -> Document | None:
            nonlocal marked
            live = _live(current)
            if live is None or (revision is not None and live.get("revision") != revision):
                marked = False
                return None
            marked = True
            if live.get("status") == "stale":
                return None
            return _carry(
                live,
                status="stale",
                stale_reason=reason[:MAX_REASON],
                updated_at=_now(),
                change="stale",
            )

        await self._append(session_id, change)
        if marked:
            log.info("session marked stale", extra={"session_id": session_id})
        return marked

    async def mark_active(self, session_id: str, revision: str | None = None) -> bool:
        """A stale session that logged in again is active; True if it changed."""
        changed = False

        def change(current: Document | None) -> Document | None:
            nonlocal changed
            live = _live(current)
            changed = (
                live is not None
                and live.get("status") == "stale"
                and (revision is None or live.get("revision") == revision)
            )
            if not changed or live is None:
                return None
            return _carry(
                live, status="active", stale_reason=None, updated_at=_now(), change="active"
            )

        await self._append(session_id, change)
        return changed

    async def rotate(self, keyring: KeyRing | None = None) -> RotationReport:
        """Re-encrypt every session not under the ring's primary key.

        The ring (default: this vault's) must still hold the old keys. A re-encrypted
        record is appended as the session's next version, so a concurrent re-import is
        never overwritten, and readers whose ring holds both keys open every session
        before, during and after. Afterwards this vault encrypts with `keyring`.
        """
        ring = keyring or self._keyring
        primary = ring.primary_kid
        if primary is None:
            ring.encrypt(b"", b"")  # raises VaultNotConfigured
        self._keyring = ring
        re_encrypted = current = 0
        failed: builtins.list[str] = []
        for info in await self.list(limit=1_000_000):
            if info.key_id == primary:
                current += 1
                continue
            outcome = "current"

            def change(doc: Document | None) -> Document | None:
                nonlocal outcome
                live = _live(doc)
                if live is None:
                    outcome = "gone"
                    return None
                record = SealedRecord.from_document(live.get("sealed"))
                if ring.is_current(record):
                    outcome = "current"
                    return None
                aad = self._aad(live)
                plaintext = ring.decrypt(record, aad)
                open_payload(plaintext)  # re-seal only what opens as a cookie list
                outcome = "re_encrypted"
                sealed = ring.encrypt(plaintext, aad)
                return _carry(live, sealed=sealed.to_document(), change="rotate")

            try:
                await self._append(info.session_id, change)
            except DecryptionFailed as exc:
                log.warning(
                    "rotation skipped a session that does not decrypt",
                    extra={"session_id": info.session_id, "reason": str(exc)},
                )
                outcome = "failed"
            if outcome == "re_encrypted":
                re_encrypted += 1
            elif outcome == "current":
                current += 1
            elif outcome == "failed":
                failed.append(info.session_id)
        await self.collection.delete_many(
            {"deleted": True, "written_at": {"$lt": _now() - TOMBSTONE_TTL}}
        )
        report = RotationReport(re_encrypted, current, len(failed), tuple(failed))
        log.info("session keys rotated", extra={"kid": primary, **report.to_json()})
        return report

    @staticmethod
    def _aad(doc: Mapping[str, Any]) -> bytes:
        return session_aad(str(doc["session_id"]), str(doc.get("platform", "")))
