"""An in-process HTTP forward proxy that Chromium is pointed at: the egress guard.

Every connection the browser makes (navigations, redirects, sub-resources, WebSockets)
arrives here as `CONNECT host:port` or as an absolute-form `GET http://host/...`. The
proxy checks the target with the `EgressPolicy`, resolves the name once, and connects to
one of the addresses it checked, so a DNS answer that changes between the check and the
connect (rebinding) cannot redirect it. It listens on 127.0.0.1 only and wants a
per-instance random Basic credential, so other local processes cannot use it.

Plain http is forwarded one request per upstream connection: the request goes out with
`Connection: close` and the response comes back with `Connection: close`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hmac
import logging
import secrets
import socket
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from prometheus_client import Counter

from postwriter.errors import BlockedDestination
from postwriter.security.egress import Destination, EgressPolicy, Resolver
from postwriter.security.proxy_http import MAX_HEAD_BYTES as MAX_HEAD_BYTES
from postwriter.security.proxy_http import MAX_HEADERS as MAX_HEADERS
from postwriter.security.proxy_http import Refused as _Refused
from postwriter.security.proxy_http import RequestHead as _Head
from postwriter.security.proxy_http import (
    is_interim,
    loggable,
    origin_form_request,
    parse_request_head,
    refusal,
    response_head,
    where,
)

if TYPE_CHECKING:
    from playwright.async_api import ProxySettings

log = logging.getLogger(__name__)

EGRESS_REQUESTS = Counter(
    "postwriter_egress_requests_total",
    "Browser connections seen by the egress proxy, by decision",
    ["decision"],
)

# Chromium flags that keep every byte on the proxy. Playwright already adds
# `--proxy-bypass-list=<-loopback>` (Chromium bypasses loopback by default); repeating it
# keeps it if PLAYWRIGHT_DISABLE_FORCED_CHROMIUM_PROXIED_LOOPBACK is ever set.
CHROMIUM_PROXY_ARGS = (
    "--proxy-bypass-list=<-loopback>",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
)
MAX_RESPONSE_HEAD_BYTES = 64 * 1024
BUFFER = 64 * 1024


class EgressProxy:
    """`async with EgressProxy(policy) as proxy:`; Chromium gets `proxy.playwright_proxy()`."""

    def __init__(
        self,
        policy: EgressPolicy,
        *,
        resolver: Resolver | None = None,
        connect_timeout: float = 10.0,
        idle_timeout: float = 60.0,
        max_connections: int = 256,
        header_timeout: float = 10.0,
    ) -> None:
        self._policy = policy
        self._resolver = resolver
        self._connect_timeout = connect_timeout
        self._idle_timeout = idle_timeout
        self._header_timeout = header_timeout
        self._max_connections = max_connections
        self.username = "pw-" + secrets.token_hex(8)
        self.password = secrets.token_urlsafe(24)
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        self._expected_auth = f"Basic {token}".encode()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0
        self.allowed = 0
        self.blocked = 0
        self.unauthorized = 0
        self.invalid = 0

    @property
    def server_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def active_connections(self) -> int:
        return len(self._tasks)

    def playwright_proxy(self) -> ProxySettings:
        """The `proxy=` argument for `chromium.launch`; an empty bypass list (no exceptions)."""
        return {
            "server": self.server_url,
            "username": self.username,
            "password": self.password,
            "bypass": "",
        }

    def __repr__(self) -> str:  # never show the credential
        return f"EgressProxy(server_url={self.server_url!r})"

    async def __aenter__(self) -> EgressProxy:
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", 0, limit=MAX_HEAD_BYTES, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5.0)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5.0):
                await server.wait_closed()

    # -- one client connection ------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        upstream: asyncio.StreamWriter | None = None
        try:
            if len(self._tasks) > self._max_connections:
                raise _Refused(503, "too many connections", "overloaded")
            head = await self._read_head(reader)
            self._authorize(head)
            if head.method == "CONNECT":
                dest = self._connect_target(head)
                up_reader, upstream = await self._open(dest)
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                await self._drain(writer)
                await self._relay(reader, writer, up_reader, upstream, tunnel=True)
            else:
                dest, request = self._forward_request(head)
                up_reader, upstream = await self._open(dest)
                upstream.write(request)
                await self._drain(upstream)
                await self._relay(reader, writer, up_reader, upstream, tunnel=False)
        except _Refused as refused:
            self._count(refused.decision)
            await self._refuse(writer, refused.status, refused.reason)
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            pass  # the client or the upstream went away, or stayed idle too long
        except asyncio.CancelledError:
            # close() cancels open connections. Ending quietly keeps asyncio's stream
            # callback from logging every one of them as an error at shutdown.
            pass
        except Exception:
            log.exception("egress proxy connection failed")
        finally:
            self._tasks.discard(task)
            for w in (upstream, writer):
                if w is not None:
                    w.close()
            for w in (upstream, writer):
                if w is not None:
                    with contextlib.suppress(Exception):
                        async with asyncio.timeout(1.0):
                            await w.wait_closed()

    async def _read_head(self, reader: asyncio.StreamReader) -> _Head:
        try:
            async with asyncio.timeout(self._header_timeout):
                raw = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise _Refused(431, "request head too large", "invalid") from None
        except asyncio.IncompleteReadError as exc:
            if len(exc.partial) >= MAX_HEAD_BYTES:
                raise _Refused(431, "request head too large", "invalid") from None
            raise
        # A head that does not come in time (an unused preconnect, a stalled client) gets
        # no answer: the TimeoutError closes the connection quietly.
        return parse_request_head(raw)

    def _authorize(self, head: _Head) -> None:
        given = (head.get("proxy-authorization") or "").encode("ascii", "replace")
        if not hmac.compare_digest(given, self._expected_auth):
            raise _Refused(407, "proxy authentication required", "unauthorized")

    def _connect_target(self, head: _Head) -> Destination:
        host, sep, port = head.target.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise _Refused(400, "CONNECT wants host:port", "invalid")
        try:
            return self._policy.parse_authority(head.target, "https")
        except BlockedDestination as exc:
            raise self._blocked(loggable(head.target), exc) from None

    def _forward_request(self, head: _Head) -> tuple[Destination, bytes]:
        """The checked destination and the origin-form request head to send upstream."""
        target = head.target
        if not target.lower().startswith("http://"):
            raise _Refused(400, "only CONNECT and absolute http:// requests", "invalid")
        try:
            dest = self._policy.check_static(target)
            parts = urlsplit(target)
        except (BlockedDestination, ValueError) as exc:
            raise self._blocked(where(target), exc) from None
        return dest, origin_form_request(head, parts)

    def _blocked(self, where: str, exc: BlockedDestination | ValueError) -> _Refused:
        reason = exc.message if isinstance(exc, BlockedDestination) else "malformed URL"
        log.warning("egress blocked", extra={"host": where, "reason": reason})
        return _Refused(403, f"blocked by the egress policy: {reason}", "blocked")

    async def _open(self, dest: Destination) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Resolve once, check every address, connect to one of the checked addresses."""
        where = f"{dest.host}:{dest.port}"
        try:
            async with asyncio.timeout(self._connect_timeout):
                addresses = await self._policy.check_destination(dest, self._resolver)
        except BlockedDestination as exc:
            raise self._blocked(where, exc) from None
        except TimeoutError:
            raise _Refused(504, "name resolution timed out", "error") from None
        self._count("allowed")
        last = "no address"
        for address in addresses:
            try:
                async with asyncio.timeout(self._connect_timeout):
                    # AI_NUMERICHOST: the checked literal is used as is, never looked up.
                    return await asyncio.open_connection(
                        address,
                        dest.port,
                        limit=MAX_RESPONSE_HEAD_BYTES,
                        flags=socket.AI_NUMERICHOST,
                    )
            except (OSError, TimeoutError) as exc:
                last = type(exc).__name__
        log.info("egress upstream unreachable", extra={"host": where, "reason": last})
        raise _Refused(502, f"could not connect to {where}", "error")

    # -- relaying -------------------------------------------------------------------------

    async def _relay(
        self,
        client_r: asyncio.StreamReader,
        client_w: asyncio.StreamWriter,
        up_r: asyncio.StreamReader,
        up_w: asyncio.StreamWriter,
        *,
        tunnel: bool,
    ) -> None:
        loop = asyncio.get_running_loop()
        last = [loop.time()]
        down = (
            self._pipe(up_r, client_w, last, half_close=True)
            if tunnel
            else self._response(up_r, client_w, last)
        )
        up_task = asyncio.create_task(self._pipe(client_r, up_w, last, half_close=tunnel))
        down_task = asyncio.create_task(down)
        tasks = {up_task, down_task}
        try:
            if tunnel:
                await asyncio.gather(*tasks)
            else:
                await down_task  # the response is the end of a forwarded request
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _pipe(
        self,
        src: asyncio.StreamReader,
        dst: asyncio.StreamWriter,
        last: list[float],
        *,
        half_close: bool,
    ) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                async with asyncio.timeout(self._idle_timeout):
                    data = await src.read(BUFFER)
            except TimeoutError:
                if loop.time() - last[0] < self._idle_timeout:
                    continue  # the other direction is busy
                raise
            if not data:
                if half_close and dst.can_write_eof() and not dst.is_closing():
                    with contextlib.suppress(OSError):
                        dst.write_eof()
                return
            last[0] = loop.time()
            dst.write(data)
            await self._drain(dst)

    async def _response(
        self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, last: list[float]
    ) -> None:
        """Pass the response on with `Connection: close`, interim (1xx) heads as they are."""
        while True:
            try:
                async with asyncio.timeout(self._idle_timeout):
                    raw = await src.readuntil(b"\r\n\r\n")
            except (asyncio.LimitOverrunError, asyncio.IncompleteReadError):
                raise _Refused(502, "malformed upstream response", "error") from None
            except TimeoutError:
                raise _Refused(504, "the upstream did not answer in time", "error") from None
            code, out = response_head(raw)
            dst.write(out)
            await self._drain(dst)
            if is_interim(code):
                continue
            last[0] = asyncio.get_running_loop().time()
            await self._pipe(src, dst, last, half_close=False)
            return

    async def _drain(self, writer: asyncio.StreamWriter) -> None:
        async with asyncio.timeout(self._idle_timeout):
            await writer.drain()

    async def _refuse(self, writer: asyncio.StreamWriter, status: int, reason: str) -> None:
        data = refusal(status, reason)
        with contextlib.suppress(ConnectionError, TimeoutError, RuntimeError):
            writer.write(data)
            await self._drain(writer)

    def _count(self, decision: str) -> None:
        if decision in ("allowed", "blocked", "unauthorized", "invalid"):
            setattr(self, decision, getattr(self, decision) + 1)
        EGRESS_REQUESTS.labels(decision=decision).inc()
