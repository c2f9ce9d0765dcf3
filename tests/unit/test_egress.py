from __future__ import annotations

import ipaddress

import pytest

from postwriter.errors import BlockedDestination
from postwriter.security.egress import EgressPolicy, embedded_ipv4, is_public


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/",
        "javascript:alert(1)",
        "http://user:pw@example.com/",
        "http://127.0.0.1/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[2002:7f00:1::]/",
        "http://224.0.0.1/",
        "http://localhost:8080/",
        "http://api.localhost/",
        "http://metadata.google.internal/",
        "http:///nohost",
    ],
)
def test_static_refusals(url: str) -> None:
    with pytest.raises(BlockedDestination):
        EgressPolicy().check_static(url)


def test_public_urls_pass_static_checks() -> None:
    dest = EgressPolicy().check_static("https://www.facebook.com/acme")
    assert (dest.scheme, dest.host, dest.port) == ("https", "www.facebook.com", 443)


def test_allow_rules_open_exact_holes() -> None:
    policy = EgressPolicy(["127.0.0.1:8081", "10.0.0.0/8", "intranet.test"])
    policy.check_static("http://127.0.0.1:8081/acme")
    policy.check_static("http://10.9.9.9/")
    policy.check_static("http://intranet.test:1234/")
    with pytest.raises(BlockedDestination):
        policy.check_static("http://127.0.0.1:8082/")


def test_embedded_addresses_are_unwrapped() -> None:
    mapped = ipaddress.ip_address("::ffff:10.0.0.1")
    assert embedded_ipv4(mapped) == ipaddress.ip_address("10.0.0.1")
    assert not is_public(mapped)
    assert is_public(ipaddress.ip_address("::ffff:8.8.8.8"))
    assert not is_public(ipaddress.ip_address("64:ff9b::7f00:1"))


async def test_names_resolving_to_private_addresses_are_refused() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return {"evil.test": ["93.184.216.34", "127.0.0.1"], "good.test": ["93.184.216.34"]}[host]

    policy = EgressPolicy()
    assert await policy.check("https://good.test/", resolver) == ["93.184.216.34"]
    with pytest.raises(BlockedDestination, match=r"resolves to 127\.0\.0\.1"):
        await policy.check("https://evil.test/", resolver)


async def test_unresolvable_names_are_refused() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return []

    with pytest.raises(BlockedDestination, match="does not resolve"):
        await EgressPolicy().check("https://nowhere.test/", resolver)
