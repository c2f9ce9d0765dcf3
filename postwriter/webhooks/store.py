"""The `webhooks` collection: create, read, change, delete; signing secrets sealed at rest.

A secret is generated here and returned once (creation, rotation); the document keeps it
sealed with the project's key ring (AES-256-GCM, `postwriter.security.keyring`), bound to
the webhook's id. After a rotation the previous secret stays valid for a grace period, and
deliveries are signed with both.

Changes are plain `$set`s by id: the last write of a field wins, which is what an admin
editing a webhook expects. Nothing here is a claim, so FerretDB's non-atomic conditional
updates do not matter.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from postwriter.errors import InvalidRequest, NotFound, PostWriterError
from postwriter.security.egress import EgressPolicy
from postwriter.security.keyring import KeyRing, SealedRecord
from postwriter.storage.database import Database, Document

from .models import (
    DELIVERIES,
    EVENT_TYPES,
    MAX_DESCRIPTION_CHARS,
    MAX_SOURCES,
    MAX_URL_CHARS,
    MAX_WEBHOOKS,
    WEBHOOKS,
    new_webhook_id,
    secret_aad,
    source_matches,
    utcnow,
)
from .signing import new_secret

log = logging.getLogger(__name__)

EDITABLE = ("url", "events", "sources", "description", "enabled")
MAX_PREVIOUS_SECRET_S = 7 * 86400


class TooManyWebhooks(PostWriterError):
    code = "too_many_webhooks"
    http_status = 409


def _storable(text: str, field: str) -> str:
    """JSON may escape an unpaired UTF-16 surrogate ("\\ud800"), which no UTF-8 store takes:
    refuse it here, naming the field, rather than fail in the database driver."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest(f"{field}: text holds an unpaired surrogate", field=field) from None
    return text


def _events(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not value:
        raise InvalidRequest("events must be a non-empty list", field="events")
    unknown = [v for v in value if v not in EVENT_TYPES]
    if unknown:
        raise InvalidRequest(
            f"unknown event type {unknown[0]!r}; one of {', '.join(EVENT_TYPES)}", field="events"
        )
    return sorted(set(value))


def _sources(value: Any, policy: EgressPolicy) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or len(value) > MAX_SOURCES:
        raise InvalidRequest(f"sources must be a list of at most {MAX_SOURCES}", field="sources")
    out: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip() or len(item) > MAX_URL_CHARS:
            raise InvalidRequest("each source must be a URL prefix", field="sources")
        # Only the form is checked: a source is compared with job URLs, never fetched.
        policy.parse(_storable(item.strip(), "sources"))
        out.append(item.strip())
    return sorted(set(out))


def _description(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION_CHARS:
        raise InvalidRequest(
            f"description must be text of at most {MAX_DESCRIPTION_CHARS} characters",
            field="description",
        )
    return _storable(value.strip(), "description")


def _enabled(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidRequest("enabled must be true or false", field="enabled")
    return value


class WebhookStore:
    def __init__(self, db: Database, keyring: KeyRing, policy: EgressPolicy) -> None:
        self._db = db
        self._keyring = keyring
        self._policy = policy

    @property
    def collection(self) -> AsyncCollection[Document]:
        return self._db.db[WEBHOOKS]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("created_at", DESCENDING)], name="newest_first")

    async def check_url(self, value: Any) -> str:
        """A webhook URL the egress policy allows now (resolved once: 400 otherwise)."""
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_URL_CHARS:
            raise InvalidRequest(
                f"url must be an http(s) URL of at most {MAX_URL_CHARS}", field="url"
            )
        url = _storable(value.strip(), "url")
        try:
            await self._policy.check(url)  # BlockedDestination(field="url")
        except ValueError:
            # A host name IDNA cannot encode (e.g. a label over 63 characters).
            raise InvalidRequest("url has a malformed host name", field="url") from None
        return url

    def _seal(self, webhook_id: str, secret: str) -> dict[str, Any]:
        return self._keyring.encrypt(secret.encode("utf-8"), secret_aad(webhook_id)).to_document()

    async def create(
        self,
        *,
        url: str,
        events: Iterable[str],
        sources: Iterable[str] | None = None,
        description: str | None = None,
        enabled: bool = True,
        created_by: str | None = None,
    ) -> tuple[Document, str]:
        """Validate and insert; returns the document and the secret (shown once)."""
        fields = {
            "url": await self.check_url(url),
            "events": _events(list(events)),
            "sources": _sources(list(sources) if sources is not None else None, self._policy),
            "description": _description(description),
            "enabled": _enabled(enabled),
        }
        if await self.collection.count_documents({}) >= MAX_WEBHOOKS:
            raise TooManyWebhooks(f"at most {MAX_WEBHOOKS} webhooks; delete unused ones")
        webhook_id = new_webhook_id()
        secret = new_secret()
        now = utcnow()
        doc: Document = {
            "_id": webhook_id,
            **fields,
            "secret": {
                "current": self._seal(webhook_id, secret),
                "previous": None,
                "previous_expires_at": None,
                "rotated_at": None,
            },
            "created_at": now,
            "updated_at": now,
            "created_by": created_by,
        }
        await self.collection.insert_one(doc)
        log.info(
            "webhook created",
            extra={"webhook_id": webhook_id, "events": fields["events"], "by": created_by},
        )
        return doc, secret

    async def get(self, webhook_id: str) -> Document | None:
        return await self.collection.find_one({"_id": webhook_id})

    async def require(self, webhook_id: str) -> Document:
        doc = await self.get(webhook_id)
        if doc is None:
            raise NotFound(f"no webhook {webhook_id}")
        return doc

    async def list_all(self) -> list[Document]:
        """Every webhook, newest first (there are at most MAX_WEBHOOKS)."""
        cursor = self.collection.find({}).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
        return await cursor.to_list(MAX_WEBHOOKS * 2)

    async def update(self, webhook_id: str, changes: Mapping[str, Any]) -> Document:
        """Apply the given editable fields; deliveries still pending use the new values."""
        await self.require(webhook_id)
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise InvalidRequest(f"{unknown[0]} cannot be changed", field=unknown[0])
        update: dict[str, Any] = {}
        if "url" in changes:
            update["url"] = await self.check_url(changes["url"])
        if "events" in changes:
            update["events"] = _events(changes["events"])
        if "sources" in changes:
            update["sources"] = _sources(changes["sources"], self._policy)
        if "description" in changes:
            update["description"] = _description(changes["description"])
        if "enabled" in changes:
            update["enabled"] = _enabled(changes["enabled"])
        update["updated_at"] = utcnow()
        await self.collection.update_one({"_id": webhook_id}, {"$set": update})
        log.info("webhook updated", extra={"webhook_id": webhook_id, "fields": sorted(update)})
        return await self.require(webhook_id)

    async def delete(self, webhook_id: str) -> bool:
        """Remove a webhook and its delivery history; False if there was none."""
        result = await self.collection.delete_one({"_id": webhook_id})
        if result.deleted_count == 0:
            return False
        await self._db.db[DELIVERIES].delete_many({"webhook_id": webhook_id})
        log.info("webhook deleted", extra={"webhook_id": webhook_id})
        return True

    async def rotate_secret(self, webhook_id: str, keep_previous_s: int) -> tuple[Document, str]:
        """A new secret; the current one keeps signing (alongside) for `keep_previous_s`."""
        doc = await self.require(webhook_id)
        keep = max(0, min(int(keep_previous_s), MAX_PREVIOUS_SECRET_S))
        secret = new_secret()
        now = utcnow()
        previous = doc.get("secret", {}).get("current") if keep else None
        update = {
            "secret": {
                "current": self._seal(webhook_id, secret),
                "previous": previous,
                "previous_expires_at": now + timedelta(seconds=keep) if previous else None,
                "rotated_at": now,
            },
            "updated_at": now,
        }
        await self.collection.update_one({"_id": webhook_id}, {"$set": update})
        log.info(
            "webhook secret rotated",
            extra={"webhook_id": webhook_id, "keep_previous_s": keep},
        )
        return await self.require(webhook_id), secret

    def signing_secrets(self, doc: Document, now: datetime) -> list[str]:
        """The secrets that sign a delivery now: the current one, then a still-valid previous.

        Raises `DecryptionFailed` (or `VaultNotConfigured`) when the key ring cannot open
        the current secret.
        """
        webhook_id = str(doc["_id"])
        sealed = doc.get("secret") or {}
        out = [self._open(webhook_id, sealed.get("current"))]
        expires = sealed.get("previous_expires_at")
        if sealed.get("previous") is not None and isinstance(expires, datetime) and expires > now:
            out.append(self._open(webhook_id, sealed["previous"]))
        return out

    def _open(self, webhook_id: str, record: object) -> str:
        sealed = SealedRecord.from_document(record)
        return self._keyring.decrypt(sealed, secret_aad(webhook_id)).decode("utf-8")

    async def matching(self, event_type: str, source_url: str | None) -> list[Document]:
        """Enabled webhooks subscribed to `event_type` whose sources admit `source_url`."""
        found = await self.collection.find({"enabled": True, "events": event_type}).to_list(
            MAX_WEBHOOKS * 2
        )
        return [d for d in found if source_matches(list(d.get("sources") or []), source_url)]

    async def reseal(self, keyring: KeyRing) -> dict[str, int]:
        """Re-encrypt every secret not under `keyring`'s first key (after a key rotation).

        `keyring` must still hold the old keys. Returns counts of re-encrypted, current and
        failed webhooks; afterwards this store encrypts with `keyring`.
        """
        self._keyring = keyring
        counts = {"re_encrypted": 0, "current": 0, "failed": 0}
        for doc in await self.collection.find({}).to_list(MAX_WEBHOOKS * 2):
            webhook_id = str(doc["_id"])
            sealed = dict(doc.get("secret") or {})
            changed = False
            try:
                for slot in ("current", "previous"):
                    if sealed.get(slot) is None:
                        continue
                    record = SealedRecord.from_document(sealed[slot])
                    if keyring.is_current(record):
                        continue
                    plain = keyring.decrypt(record, secret_aad(webhook_id))
                    sealed[slot] = keyring.encrypt(plain, secret_aad(webhook_id)).to_document()
                    changed = True
            except PostWriterError as exc:
                log.warning(
                    "webhook secret does not decrypt",
                    extra={"webhook_id": webhook_id, "reason": exc.message},
                )
                counts["failed"] += 1
                continue
            if changed:
                await self.collection.update_one({"_id": webhook_id}, {"$set": {"secret": sealed}})
                counts["re_encrypted"] += 1
            else:
                counts["current"] += 1
        return counts
