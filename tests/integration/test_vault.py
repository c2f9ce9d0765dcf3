"""The session vault on the real MongoDB-wire server: one path from file to browser context."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument

from postwriter.browser.pool import BrowserPool
from postwriter.errors import (
    DecryptionFailed,
    InvalidCookieFile,
    InvalidRequest,
    NotFound,
    VaultNotConfigured,
)
from postwriter.security.keyring import KeyRing
from postwriter.sessions.browser import apply_session
from postwriter.sessions.cookies import parse_cookies
from postwriter.sessions.vault import SessionVault
from postwriter.settings import Settings
from postwriter.storage.database import Database, Document, open_database

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cookies"
GOOD = ("storage_state.json", "extension.json", "cookies.txt")
# Cookie names long enough never to turn up by chance in random ciphertext bytes.
NAMES = (b"c_user", b"datr", b"presence", b"locale")


def _entry(kid: str, fill: int) -> str:
    return f"{kid}:" + base64.urlsafe_b64encode(bytes([fill]) * 32).decode().rstrip("=")


OLD = _entry("k1", 1)
NEW = _entry("k2", 2)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    async with open_database(settings) as database:
        yield database


@pytest.fixture
async def vault(db: Database) -> SessionVault:
    vault = SessionVault(db, KeyRing.from_config(OLD))
    await vault.ensure_indexes()
    return vault


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _one_cookie(value: str) -> bytes:
    return json.dumps(
        {"cookies": [{"name": "c_user", "value": value, "domain": ".x.com", "expires": -1}]}
    ).encode()


async def _stored(vault: SessionVault, session_id: str) -> list[Document]:
    """Every stored version of a session (normally one), oldest first."""
    return await vault.collection.find({"session_id": session_id}).sort("seq", 1).to_list()


async def _raw(vault: SessionVault, session_id: str) -> bytes:
    """The raw BSON of every stored version of a session."""
    raw = vault.collection.with_options(codec_options=CodecOptions(RawBSONDocument))
    docs = await raw.find({"session_id": session_id}).to_list()
    assert docs
    return b"".join(bytes(doc.raw) for doc in docs)


async def _set(vault: SessionVault, session_id: str, fields: Document) -> None:
    """Change the stored current version in place (as an attacker with write access would)."""
    (doc,) = await _stored(vault, session_id)
    await vault.collection.update_one({"_id": doc["_id"]}, {"$set": fields})


@pytest.mark.parametrize("fixture", GOOD)
async def test_import_get_and_open_round_trip(vault: SessionVault, fixture: str) -> None:
    data = _read(fixture)
    info = await vault.import_cookies("facebook", " Brand page ", data)
    expected = parse_cookies(data)
    assert len(info.session_id) == 32
    assert (info.platform, info.name, info.status, info.key_id) == (
        "facebook",
        "Brand page",
        "active",
        "k1",
    )
    assert info.cookie_count == len(expected)
    assert "facebook.com" in info.domains
    assert info.earliest_expiry is not None and info.earliest_expiry.year == 2100
    assert await vault.get(info.session_id) == info
    assert await vault.cookies_for(info.session_id) == expected
    assert [s.session_id for s in await vault.list()] == [info.session_id]
    body = info.to_json()
    assert body["key_id"] == "k1" and body["earliest_expiry"].startswith("2100-01-01")
    assert "SECRET" not in json.dumps(body)


async def test_the_stored_document_holds_no_cookie_name_or_value(vault: SessionVault) -> None:
    for fixture in GOOD:
        info = await vault.import_cookies("facebook", fixture, _read(fixture))
        raw = await _raw(vault, info.session_id)
        assert b"SECRET" not in raw
        for name in NAMES:
            assert name not in raw
        (doc,) = await _stored(vault, info.session_id)
        assert doc["sealed"]["alg"] == "AES-256-GCM"
        assert len(doc["sealed"]["nonce"]) == 12
        assert set(doc) == {
            "_id",
            "session_id",
            "seq",
            "vid",
            "parent",
            "written_at",
            "change",
            "revision",
            "platform",
            "name",
            "status",
            "stale_reason",
            "cookie_count",
            "domains",
            "earliest_expiry",
            "sealed",
            "created_at",
            "updated_at",
        }


async def test_tampered_ciphertext_fails_and_is_not_overwritten(
    vault: SessionVault, caplog: pytest.LogCaptureFixture
) -> None:
    info = await vault.import_cookies("facebook", "brand", _read("storage_state.json"))
    (doc,) = await _stored(vault, info.session_id)
    ciphertext = bytearray(doc["sealed"]["ciphertext"])
    ciphertext[7] ^= 0x40
    await _set(vault, info.session_id, {"sealed.ciphertext": bytes(ciphertext)})
    tampered = await _raw(vault, info.session_id)
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(DecryptionFailed) as caught:
            await vault.cookies_for(info.session_id)
        assert caught.value.code == "decryption_failed"
        assert info.session_id in caught.value.message
        report = await vault.rotate(KeyRing.from_config(f"{NEW},{OLD}"))
    assert (report.re_encrypted, report.failed, report.failed_ids) == (0, 1, (info.session_id,))
    assert await _raw(vault, info.session_id) == tampered  # neither read nor rotation wrote
    assert "SECRET" not in caplog.text
    assert "does not decrypt" in caplog.text


async def test_records_swapped_between_sessions_do_not_open(vault: SessionVault) -> None:
    a = await vault.import_cookies("facebook", "a", _one_cookie("SECRET-a"))
    b = await vault.import_cookies("facebook", "b", _one_cookie("SECRET-b"))
    (doc_a,) = await _stored(vault, a.session_id)
    (doc_b,) = await _stored(vault, b.session_id)
    await _set(vault, a.session_id, {"sealed": doc_b["sealed"]})
    await _set(vault, b.session_id, {"sealed": doc_a["sealed"]})
    for session_id in (a.session_id, b.session_id):
        with pytest.raises(DecryptionFailed):
            await vault.cookies_for(session_id)
    # Same session id, other platform: also refused.
    await _set(vault, a.session_id, {"sealed": doc_a["sealed"]})
    assert (await vault.cookies_for(a.session_id))[0]["value"] == "SECRET-a"
    await _set(vault, a.session_id, {"platform": "instagram"})
    with pytest.raises(DecryptionFailed):
        await vault.cookies_for(a.session_id)


async def test_a_wrong_key_fails_cleanly(vault: SessionVault, db: Database) -> None:
    info = await vault.import_cookies("facebook", "a", _one_cookie("SECRET-a"))
    for ring in (KeyRing.from_config(_entry("k1", 9)), KeyRing.from_config(NEW)):
        with pytest.raises(DecryptionFailed):
            await SessionVault(db, ring).cookies_for(info.session_id)


async def test_a_failed_import_stores_nothing(vault: SessionVault, db: Database) -> None:
    for fixture in ("storage_state_missing_domain.json", "cookies_short_line.txt"):
        with pytest.raises(InvalidCookieFile):
            await vault.import_cookies("facebook", "bad", _read(fixture))
    with pytest.raises(InvalidRequest):
        await vault.import_cookies("Face Book", "bad", _read("cookies.txt"))
    with pytest.raises(VaultNotConfigured):
        await SessionVault(db, KeyRing.from_config("")).import_cookies(
            "facebook", "x", _read("cookies.txt")
        )
    assert await vault.collection.count_documents({}) == 0
    # A bad re-import leaves the existing session exactly as it was.
    info = await vault.import_cookies("facebook", "good", _read("cookies.txt"))
    before = await _raw(vault, info.session_id)
    with pytest.raises(InvalidCookieFile):
        await vault.import_cookies(
            "facebook", "good", _read("cookies_spaces.txt"), session_id=info.session_id
        )
    assert await _raw(vault, info.session_id) == before


async def test_reimport_replaces_cookies_and_revives_a_stale_session(vault: SessionVault) -> None:
    first = await vault.import_cookies(
        "facebook", "a", _one_cookie("SECRET-1"), session_id="s-000001"
    )
    assert first.session_id == "s-000001"
    assert await vault.mark_stale("s-000001", "login wall at https://www.facebook.com/login")
    stale = await vault.get("s-000001")
    assert stale is not None and stale.status == "stale"
    assert stale.stale_reason == "login wall at https://www.facebook.com/login"
    # A stale session still opens: the page decides whether the cookies log in.
    assert (await vault.cookies_for("s-000001"))[0]["value"] == "SECRET-1"
    again = await vault.import_cookies(
        "facebook", "b", _one_cookie("SECRET-2"), session_id="s-000001"
    )
    assert (again.status, again.stale_reason, again.name) == ("active", None, "b")
    assert again.created_at == first.created_at
    assert again.updated_at > first.updated_at
    assert (await vault.cookies_for("s-000001"))[0]["value"] == "SECRET-2"
    with pytest.raises(InvalidRequest, match="another platform"):
        await vault.import_cookies("instagram", "c", _one_cookie("SECRET-3"), session_id="s-000001")
    with pytest.raises(InvalidRequest):
        await vault.import_cookies("facebook", "c", _one_cookie("x"), session_id="bad id!")
    assert (await vault.cookies_for("s-000001"))[0]["value"] == "SECRET-2"
    # A job that used the old cookies cannot mark the new ones stale.
    assert again.revision != first.revision
    assert not await vault.mark_stale("s-000001", "old cookies", revision=first.revision)
    assert (await vault.get("s-000001")) == again
    assert await vault.mark_stale("s-000001", "again", revision=again.revision)
    assert await vault.mark_active("s-000001", revision=again.revision)
    assert not await vault.mark_active("s-000001")
    assert len(await _stored(vault, "s-000001")) == 1  # superseded versions are removed
    assert await vault.delete("s-000001")
    assert not await vault.delete("s-000001")
    assert await vault.get("s-000001") is None
    assert await vault.list() == []
    assert not await vault.mark_stale("s-000001", "gone")
    with pytest.raises(NotFound):
        await vault.cookies_for("s-000001")
    (tombstone,) = await _stored(vault, "s-000001")
    assert tombstone["deleted"] is True and "sealed" not in tombstone
    # Importing under a deleted id starts a new session there.
    revived = await vault.import_cookies(
        "facebook", "c", _one_cookie("SECRET-4"), session_id="s-000001"
    )
    assert revived.created_at > first.created_at
    assert (await vault.cookies_for("s-000001"))[0]["value"] == "SECRET-4"


async def test_rotation_re_encrypts_every_record_while_readers_keep_reading(
    vault: SessionVault, db: Database
) -> None:
    count = 30
    ids = []
    for n in range(count):
        info = await vault.import_cookies("facebook", f"s{n}", _one_cookie(f"SECRET-{n}"))
        ids.append(info.session_id)
    reader = SessionVault(db, KeyRing.from_config(f"{NEW},{OLD}"))
    stop = asyncio.Event()
    reads = 0

    async def read_forever() -> None:
        nonlocal reads
        while not stop.is_set():
            for n, session_id in enumerate(ids):
                cookies = await reader.cookies_for(session_id)  # must never raise
                assert cookies[0]["value"] == f"SECRET-{n}"
                reads += 1

    readers = [asyncio.create_task(read_forever()) for _ in range(2)]
    try:
        report = await vault.rotate(KeyRing.from_config(f"{NEW},{OLD}"))
    finally:
        stop.set()
        await asyncio.gather(*readers)
    assert (report.re_encrypted, report.already_current, report.failed) == (count, 0, 0)
    assert reads > 0
    docs = await vault.collection.find({}).to_list()
    assert len(docs) == count  # one version per session: the old-key records are gone
    assert {doc["sealed"]["kid"] for doc in docs} == {"k2"}
    assert vault.keyring.primary_kid == "k2"
    # Only the new key is needed now; a second rotation has nothing to do.
    only_new = SessionVault(db, KeyRing.from_config(NEW))
    for n, session_id in enumerate(ids):
        assert (await only_new.cookies_for(session_id))[0]["value"] == f"SECRET-{n}"
    again = await vault.rotate()
    assert (again.re_encrypted, again.already_current, again.failed) == (0, count, 0)


async def test_rotation_never_overwrites_a_concurrent_reimport(
    vault: SessionVault, db: Database
) -> None:
    count = 40
    ids = [
        (await vault.import_cookies("facebook", "s", _one_cookie(f"SECRET-old-{n}"))).session_id
        for n in range(count)
    ]
    lagging = SessionVault(db, KeyRing.from_config(OLD))  # a process not yet restarted

    async def reimport() -> None:
        for n, session_id in enumerate(ids):
            await lagging.import_cookies(
                "facebook", "s", _one_cookie(f"SECRET-new-{n}"), session_id=session_id
            )

    report, _ = await asyncio.gather(vault.rotate(KeyRing.from_config(f"{NEW},{OLD}")), reimport())
    assert report.failed == 0
    both = SessionVault(db, KeyRing.from_config(f"{NEW},{OLD}"))
    for n, session_id in enumerate(ids):
        assert (await both.cookies_for(session_id))[0]["value"] == f"SECRET-new-{n}"
    final = await vault.rotate()
    assert final.failed == 0
    docs = await vault.collection.find({}).to_list()
    assert len(docs) == count
    assert {doc["sealed"]["kid"] for doc in docs} == {"k2"}


async def test_concurrent_changes_to_one_session_are_all_kept(
    vault: SessionVault, db: Database
) -> None:
    info = await vault.import_cookies(
        "facebook", "a", _one_cookie("SECRET-0"), session_id="s-000002"
    )
    ring = KeyRing.from_config(f"{NEW},{OLD}")
    await asyncio.gather(
        vault.import_cookies("facebook", "b", _one_cookie("SECRET-1"), session_id="s-000002"),
        vault.mark_stale("s-000002", "login wall", revision=info.revision),
        SessionVault(db, ring).rotate(),
    )
    final = await vault.get("s-000002")
    assert final is not None
    cookies = await SessionVault(db, ring).cookies_for("s-000002")
    # Whatever the order: the later import's cookies, and active, because the stale mark
    # was for the first import's cookies (either applied before the re-import, or skipped).
    assert (final.name, final.status, cookies[0]["value"]) == ("b", "active", "SECRET-1")
    assert len(await _stored(vault, "s-000002")) == 1


async def test_cookies_reach_only_the_jobs_own_browser_context(
    vault: SessionVault, settings: Settings
) -> None:
    info = await vault.import_cookies("facebook", "brand", _read("storage_state.json"))
    async with (
        BrowserPool(settings) as pool,
        pool.context() as job_context,
        pool.context() as other_context,
    ):
        applied = await apply_session(vault, job_context, info.session_id, platform="facebook")
        assert applied == info
        in_browser = await job_context.cookies()
        assert await other_context.cookies() == []
        with pytest.raises(InvalidRequest, match="is for facebook"):
            await apply_session(vault, other_context, info.session_id, platform="instagram")
        assert await other_context.cookies() == []
    expected = parse_cookies(_read("storage_state.json"))
    got = {(c["name"], c["value"], c["domain"], c["path"]) for c in in_browser}
    assert got == {(c["name"], c["value"], c["domain"], c["path"]) for c in expected}
    by_name = {c["name"]: c for c in in_browser}
    assert by_name["xs"]["httpOnly"] is True and by_name["xs"]["sameSite"] == "None"
    assert by_name["presence"]["expires"] == -1
