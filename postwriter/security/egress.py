"""Egress policy: which destinations a scrape may reach.

Only http(s), no user info, and every resolved address must be globally routable unless
`POSTWRITER_EGRESS_ALLOW` names the host, host:port, or a CIDR that holds the address.
`check_destination` returns the addresses it checked; the egress proxy
(`postwriter.security.proxy`) connects to one of those and never resolves the name again.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from postwriter.errors import BlockedDestination

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

RESOLVE_TIMEOUT_S = 5.0
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Never globally routable although Python's `is_global` says so: IPv4-compatible IPv6
# (deprecated, `::a.b.c.d`) and local-use NAT64 (RFC 8215).
_NEVER_PUBLIC = (ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}
# Characters that never belong in a `host:port` proxy target.
_AUTHORITY_FORBIDDEN = frozenset("/\\?#@%\x7f")


@dataclass(frozen=True, slots=True)
class Destination:
    scheme: str
    host: str
    port: int


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden in an IPv4-mapped, 6to4 or NAT64 IPv6 address."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    inner = embedded_ipv4(address)
    if inner is not None:
        return is_public(inner)
    if any(address in net for net in _NEVER_PUBLIC):
        return False
    return address.is_global and not address.is_multicast


class EgressPolicy:
    def __init__(self, allow: Sequence[str] = ()) -> None:
        self._hosts: set[str] = set()
        self._host_ports: set[tuple[str, int]] = set()
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for rule in allow:
            rule = rule.strip().lower()
            if "/" in rule:
                self._networks.append(ipaddress.ip_network(rule, strict=False))
            elif rule.startswith("[") or rule.count(":") == 1:
                host, _, port = rule.rpartition(":")
                self._host_ports.add((host.strip("[]"), int(port)))
            else:
                self._hosts.add(rule.strip("[]"))

    def parse(self, url: str) -> Destination:
        """Static checks that need no DNS: scheme, user info, host syntax."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise BlockedDestination(f"malformed URL: {exc}", field="url") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise BlockedDestination(f"scheme {scheme or '(none)'!r} is not allowed", field="url")
        if parts.username is not None or parts.password is not None:
            raise BlockedDestination("URLs with user info are not allowed", field="url")
        host = (parts.hostname or "").lower().rstrip(".")
        if not host:
            raise BlockedDestination("URL has no host", field="url")
        return Destination(scheme, host, port or (443 if scheme == "https" else 80))

    def _allowed(self, dest: Destination, address: IPAddress | None) -> bool:
        if dest.host in self._hosts or (dest.host, dest.port) in self._host_ports:
            return True
        if address is None:
            return False
        candidates = [address]
        inner = embedded_ipv4(address)
        if inner is not None:
            candidates.append(inner)
        return any(c in net for c in candidates for net in self._networks)

    def check_static(self, url: str) -> Destination:
        """Refuse what is visible without resolving: literal private IPs, metadata names."""
        return self.check_destination_static(self.parse(url))

    def check_destination_static(self, dest: Destination) -> Destination:
        """`check_static` for an already parsed destination."""
        literal = _literal(dest.host)
        if self._allowed(dest, literal):
            return dest
        if literal is not None and not is_public(literal):
            raise BlockedDestination(f"address {literal} is not a public address", field="url")
        if dest.host == "localhost" or dest.host.endswith(".localhost"):
            raise BlockedDestination("localhost is not allowed", field="url")
        if dest.host in _METADATA_HOSTS:
            raise BlockedDestination(f"{dest.host} is a metadata service", field="url")
        return dest

    def parse_authority(self, authority: str, scheme: str = "https") -> Destination:
        """The destination of a proxy `CONNECT host:port` target, with the static checks."""
        if not authority or any(
            c in _AUTHORITY_FORBIDDEN or not 32 < ord(c) < 127 for c in authority
        ):
            raise BlockedDestination("malformed proxy target", field="url")
        return self.check_static(f"{scheme}://{authority}/")

    async def check(self, url: str, resolver: Resolver | None = None) -> list[str]:
        """Full check: resolve the name once and refuse if any address is not allowed."""
        return await self.check_destination(self.check_static(url), resolver)

    async def check_destination(
        self, dest: Destination, resolver: Resolver | None = None
    ) -> list[str]:
        """Static checks, then resolve `dest.host` once; every address must be allowed.

        Returns the checked addresses: a caller that connects must connect to one of these,
        never to the name again (a second lookup may answer differently: DNS rebinding).
        """
        self.check_destination_static(dest)
        literal = _literal(dest.host)
        if literal is not None:
            return [str(literal)]
        addresses = await (resolver or resolve)(dest.host, dest.port)
        if not addresses:
            raise BlockedDestination(f"{dest.host} does not resolve", field="url")
        for raw in addresses:
            try:
                address = ipaddress.ip_address(raw.split("%", 1)[0])
            except ValueError:
                raise BlockedDestination(
                    f"{dest.host} resolves to something that is not an address", field="url"
                ) from None
            if not self._allowed(dest, address) and not is_public(address):
                raise BlockedDestination(
                    f"{dest.host} resolves to {address}, which is not a public address",
                    field="url",
                )
        return list(addresses)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_S):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError, UnicodeError):
        # UnicodeError: a name IDNA cannot encode (a label over 63 characters).
        raise BlockedDestination(f"{host} does not resolve", field="url") from None
    return sorted({str(info[4][0]) for info in infos})
