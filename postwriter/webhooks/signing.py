"""Webhook signatures: HMAC-SHA256 over `timestamp + "." + body`, and the receiver's check.

Every delivery carries `PostWriter-Signature: t=<unix seconds>,v1=<hex>`. While a rotated
secret's previous value is still honoured the header holds one `v1=` per secret, so a
receiver that still has the old secret keeps verifying. Receivers call `verify`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence

from postwriter.errors import PostWriterError

SIGNATURE_HEADER = "PostWriter-Signature"
EVENT_HEADER = "PostWriter-Event"
DELIVERY_HEADER = "PostWriter-Delivery"
SCHEME = "v1"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
# A receiver should refuse signatures older (or newer) than this: it bounds replays.
DEFAULT_TOLERANCE_S = 300.0
MAX_HEADER_CHARS = 4096


class InvalidSignature(PostWriterError):
    """The body does not match the signature header, or the header is stale or malformed."""

    code = "invalid_signature"
    http_status = 400


def new_secret() -> str:
    """A fresh signing secret: 256 random bits, prefixed so it is recognisable in a vault."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def compute(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>` keyed with the secret's UTF-8 bytes."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(signing_secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """`t=<timestamp>,v1=<hex>[,v1=<hex>...]`, one signature per secret, newest first."""
    if not signing_secrets:
        raise ValueError("at least one secret is needed to sign")
    signatures = [f"{SCHEME}={compute(s, timestamp, body)}" for s in signing_secrets]
    return ",".join([f"t={timestamp}", *signatures])


def parse_header(header: str) -> tuple[int, list[str]]:
    """The timestamp and the `v1` signatures of a header; unknown schemes are ignored."""
    if len(header) > MAX_HEADER_CHARS:
        raise InvalidSignature("signature header too long")
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if not value.isdigit() or len(value) > 12:
                raise InvalidSignature("signature header has a malformed timestamp")
            timestamp = int(value)
        elif key == SCHEME:
            signatures.append(value.strip().lower())
    if timestamp is None:
        raise InvalidSignature("signature header has no timestamp (t=)")
    if not signatures:
        raise InvalidSignature(f"signature header has no {SCHEME} signature")
    return timestamp, signatures


def verify(
    body: bytes,
    header: str | None,
    secret: str,
    *,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> int:
    """Check a delivery as a receiver; returns its timestamp or raises `InvalidSignature`.

    `body` must be the raw request body, byte for byte, before any JSON parsing. A timestamp
    further than `tolerance_s` from `now` (default: the current time) is refused, which
    stops an old captured delivery from being replayed.
    """
    if not header:
        raise InvalidSignature(f"no {SIGNATURE_HEADER} header")
    timestamp, signatures = parse_header(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        raise InvalidSignature("signature timestamp outside the tolerance window")
    expected = compute(secret, timestamp, body).encode("ascii")
    # Compare with every candidate so the time taken does not tell which one nearly matched.
    matched = False
    for candidate in signatures:
        matched |= hmac.compare_digest(expected, candidate.encode("utf-8", "replace"))
    if not matched:
        raise InvalidSignature("no signature matches the body and secret")
    return timestamp
