"""API keys, stored only as SHA-256 hashes; the secret is shown once, at creation.

A key reads `pw_<key_id>_<secret>`: the id finds the record, the hash of the whole key
proves it. Keys are 256-bit random, so a fast hash is enough (no password-grade KDF needed).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from postwriter.errors import InvalidRequest
from postwriter.security.roles import Principal, Role

from .database import Database, Document

_KEY = re.compile(r"^pw_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$")
KEY_ID = re.compile(r"^[a-f0-9]{16}$")


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def split_key(key: str) -> str | None:
    """The key id of a well-formed key, else None."""
    match = _KEY.match(key)
    return match.group(1) if match else None


@dataclass(frozen=True, slots=True)
class NewKey:
    key: str
    record: Document


async def create_key(
    db: Database,
    *,
    name: str,
    role: Role,
    created_by: str,
    rate_per_minute: int | None = None,
) -> NewKey:
    name = name.strip()
    if not name:
        raise InvalidRequest("name must not be blank", field="name")
    key_id = secrets.token_hex(8)
    key = f"pw_{key_id}_{secrets.token_urlsafe(32)}"
    record: Document = {
        "_id": key_id,
        "name": name,
        "role": role.label,
        "hash": digest(key),
        "rate_per_minute": rate_per_minute,
        "created_at": datetime.now(UTC),
        "created_by": created_by,
    }
    await db.api_keys.insert_one(record)
    return NewKey(key, record)


async def lookup(db: Database, key: str, default_rate: int) -> Principal | None:
    """The principal for a presented key, or None if unknown, malformed or revoked."""
    key_id = split_key(key)
    if key_id is None:
        return None
    record = await db.api_keys.find_one({"_id": key_id})
    if record is None:
        return None
    if not hmac.compare_digest(record["hash"], digest(key)):
        return None
    return Principal(
        key_id=key_id,
        role=Role.parse(record["role"]),
        name=record["name"],
        rate_per_minute=record.get("rate_per_minute") or default_rate,
    )


async def list_keys(db: Database) -> list[Document]:
    return await db.api_keys.find({}).sort("created_at", -1).to_list()


async def get_key(db: Database, key_id: str) -> Document | None:
    return await db.api_keys.find_one({"_id": key_id})


async def revoke_key(db: Database, key_id: str) -> Document | None:
    """Delete the key's record, so the key stops working; the audit log keeps its history.
    Returns the record as it was, or None if there is no such key."""
    record = await get_key(db, key_id)
    if record is None:
        return None
    deleted = await db.api_keys.delete_one({"_id": key_id})
    return record if deleted.deleted_count else None


def public_key(record: Document) -> dict[str, Any]:
    """A key as the API shows it: never the hash."""

    def iso(value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime) else value

    return {
        "key_id": record["_id"],
        "name": record["name"],
        "role": record["role"],
        "rate_per_minute": record.get("rate_per_minute"),
        "created_at": iso(record.get("created_at")),
        "created_by": record.get("created_by"),
    }
