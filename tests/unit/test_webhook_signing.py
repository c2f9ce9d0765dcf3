"""Webhook signatures: what PostWriter sends and what `verify` accepts for a receiver."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from postwriter.webhooks.signing import (
    SECRET_PREFIX,
    InvalidSignature,
    compute,
    new_secret,
    parse_header,
    signature_header,
    verify,
)

SECRET = "whsec_test-secret-0123456789"
BODY = b'{"id":"d1","type":"job.succeeded","data":{"counts":{"posts_new":3}}}'
T = 1_800_000_000


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert compute(SECRET, T, BODY) == expected
    assert signature_header([SECRET], T, BODY) == f"t={T},v1={expected}"


def test_a_signed_body_verifies_and_returns_its_timestamp() -> None:
    header = signature_header([SECRET], T, BODY)
    assert verify(BODY, header, SECRET, now=T + 10) == T


@pytest.mark.parametrize(
    ("body", "secret"),
    [
        (BODY + b" ", SECRET),  # one byte more
        (BODY.replace(b"3", b"4"), SECRET),  # a figure changed
        (BODY, SECRET + "x"),  # another secret
    ],
)
def test_any_change_to_body_or_secret_fails(body: bytes, secret: str) -> None:
    header = signature_header([SECRET], T, BODY)
    with pytest.raises(InvalidSignature, match="no signature matches"):
        verify(body, header, secret, now=T)


def test_the_timestamp_is_signed_too() -> None:
    header = signature_header([SECRET], T, BODY)
    moved = header.replace(f"t={T}", f"t={T + 1}")
    with pytest.raises(InvalidSignature):
        verify(BODY, moved, SECRET, now=T)


@pytest.mark.parametrize("offset", [-301, 301, -86400])
def test_timestamps_outside_the_window_are_refused(offset: int) -> None:
    header = signature_header([SECRET], T, BODY)
    with pytest.raises(InvalidSignature, match="tolerance"):
        verify(BODY, header, SECRET, now=T + offset)


def test_the_window_is_configurable() -> None:
    header = signature_header([SECRET], T, BODY)
    assert verify(BODY, header, SECRET, now=T + 3000, tolerance_s=3600) == T
    with pytest.raises(InvalidSignature):
        verify(BODY, header, SECRET, now=T + 61, tolerance_s=60)


def test_during_a_rotation_either_secret_verifies() -> None:
    new, old = "whsec_new", "whsec_old"
    header = signature_header([new, old], T, BODY)
    assert header.count("v1=") == 2
    assert verify(BODY, header, new, now=T) == T
    assert verify(BODY, header, old, now=T) == T
    with pytest.raises(InvalidSignature):
        verify(BODY, header, "whsec_other", now=T)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "v1=abc",  # no timestamp
        f"t={T}",  # no signature
        f"t=abc,v1={'0' * 64}",  # timestamp not a number
        f"t=-5,v1={'0' * 64}",
        f"t={T},v0={'0' * 64}",  # unknown scheme only
        "t=" + "9" * 40 + ",v1=00",
        "x" * 5000,
    ],
)
def test_malformed_headers_are_refused(header: str | None) -> None:
    with pytest.raises(InvalidSignature):
        verify(BODY, header, SECRET, now=T)


def test_non_ascii_signature_values_are_refused_not_crashing() -> None:
    with pytest.raises(InvalidSignature):
        verify(BODY, f"t={T},v1=ü{'0' * 63}", SECRET, now=T)


def test_header_parsing_ignores_unknown_parts_and_spaces() -> None:
    timestamp, signatures = parse_header(f" t={T} , v0=zz, v1=AB ,junk, v1=cd")
    assert timestamp == T
    assert signatures == ["ab", "cd"]


def test_new_secrets_are_long_random_and_prefixed() -> None:
    made = {new_secret() for _ in range(50)}
    assert len(made) == 50
    assert all(s.startswith(SECRET_PREFIX) and len(s) >= len(SECRET_PREFIX) + 43 for s in made)


def test_signing_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="at least one"):
        signature_header([], T, BODY)
