"""Client ops of WebSocket protocol v1 and the normal form of sources and origins (pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from postwriter.api.ws_ops import BadOp, Ping, Subscribe, Unsubscribe, parse_op
from postwriter.api.ws_sources import origin_key, source_key

A = "a" * 32
B = "b" * 32


def _op(**fields: Any) -> str:
    return json.dumps(fields)


def test_subscribe_to_one_job_with_and_without_after_seq() -> None:
    assert parse_op(_op(op="subscribe", job_id=A)) == Subscribe({A: 0}, None, None)
    assert parse_op(_op(op="subscribe", job_id=A, after_seq=7, id="r1")) == Subscribe(
        {A: 7}, None, "r1"
    )


def test_subscribe_to_several_jobs_keeps_their_order_and_their_own_after_seq() -> None:
    op = parse_op(_op(op="subscribe", job_ids=[B, A, B], after_seq={A: 3}, id=9))
    assert op == Subscribe({B: 0, A: 3}, None, 9)
    assert isinstance(op, Subscribe)
    assert list(op.jobs) == [B, A]


def test_subscribe_to_a_source_normalises_it() -> None:
    op = parse_op(_op(op="subscribe", source="HTTPS://Example.COM:443/Acme/?x=1#top"))
    assert op == Subscribe({}, "https://example.com/Acme?x=1", None)


def test_unsubscribe_and_ping() -> None:
    assert parse_op(_op(op="unsubscribe", job_ids=[A, B])) == Unsubscribe((A, B), None, None)
    assert parse_op(_op(op="unsubscribe", source="http://x.org/")) == Unsubscribe(
        (), "http://x.org/", None
    )
    assert parse_op(_op(op="ping", id="p")) == Ping("p")


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[" * 100_000,
        "1" * 5000,
        "[]",
        _op(op="dance"),
        _op(op="ping", extra=1),
        _op(op="subscribe"),
        _op(op="subscribe", job_id=A, job_ids=[B]),
        _op(op="subscribe", job_id="short"),
        _op(op="subscribe", job_id=5),
        _op(op="subscribe", job_ids=[]),
        _op(op="subscribe", job_ids=[f"{i:032d}" for i in range(101)]),
        _op(op="subscribe", job_id=A, after_seq=-1),
        _op(op="subscribe", job_id=A, after_seq=True),
        _op(op="subscribe", job_id=A, after_seq="3"),
        _op(op="subscribe", job_ids=[A], after_seq=3),
        _op(op="subscribe", job_ids=[A], after_seq={B: 1}),
        _op(op="subscribe", source="ftp://example.com/"),
        _op(op="subscribe", source="https://example.com/", after_seq=1),
        _op(op="subscribe", source="https://" + "a" * 3000 + ".com/"),
        _op(op="ping", id=["x"]),
        _op(op="ping", id="x" * 65),
        _op(op="unsubscribe", job_id=A, after_seq=1),
    ],
)
def test_malformed_ops_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(BadOp) as caught:
        parse_op(text)
    assert caught.value.message


def test_a_refusal_carries_the_request_id_when_it_could_be_read() -> None:
    with pytest.raises(BadOp) as caught:
        parse_op(_op(op="subscribe", job_id="bad", id="r7"))
    assert caught.value.request_id == "r7"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://example.com", "https://example.com/"),
        ("HTTPS://EXAMPLE.com:443/", "https://example.com/"),
        ("http://example.com:8080/page/", "http://example.com:8080/page"),
        ("http://user:pw@example.com/page#frag", "http://example.com/page"),
        ("https://www.facebook.com/AcmeCoffee/?ref=x", "https://www.facebook.com/AcmeCoffee?ref=x"),
        ("  https://[::1]:8443/a  ", "https://[::1]:8443/a"),
        ("mailto:a@b.c", None),
        ("https://", None),
        ("http://example.com:99999/", None),
    ],
)
def test_sources_compare_in_one_normal_form(url: str, key: str | None) -> None:
    assert source_key(url) == key


@pytest.mark.parametrize(
    ("origin", "key"),
    [
        ("https://app.example.com", "https://app.example.com"),
        ("HTTPS://App.Example.com:443", "https://app.example.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("null", None),
        ("https://app.example.com/path", None),
        ("https://user@app.example.com", None),
    ],
)
def test_origins_compare_in_one_normal_form(origin: str, key: str | None) -> None:
    assert origin_key(origin) == key
