"""One webhook POST: through the egress policy, with a timeout, never following redirects.

The URL is checked statically before each request (scheme, user info, literal addresses,
metadata names). A host name is resolved by `EgressResolver`, which returns only addresses
the policy allows, so the connection goes to an address that was checked, never to a
second lookup's answer (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from postwriter.errors import BlockedDestination
from postwriter.security.egress import Destination, EgressPolicy, Resolver

from .retry import retry_after_seconds

MAX_EXCERPT_CHARS = 200
MAX_CONNECTIONS = 100


class EgressResolver(AbstractResolver):
    """Resolves a name once, through the egress policy: only allowed addresses come back.

    `lookup` replaces the system resolver (tests give names that real DNS does not know).
    """

    def __init__(self, policy: EgressPolicy, lookup: Resolver | None = None) -> None:
        self._policy = policy
        self._lookup = lookup

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        dest = Destination("https", host.lower().rstrip("."), port)
        try:
            addresses = await self._policy.check_destination(dest, self._lookup)
        except BlockedDestination as exc:
            # aiohttp wraps OSError into ClientConnectorError; keep the policy's reason.
            raise BlockedConnection(exc.message) from None
        except ValueError:
            raise BlockedConnection(f"{host[:100]} is not a name that can be resolved") from None
        results: list[ResolveResult] = []
        for raw in addresses:
            address = ipaddress.ip_address(raw.split("%", 1)[0])
            results.append(
                ResolveResult(
                    hostname=host,
                    host=str(address),
                    port=port,
                    family=socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                    proto=0,
                    flags=socket.AI_NUMERICHOST,
                )
            )
        return results

    async def close(self) -> None:
        return None


class BlockedConnection(OSError):
    """Raised inside aiohttp's connector when the policy refuses every address."""


@dataclass(frozen=True, slots=True)
class AttemptResult:
    ok: bool
    # "http_error", "timeout", "connection_error", "blocked_destination"; None when ok.
    error: str | None
    status_code: int | None
    message: str | None
    duration_s: float
    retry_after_s: float | None = None

    @property
    def permanent(self) -> bool:
        """Failures that no retry can fix (the policy refuses the destination)."""
        return self.error == "blocked_destination"


class Sender:
    """Owns the HTTP client session for webhook POSTs; use as an async context manager."""

    def __init__(
        self, policy: EgressPolicy, timeout_s: float, lookup: Resolver | None = None
    ) -> None:
        self._policy = policy
        self._lookup = lookup
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Sender:
        connector = aiohttp.TCPConnector(
            resolver=EgressResolver(self._policy, self._lookup),
            use_dns_cache=False,
            limit=MAX_CONNECTIONS,
        )
        # trust_env=False: no proxy from the environment may route around the policy.
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._timeout,
            trust_env=False,
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> AttemptResult:
        """POST `body`; 2xx is success. Never raises for the receiver's or the network's faults."""
        session = self._session
        if session is None:
            raise RuntimeError("Sender used outside `async with`")
        started = time.perf_counter()
        try:
            self._policy.check_static(url)
        except BlockedDestination as exc:
            return AttemptResult(False, "blocked_destination", None, exc.message, 0.0)
        try:
            async with session.post(
                url, data=body, headers=dict(headers), allow_redirects=False
            ) as response:
                excerpt = None
                if not 200 <= response.status < 300:
                    raw = await response.content.read(MAX_EXCERPT_CHARS)
                    excerpt = raw.decode("utf-8", "replace").strip() or None
                elapsed = time.perf_counter() - started
                if 200 <= response.status < 300:
                    return AttemptResult(True, None, response.status, None, elapsed)
                retry_after = retry_after_seconds(
                    response.headers.get("Retry-After"), datetime.now(UTC)
                )
                return AttemptResult(
                    False, "http_error", response.status, excerpt, elapsed, retry_after
                )
        except TimeoutError:
            return AttemptResult(
                False, "timeout", None, "no answer in time", time.perf_counter() - started
            )
        except aiohttp.ClientConnectorError as exc:
            elapsed = time.perf_counter() - started
            if isinstance(exc.os_error, BlockedConnection):
                return AttemptResult(False, "blocked_destination", None, str(exc.os_error), elapsed)
            return AttemptResult(False, "connection_error", None, _describe(exc), elapsed)
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            elapsed = time.perf_counter() - started
            return AttemptResult(False, "connection_error", None, _describe(exc), elapsed)


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text[:MAX_EXCERPT_CHARS]
