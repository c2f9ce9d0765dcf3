"""HTTP/1.1 heads for the egress proxy: parsing requests, rewriting heads, refusals.

Pure byte/text helpers with no I/O; `postwriter.security.proxy` reads and writes the
streams. Request heads are decoded as Latin-1 so every byte survives (cookies may carry
UTF-8); the request line and header names must be printable ASCII, values free of control
characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import SplitResult, urlsplit

MAX_HEAD_BYTES = 16 * 1024
MAX_HEADERS = 100
# Headers that belong to one hop; never forwarded (Transfer-Encoding is kept: the body is
# relayed as it comes, so its framing must stay with it).
HOP_BY_HOP = frozenset(("connection", "keep-alive", "te", "trailer", "upgrade")) | {
    "proxy-authenticate", "proxy-authorization", "proxy-connection",
}  # fmt: skip
_CONTROLS = frozenset(chr(c) for c in (*range(0, 9), *range(10, 32), 127))


class Refused(Exception):
    """Answer the client with `status` and a short plain-text reason, then close."""

    def __init__(self, status: int, reason: str, decision: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.decision = decision


@dataclass(frozen=True, slots=True)
class RequestHead:
    method: str
    target: str
    headers: list[tuple[str, str]]

    def get(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)


def parse_request_head(raw: bytes) -> RequestHead:
    """A request head ending in CRLF CRLF; `Refused` (400/431) when it is malformed."""
    lines = raw[:-4].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if (
        len(parts) != 3
        or not parts[0].isascii()
        or not parts[0].isalpha()
        or not printable(parts[1])
        or parts[2] not in ("HTTP/1.1", "HTTP/1.0")
    ):
        raise Refused(400, "malformed request line", "invalid")
    if len(lines) - 1 > MAX_HEADERS:
        raise Refused(431, "too many headers", "invalid")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not printable(name) or any(c in _CONTROLS for c in value):
            raise Refused(400, "malformed header", "invalid")
        headers.append((name, value.strip(" \t")))
    return RequestHead(parts[0].upper(), parts[1], headers)


def origin_form_request(head: RequestHead, parts: SplitResult) -> bytes:
    """The origin-form request head to send upstream: hop-by-hop headers (and any the
    client listed in Connection) dropped, Host from the URL, `Connection: close`."""
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    listed = {
        token.strip().lower()
        for value in (head.get("connection") or "", head.get("proxy-connection") or "")
        for token in value.split(",")
    }
    lines = [f"{head.method} {path} HTTP/1.1", f"Host: {parts.netloc}"]
    for name, value in head.headers:
        low = name.lower()
        if low in HOP_BY_HOP or low in listed or low == "host":
            continue
        lines.append(f"{name}: {value}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def response_head(raw: bytes) -> tuple[int, bytes]:
    """The status code of an upstream response head and the head to pass on: interim (1xx
    but 101) heads as they are, the final one without hop-by-hop headers and with
    `Connection: close`. `Refused` (502) when the status line is malformed."""
    status_line, *header_lines = raw[:-4].split(b"\r\n")
    status = status_line.split(b" ", 2)
    if len(status) < 2 or not status[1].isdigit():
        raise Refused(502, "malformed upstream response", "error")
    code = int(status[1])
    if is_interim(code):
        return code, raw
    kept = [
        line
        for line in header_lines
        if line.split(b":", 1)[0].strip().lower().decode("latin-1") not in HOP_BY_HOP
    ]
    return code, b"\r\n".join([status_line, *kept, b"Connection: close"]) + b"\r\n\r\n"


def is_interim(code: int) -> bool:
    """A 1xx response other than 101 Switching Protocols: a final response follows."""
    return 100 <= code < 200 and code != 101


def refusal(status: int, reason: str) -> bytes:
    """The whole plain-text response the proxy answers a refused request with."""
    body = (reason + "\n").encode()
    head = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
        "Content-Type: text/plain; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Cache-Control: no-store",
        "Connection: close",
    ]
    if status == 407:
        head.append('Proxy-Authenticate: Basic realm="postwriter-egress"')
    if status == 403:
        head.append("X-PostWriter-Egress: blocked")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def printable(text: str) -> bool:
    """Non-empty visible ASCII, no spaces."""
    return bool(text) and all(32 < ord(c) < 127 for c in text)


def where(target: str) -> str:
    """`host:port` of an absolute URL for logs; never the user info or the path."""
    try:
        parts = urlsplit(target)
        return loggable(f"{parts.hostname or '?'}:{parts.port or 80}")
    except ValueError:
        return "?"


def loggable(authority: str) -> str:
    """A `host:port` fit for a log line: no user info, printable, bounded."""
    text = authority.rpartition("@")[2][:260]
    return "".join(c if 32 < ord(c) < 127 else "?" for c in text)
