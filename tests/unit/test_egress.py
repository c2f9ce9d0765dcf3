from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
from collections.abc import AsyncIterator

import pytest

from postwriter.errors import BlockedDestination
from postwriter.security.egress import EgressPolicy, embedded_ipv4, is_public
from postwriter.security.proxy import EgressProxy
from tests.fixtures.canary import Canary


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
    assert not is_public(ipaddress.ip_address("2002:7f00:1::"))


@pytest.mark.parametrize(
    "address", ["::7f00:1", "::a9fe:a9fe", "64:ff9b:1::808:808", "::", "0.0.0.0", "fd00::1"]
)
def test_never_public_ipv6_forms(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


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


@pytest.mark.parametrize(
    "authority", ["", "a/b:443", "user@host:443", "host:443#x", "ho st:443", "h\u00e9:443"]
)
def test_proxy_targets_must_be_plain_authorities(authority: str) -> None:
    with pytest.raises(BlockedDestination):
        EgressPolicy().parse_authority(authority)


async def test_check_destination_returns_the_checked_addresses() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return {"intranet.test": ["10.0.0.7"], "bad.test": ["not-an-ip"]}[host]

    policy = EgressPolicy(["10.0.0.0/8"])
    dest = policy.parse_authority("intranet.test:8443")
    assert (dest.host, dest.port) == ("intranet.test", 8443)
    assert await policy.check_destination(dest, resolver) == ["10.0.0.7"]
    with pytest.raises(BlockedDestination, match="not an address"):
        await policy.check_destination(policy.parse_authority("bad.test:1"), resolver)


# -- the egress proxy, driven by a raw client (no browser) --------------------------------


def _auth(proxy: EgressProxy, password: str | None = None) -> str:
    token = f"{proxy.username}:{password or proxy.password}".encode()
    return "Proxy-Authorization: Basic " + base64.b64encode(token).decode() + "\r\n"


async def _send(
    proxy: EgressProxy, head: str | bytes
) -> tuple[int, dict[str, str], asyncio.StreamReader, asyncio.StreamWriter]:
    """Send a request head to the proxy; the status and headers of its answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(head.encode() if isinstance(head, str) else head)
    async with asyncio.timeout(5):
        raw = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = raw.decode("latin-1").split("\r\n")[:-2]
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines)}
    return int(status_line.split(" ")[1]), headers, reader, writer


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


@contextlib.asynccontextmanager
async def _echo(host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[tuple[str, int]]:
    """A TCP server that echoes what it reads: the tunnels' far end."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(4096):
                writer.write(b"echo:" + data)
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, host, port)
    try:
        yield host, server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@contextlib.asynccontextmanager
async def _http(heads: list[bytes]) -> AsyncIterator[int]:
    """A one-response HTTP server that records the request heads it receives."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        heads.append(await reader.readuntil(b"\r\n\r\n"))
        body = await reader.read(4)  # the test sends a 4-byte body
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nKeep-Alive: timeout=5\r\n"
            b"Connection: keep-alive\r\nContent-Length: 7\r\n\r\nbody:" + body[:2]
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def test_proxy_tunnels_to_an_allowed_destination() -> None:
    async with _echo() as (host, port), EgressProxy(EgressPolicy([f"{host}:{port}"])) as proxy:
        status, _, reader, writer = await _send(
            proxy, f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n{_auth(proxy)}\r\n"
        )
        assert status == 200
        writer.write(b"ping")
        async with asyncio.timeout(5):
            assert await reader.readexactly(9) == b"echo:ping"
        await _close(writer)
        assert (proxy.allowed, proxy.blocked) == (1, 0)


async def test_proxy_refuses_blocked_tunnels_without_connecting() -> None:
    async with Canary() as canary, EgressProxy(EgressPolicy()) as proxy:
        for target in (
            f"127.0.0.1:{canary.port}",
            f"[::1]:{canary.port}",
            f"[::ffff:127.0.0.1]:{canary.port}",
            f"localhost:{canary.port}",
            "169.254.169.254:80",
        ):
            status, headers, _, writer = await _send(
                proxy, f"CONNECT {target} HTTP/1.1\r\n{_auth(proxy)}\r\n"
            )
            await _close(writer)
            assert status == 403, target
            assert headers["x-postwriter-egress"] == "blocked"
        assert proxy.blocked == 5 and proxy.allowed == 0
        assert canary.touched == 0


async def test_proxy_forwards_plain_http_to_the_checked_address() -> None:
    heads: list[bytes] = []
    async with _http(heads) as port, EgressProxy(EgressPolicy([f"127.0.0.1:{port}"])) as proxy:
        status, headers, reader, writer = await _send(
            proxy,
            f"POST http://127.0.0.1:{port}/path?q=1 HTTP/1.1\r\nHost: wrong.test\r\n"
            f"{_auth(proxy)}Proxy-Connection: keep-alive\r\nConnection: X-Secret\r\n"
            "X-Secret: hop\r\nX-Kept: yes\r\nCookie: caf\u00e9=1\r\n"
            "Content-Length: 4\r\n\r\nabcd",
        )
        async with asyncio.timeout(5):
            body = await reader.read()
        await _close(writer)
    assert status == 200 and body == b"body:ab"
    assert headers["connection"] == "close" and "keep-alive" not in headers
    sent = heads[0].decode()
    assert sent.startswith("POST /path?q=1 HTTP/1.1\r\n")
    assert f"Host: 127.0.0.1:{port}\r\n" in sent and "wrong.test" not in sent
    assert "X-Kept: yes" in sent and "Connection: close" in sent
    assert "Cookie: caf\u00e9=1\r\n" in sent  # UTF-8 bytes passed on as they came
    for hop in ("Proxy-Authorization", "Proxy-Connection", "X-Secret", proxy.password):
        assert hop not in sent


@pytest.mark.parametrize("password", [None, "wrong"])
async def test_proxy_wants_its_own_credential(password: str | None) -> None:
    async with Canary() as canary, EgressProxy(EgressPolicy([f"127.0.0.1:{canary.port}"])) as proxy:
        auth = "" if password is None else _auth(proxy, password)
        status, headers, _, writer = await _send(
            proxy, f"GET http://127.0.0.1:{canary.port}/ HTTP/1.1\r\n{auth}\r\n"
        )
        await _close(writer)
        assert status == 407 and headers["proxy-authenticate"].startswith("Basic ")
        assert proxy.unauthorized == 1 and canary.touched == 0
        assert proxy.password not in repr(proxy)


@pytest.mark.parametrize(
    ("head", "status"),
    [
        ("GET / HTTP/1.1\r\nX-Big: " + "a" * 20_000 + "\r\n\r\n", 431),
        ("GET /\r\n\r\n", 400),
        ("GET http://example.com/ HTTP/1.1\r\nbad header\r\n\r\n", 400),
        ("GET http://example.com/ HTTP/1.1\r\nX-Bad: a\x00b\r\n\r\n", 400),
        ("GET http://example.com/ HTTP/1.1\r\n folded: x\r\n\r\n", 400),
        ("GET https://example.com/ HTTP/1.1\r\n{auth}\r\n", 400),
        ("GET ftp://example.com/ HTTP/1.1\r\n{auth}\r\n", 400),
        ("CONNECT example.com HTTP/1.1\r\n{auth}\r\n", 400),
        ("GET http://user:pw@example.com/ HTTP/1.1\r\n{auth}\r\n", 403),
        ("CONNECT user@example.com:443 HTTP/1.1\r\n{auth}\r\n", 403),
    ],
)
async def test_proxy_refuses_malformed_requests(
    head: str, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    async with EgressProxy(EgressPolicy()) as proxy:
        got, _, _, writer = await _send(proxy, head.replace("{auth}", _auth(proxy)))
        await _close(writer)
    assert got == status
    hosts = " ".join(str(getattr(r, "host", "")) for r in caplog.records)
    assert "user" not in hosts and "pw" not in hosts  # the user info is never logged
    assert proxy.password not in " ".join(str(vars(r)) for r in caplog.records)


async def test_proxy_closes_quietly_when_no_request_comes() -> None:
    async with EgressProxy(EgressPolicy(), header_timeout=0.2) as proxy:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        async with asyncio.timeout(5):
            assert await reader.read() == b""
        await _close(writer)
        assert proxy.active_connections == 0


async def test_proxy_refuses_a_name_with_one_private_address() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "127.0.0.1"]

    async with Canary() as canary, EgressProxy(EgressPolicy(), resolver=resolver) as proxy:
        for head in (
            f"CONNECT mixed.test:{canary.port} HTTP/1.1\r\n{_auth(proxy)}\r\n",
            f"GET http://mixed.test:{canary.port}/ HTTP/1.1\r\n{_auth(proxy)}\r\n",
        ):
            status, _, _, writer = await _send(proxy, head)
            await _close(writer)
            assert status == 403
        assert canary.touched == 0 and proxy.blocked == 2


async def test_proxy_connects_to_the_address_it_checked_not_a_second_answer() -> None:
    """DNS rebinding: the first answer is allowed, a second would be the canary."""
    calls: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.2"] if len(calls) == 1 else ["127.0.0.1"]

    async with Canary() as canary, _echo("127.0.0.2", canary.port) as (_, port):
        policy = EgressPolicy(["127.0.0.2/32"])
        async with EgressProxy(policy, resolver=resolver) as proxy:
            head = f"CONNECT rebind.test:{port} HTTP/1.1\r\n{_auth(proxy)}\r\n"
            status, _, reader, writer = await _send(proxy, head)
            assert status == 200
            writer.write(b"hi")
            async with asyncio.timeout(5):
                assert await reader.readexactly(7) == b"echo:hi"
            await _close(writer)
            assert calls == ["rebind.test"]
            # The next request resolves again, sees loopback and is refused.
            status, _, _, writer = await _send(proxy, head)
            await _close(writer)
            assert status == 403
        assert canary.touched == 0


async def test_proxy_close_ends_open_tunnels() -> None:
    async with _echo() as (host, port):
        proxy = EgressProxy(EgressPolicy([f"{host}:{port}"]), idle_timeout=60)
        async with proxy:
            status, _, reader, writer = await _send(
                proxy, f"CONNECT {host}:{port} HTTP/1.1\r\n{_auth(proxy)}\r\n"
            )
            assert status == 200 and proxy.active_connections == 1
        async with asyncio.timeout(5):
            assert await reader.read() == b""
        assert proxy.active_connections == 0
        await _close(writer)


async def test_proxy_limits_connections() -> None:
    async with (
        _echo() as (host, port),
        EgressProxy(EgressPolicy([f"{host}:{port}"]), max_connections=1) as proxy,
    ):
        head = f"CONNECT {host}:{port} HTTP/1.1\r\n{_auth(proxy)}\r\n"
        first, _, _, w1 = await _send(proxy, head)
        second, _, _, w2 = await _send(proxy, head)
        await _close(w1)
        await _close(w2)
    assert (first, second) == (200, 503)
