"""The key ring: AES-256-GCM round trips, and every tampering or mix-up is refused."""

from __future__ import annotations

import base64
import dataclasses
import logging
import os
import stat
from pathlib import Path

import pytest
from bson import BSON
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from postwriter.errors import DecryptionFailed, SettingsError, VaultNotConfigured
from postwriter.security.keyring import (
    ALG,
    KeyRing,
    SealedRecord,
    prepend_key_to_file,
)
from postwriter.sessions.vault import session_aad

AAD = session_aad("s1", "facebook")
SECRET = b'{"cookies":[{"name":"xs","value":"SECRET-xs-value"}]}'


def _entry(kid: str, fill: int) -> str:
    return f"{kid}:" + base64.urlsafe_b64encode(bytes([fill]) * 32).decode().rstrip("=")


def _flip(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing.from_config(f"{_entry('k1', 1)},{_entry('k0', 2)}")


def test_round_trip_uses_aes_256_gcm_under_the_primary_key(ring: KeyRing) -> None:
    record = ring.encrypt(SECRET, AAD)
    assert record.alg == ALG == "AES-256-GCM"
    assert record.kid == "k1" == ring.primary_kid
    assert len(record.nonce) == 12
    assert len(record.ciphertext) == len(SECRET) + 16
    assert SECRET not in record.ciphertext
    assert ring.decrypt(record, AAD) == SECRET
    # Exactly standard AES-256-GCM: an independent AESGCM with the same key opens it.
    assert AESGCM(bytes([1]) * 32).decrypt(record.nonce, record.ciphertext, AAD) == SECRET


def test_every_record_gets_a_fresh_nonce(ring: KeyRing) -> None:
    nonces = {ring.encrypt(SECRET, AAD).nonce for _ in range(200)}
    assert len(nonces) == 200


def test_the_document_form_round_trips_through_bson(ring: KeyRing) -> None:
    record = ring.encrypt(SECRET, AAD)
    raw = bytes(BSON.encode({"sealed": record.to_document()}))
    back = SealedRecord.from_document(BSON(raw).decode()["sealed"])
    assert back == record
    assert ring.decrypt(back, AAD) == SECRET
    assert b"SECRET" not in raw


@pytest.mark.parametrize("part", ["nonce", "ciphertext", "tag"])
def test_a_flipped_bit_anywhere_is_refused(ring: KeyRing, part: str) -> None:
    record = ring.encrypt(SECRET, AAD)
    if part == "nonce":
        bad = dataclasses.replace(record, nonce=_flip(record.nonce, 5))
    elif part == "ciphertext":
        bad = dataclasses.replace(record, ciphertext=_flip(record.ciphertext, 3))
    else:
        bad = dataclasses.replace(record, ciphertext=_flip(record.ciphertext, -1))
    with pytest.raises(DecryptionFailed) as caught:
        ring.decrypt(bad, AAD)
    assert caught.value.code == "decryption_failed"


def test_a_record_of_another_session_or_platform_does_not_open(ring: KeyRing) -> None:
    record = ring.encrypt(SECRET, session_aad("s1", "facebook"))
    for aad in (session_aad("s2", "facebook"), session_aad("s1", "instagram")):
        with pytest.raises(DecryptionFailed):
            ring.decrypt(record, aad)


def test_unknown_kid_wrong_key_and_malformed_records_are_refused(ring: KeyRing) -> None:
    record = ring.encrypt(SECRET, AAD)
    with pytest.raises(DecryptionFailed, match="no key with id 'k9'"):
        ring.decrypt(dataclasses.replace(record, kid="k9"), AAD)
    other = KeyRing.from_config(_entry("k1", 7))  # same id, different key
    with pytest.raises(DecryptionFailed, match="authentication failed"):
        other.decrypt(record, AAD)
    with pytest.raises(DecryptionFailed):
        ring.decrypt(dataclasses.replace(record, alg="AES-128-CBC"), AAD)
    with pytest.raises(DecryptionFailed):
        ring.decrypt(dataclasses.replace(record, nonce=record.nonce[:8]), AAD)
    with pytest.raises(DecryptionFailed):
        ring.decrypt(dataclasses.replace(record, ciphertext=record.ciphertext[:10]), AAD)
    for doc in (None, "x", {"v": 2}, {**record.to_document(), "nonce": "text"}):
        with pytest.raises(DecryptionFailed):
            SealedRecord.from_document(doc)


def test_a_new_primary_encrypts_and_old_keys_still_decrypt(ring: KeyRing) -> None:
    old = ring.encrypt(SECRET, AAD)
    rotated = ring.with_primary(KeyRing.generate_key())
    assert rotated.primary_kid not in ("k1", "k0")
    assert rotated.kids[1:] == ("k1", "k0")
    assert not rotated.is_current(old)
    assert rotated.decrypt(old, AAD) == SECRET
    new = rotated.encrypt(SECRET, AAD)
    assert rotated.is_current(new)
    with pytest.raises(DecryptionFailed):
        ring.decrypt(new, AAD)  # a ring without the new key cannot read it


def test_generated_keys_are_unique_32_byte_entries() -> None:
    entries = {KeyRing.generate_key() for _ in range(50)}
    assert len(entries) == 50
    assert len({e.split(":")[0] for e in entries}) == 50
    for entry in entries:
        kid, key = entry.split(":")
        assert kid.startswith("k20")
        assert len(base64.urlsafe_b64decode(key + "=")) == 32
    assert KeyRing.from_config(",".join(entries)).configured


def test_an_empty_ring_refuses_to_encrypt_or_decrypt_clearly() -> None:
    empty = KeyRing.from_config("")
    assert not empty.configured
    with pytest.raises(VaultNotConfigured) as caught:
        empty.encrypt(SECRET, AAD)
    assert caught.value.code == "vault_not_configured"
    assert "POSTWRITER_KEYS" in caught.value.message
    record = KeyRing.from_config(_entry("k1", 1)).encrypt(SECRET, AAD)
    with pytest.raises(VaultNotConfigured):
        empty.decrypt(record, AAD)


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ("nokidhere", "entry 1: expected kid:base64url-key"),
        (f"{_entry('k1', 1)},k2:", "entry 2: expected kid:base64url-key"),
        ("k1:" + base64.urlsafe_b64encode(b"x" * 16).decode(), "exactly 32 bytes"),
        ("k1:not base64 at all!!", "exactly 32 bytes"),
        ("bad kid:" + _entry("x", 1).split(":")[1], "key id must be"),
        (f"{_entry('k1', 1)},{_entry('k1', 2)}", "duplicate key id 'k1'"),
    ],
)
def test_bad_configuration_names_the_problem_without_the_key(keys: str, problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        KeyRing.from_config(keys)
    assert caught.value.variable == "POSTWRITER_KEYS"
    assert problem in caught.value.message
    for part in keys.split(","):
        secret = part.partition(":")[2]
        if len(secret) > 4:
            assert secret not in caught.value.message


def test_standard_base64_with_padding_is_accepted_too() -> None:
    key = base64.b64encode(bytes([0xFB]) * 32).decode()  # has '+', '/' and '='
    assert "/" in key and key.endswith("=")
    assert KeyRing.from_config(f"k1:{key}").kids == ("k1",)


def test_the_ring_never_shows_key_material(ring: KeyRing) -> None:
    record = ring.encrypt(SECRET, AAD)
    key_text = _entry("k1", 1).split(":")[1]
    assert key_text not in repr(ring)
    assert repr(record.nonce) not in repr(record)
    assert "ciphertext=" not in repr(record)


def test_keys_and_key_file_together_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(_entry("k1", 1) + "\n")
    with pytest.raises(SettingsError, match="not both"):
        KeyRing.from_config(_entry("k2", 2), str(path))


def test_key_file_with_comments_and_a_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(f"# vault keys\n\n{_entry('k2', 2)}\n  {_entry('k1', 1)}  \n")
    path.chmod(0o600)
    assert KeyRing.from_config("", str(path)).kids == ("k2", "k1")
    path.write_text(f"# vault keys\n{_entry('k2', 2)}\nk3:short\n")
    with pytest.raises(SettingsError) as caught:
        KeyRing.from_config("", str(path))
    assert caught.value.variable == "POSTWRITER_KEYS_FILE"
    assert "line 3 (key id 'k3')" in caught.value.message
    with pytest.raises(SettingsError, match="cannot read"):
        KeyRing.from_config("", str(tmp_path / "missing"))


def test_a_readable_key_file_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "keys"
    path.write_text(_entry("k1", 1) + "\n")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        KeyRing.from_config("", str(path))
    assert "chmod 600" in caplog.text


def test_rotation_through_the_key_file_reaches_a_running_ring(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text(_entry("k1", 1) + "\n")
    path.chmod(0o600)
    running = KeyRing.from_config("", str(path), reload_interval_s=3600)
    old = running.encrypt(SECRET, AAD)

    # The rotate command: a new first key in the file, its own ring re-encrypts.
    new_kid = prepend_key_to_file(str(path), KeyRing.generate_key())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    rotator = KeyRing.from_config("", str(path))
    assert rotator.kids == (new_kid, "k1")
    new = rotator.encrypt(rotator.decrypt(old, AAD), AAD)

    # A running reader sees an unknown kid, re-reads the file at once and opens it.
    assert running.decrypt(new, AAD) == SECRET
    assert running.primary_kid == new_kid
    with pytest.raises(SettingsError, match="duplicate key id"):
        prepend_key_to_file(str(path), _entry(new_kid, 9))


def test_a_broken_key_file_keeps_the_old_keys(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "keys"
    path.write_text(_entry("k1", 1) + "\n")
    path.chmod(0o600)
    running = KeyRing.from_config("", str(path))
    record = running.encrypt(SECRET, AAD)
    path.write_text("k2:garbage-key-material-xyz\n")
    with caplog.at_level(logging.WARNING), pytest.raises(DecryptionFailed):
        running.decrypt(dataclasses.replace(record, kid="k2"), AAD)
    assert running.kids == ("k1",)
    assert running.decrypt(record, AAD) == SECRET
    assert "garbage-key-material" not in caplog.text
