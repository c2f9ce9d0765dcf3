"""The key ring that seals session cookies: AES-256-GCM, one key id per record.

Entries are `kid:key`, where `key` is 32 random bytes in base64url (padding optional; the
standard `+/` alphabet is accepted too). They come from `POSTWRITER_KEYS` (comma-separated)
or from `POSTWRITER_KEYS_FILE` (one entry a line, `#` comments), never both. The first entry
encrypts; every entry decrypts. A ring read from a file re-reads it when it changes, so a
rotation that writes a new first key reaches running processes without a restart.

Nothing here logs, raises or reprs key material.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bson.binary import Binary
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from postwriter.errors import DecryptionFailed, SettingsError, VaultNotConfigured

log = logging.getLogger(__name__)

ALG = "AES-256-GCM"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
RECORD_VERSION = 1
KEYS_VAR = "POSTWRITER_KEYS"
KEYS_FILE_VAR = "POSTWRITER_KEYS_FILE"
_KID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True, slots=True, kw_only=True)
class SealedRecord:
    """One encrypted value: `ciphertext` is the AES-GCM output with its 16-byte tag appended."""

    alg: str = ALG
    kid: str
    nonce: bytes = field(repr=False)
    ciphertext: bytes = field(repr=False)

    def to_document(self) -> dict[str, Any]:
        """BSON-ready: the bytes become BSON binary (subtype 0)."""
        return {
            "v": RECORD_VERSION,
            "alg": self.alg,
            "kid": self.kid,
            "nonce": Binary(self.nonce),
            "ciphertext": Binary(self.ciphertext),
        }

    @classmethod
    def from_document(cls, doc: object) -> SealedRecord:
        """Parse a stored record; anything malformed raises `DecryptionFailed`."""
        if not isinstance(doc, Mapping):
            raise DecryptionFailed("malformed sealed record: not a document")
        if doc.get("v") != RECORD_VERSION:
            raise DecryptionFailed("malformed sealed record: unknown record version")
        alg, kid = doc.get("alg"), doc.get("kid")
        nonce, ciphertext = doc.get("nonce"), doc.get("ciphertext")
        if not isinstance(alg, str) or not isinstance(kid, str):
            raise DecryptionFailed("malformed sealed record: alg and kid must be strings")
        if not isinstance(nonce, bytes) or not isinstance(ciphertext, bytes):
            raise DecryptionFailed("malformed sealed record: nonce and ciphertext must be binary")
        return cls(alg=alg, kid=kid, nonce=bytes(nonce), ciphertext=bytes(ciphertext))


def _decode_key(text: str) -> bytes | None:
    text = text.strip().replace("+", "-").replace("/", "_").rstrip("=")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == KEY_BYTES else None


def parse_entry(entry: str, variable: str, where: str) -> tuple[str, bytes]:
    """One `kid:key` entry; errors name `where` (e.g. "entry 2", "line 5"), never the key."""
    kid, sep, key = entry.strip().partition(":")
    kid = kid.strip()
    if not sep or not key.strip():
        raise SettingsError(variable, f"{where}: expected kid:base64url-key")
    if not _KID.fullmatch(kid):
        raise SettingsError(
            variable, f"{where}: key id must be 1-64 letters, digits, '.', '_' or '-'"
        )
    raw = _decode_key(key)
    if raw is None:
        raise SettingsError(
            variable, f"{where} (key id {kid!r}): key must be base64url of exactly 32 bytes"
        )
    return kid, raw


def _parse_env(raw: str) -> list[tuple[str, bytes]]:
    parts = [p for p in raw.split(",") if p.strip()]
    return [parse_entry(p, KEYS_VAR, f"entry {n}") for n, p in enumerate(parts, 1)]


def _parse_file_text(text: str) -> list[tuple[str, bytes]]:
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        entries.append(parse_entry(line, KEYS_FILE_VAR, f"line {number}"))
    return entries


def _read_file(path: str) -> tuple[list[tuple[str, bytes]], tuple[int, int, int]]:
    try:
        with open(path, encoding="utf-8") as handle:
            st = os.fstat(handle.fileno())
            text = handle.read(1024 * 1024)
    except (OSError, UnicodeDecodeError) as exc:
        problem = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise SettingsError(KEYS_FILE_VAR, f"cannot read {path}: {problem}") from None
    if st.st_mode & 0o077:
        log.warning("key file is readable by other users; chmod 600 it", extra={"path": path})
    return _parse_file_text(text), (st.st_mtime_ns, st.st_size, st.st_ino)


def _check_unique(entries: Sequence[tuple[str, bytes]], variable: str) -> None:
    seen: set[str] = set()
    for kid, _ in entries:
        if kid in seen:
            raise SettingsError(variable, f"duplicate key id {kid!r}")
        seen.add(kid)


class KeyRing:
    """AES-256-GCM keys by id; the first one encrypts, all of them decrypt."""

    def __init__(
        self,
        entries: Sequence[tuple[str, bytes]] = (),
        *,
        source_file: str = "",
        reload_interval_s: float = 5.0,
    ) -> None:
        self._source_file = source_file
        self._reload_interval_s = reload_interval_s
        self._file_sig: tuple[int, int, int] | None = None
        self._checked_at = time.monotonic()
        self._set(entries, KEYS_FILE_VAR if source_file else KEYS_VAR)

    def _set(self, entries: Sequence[tuple[str, bytes]], variable: str) -> None:
        _check_unique(entries, variable)
        for kid, key in entries:
            if len(key) != KEY_BYTES:
                raise SettingsError(variable, f"key id {kid!r}: key must be exactly 32 bytes")
        self._kids = tuple(kid for kid, _ in entries)
        self._keys = {kid: bytes(key) for kid, key in entries}
        self._aead = {kid: AESGCM(key) for kid, key in entries}

    @classmethod
    def from_config(
        cls, keys: str, keys_file: str = "", *, reload_interval_s: float = 5.0
    ) -> KeyRing:
        """From the `keys` / `keys_file` settings; an empty configuration gives an empty ring."""
        if keys.strip() and keys_file.strip():
            raise SettingsError(KEYS_VAR, f"set {KEYS_VAR} or {KEYS_FILE_VAR}, not both")
        if keys_file.strip():
            entries, sig = _read_file(keys_file.strip())
            ring = cls(entries, source_file=keys_file.strip(), reload_interval_s=reload_interval_s)
            ring._file_sig = sig
            return ring
        return cls(_parse_env(keys))

    @staticmethod
    def generate_key() -> str:
        """A new `kid:key` entry: a UTC-timestamped unique id and 32 bytes from the OS."""
        kid = "k" + time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(3)
        key = base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).rstrip(b"=").decode("ascii")
        return f"{kid}:{key}"

    def __repr__(self) -> str:
        return f"KeyRing(kids={list(self._kids)!r})"

    @property
    def kids(self) -> tuple[str, ...]:
        return self._kids

    @property
    def primary_kid(self) -> str | None:
        return self._kids[0] if self._kids else None

    @property
    def configured(self) -> bool:
        return bool(self._kids)

    def with_primary(self, entry: str) -> KeyRing:
        """A new ring whose first (encrypting) key is `entry`; this ring's keys still decrypt."""
        kid, key = parse_entry(entry, KEYS_VAR, "new key")
        if kid in self._keys and self._keys[kid] != key:
            raise SettingsError(KEYS_VAR, f"key id {kid!r} is already used by another key")
        old = [(k, self._keys[k]) for k in self._kids if k != kid]
        return KeyRing([(kid, key), *old])

    def refresh(self, *, force: bool = False) -> bool:
        """Re-read the key file if it changed; True when the keys changed."""
        if not self._source_file:
            return False
        now = time.monotonic()
        if not force and now - self._checked_at < self._reload_interval_s:
            return False
        self._checked_at = now
        try:
            st = os.stat(self._source_file)
        except OSError as exc:
            log.warning("cannot stat the key file: %s", exc.strerror)
            return False
        if (st.st_mtime_ns, st.st_size, st.st_ino) == self._file_sig:
            return False
        try:
            entries, sig = _read_file(self._source_file)
            self._set(entries, KEYS_FILE_VAR)
        except SettingsError as exc:
            log.warning("key file changed but cannot be used; keeping the old keys: %s", exc)
            return False
        self._file_sig = sig
        log.info("key ring reloaded", extra={"kids": list(self._kids)})
        return True

    def encrypt(self, plaintext: bytes, aad: bytes) -> SealedRecord:
        """Seal under the primary key with a fresh random 96-bit nonce."""
        self.refresh()
        kid = self.primary_kid
        if kid is None:
            raise VaultNotConfigured(
                f"the session vault has no key: set {KEYS_VAR} or {KEYS_FILE_VAR} "
                "(`postwriter keys generate` makes one)"
            )
        nonce = os.urandom(NONCE_BYTES)
        return SealedRecord(
            kid=kid, nonce=nonce, ciphertext=self._aead[kid].encrypt(nonce, plaintext, aad)
        )

    def decrypt(self, record: SealedRecord, aad: bytes) -> bytes:
        """Open a record; any failure (unknown key, altered bytes, other AAD) raises."""
        if record.alg != ALG:
            raise DecryptionFailed(f"unsupported algorithm {record.alg[:32]!r}")
        if len(record.nonce) != NONCE_BYTES or len(record.ciphertext) < TAG_BYTES:
            raise DecryptionFailed("malformed sealed record: bad nonce or ciphertext length")
        aead = self._aead.get(record.kid)
        if aead is None and self.refresh(force=True):
            aead = self._aead.get(record.kid)
        if aead is None:
            if not self._kids:
                raise VaultNotConfigured(
                    f"the session vault has no key: set {KEYS_VAR} or {KEYS_FILE_VAR}"
                )
            raise DecryptionFailed(f"no key with id {record.kid[:64]!r} in the key ring")
        try:
            return aead.decrypt(record.nonce, record.ciphertext, aad)
        except InvalidTag:
            raise DecryptionFailed(
                f"authentication failed under key {record.kid!r}: the record was altered, "
                "belongs to another session, or the key is wrong"
            ) from None

    def is_current(self, record: SealedRecord) -> bool:
        return record.kid == self.primary_kid


def prepend_key_to_file(path: str, entry: str) -> str:
    """Make `entry` the first (encrypting) key of the key file, atomically; returns its id.

    The file is rewritten through a temporary file in the same directory (mode 0600) and
    renamed over the old one, so readers see the old or the new file, never a half.
    """
    kid, _ = parse_entry(entry, KEYS_FILE_VAR, "new key")
    target = Path(path)
    old = ""
    if target.exists():
        old_entries, _ = _read_file(path)
        _check_unique([(kid, b""), *old_entries], KEYS_FILE_VAR)
        old = target.read_text(encoding="utf-8")
    text = f"# first key encrypts; every key decrypts\n{entry.strip()}\n" + "".join(
        line + "\n"
        for line in old.splitlines()
        if line.strip() != "# first key encrypts; every key decrypts"
    )
    fd, tmp = tempfile.mkstemp(prefix=".keys-", dir=str(target.parent or Path(".")))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return kid
