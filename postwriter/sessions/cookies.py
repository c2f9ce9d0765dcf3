"""Cookie files in, one validated cookie shape out: the shape Playwright's `add_cookies` takes.

Three formats are read: Playwright's `storage_state` JSON, the JSON list that cookie
extensions (EditThisCookie, Cookie-Editor) export, and Netscape `cookies.txt`. Every error
names the format, the place (item index or line number) and the problem; none of them
echoes a cookie value, or any field that could hold one after a column shift.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, TypedDict

from postwriter.errors import InvalidCookieFile

log = logging.getLogger(__name__)

SameSite = Literal["Strict", "Lax", "None"]
FORMATS = ("auto", "storage_state", "extension_json", "netscape")
MAX_FILE_BYTES = 1024 * 1024
MAX_COOKIES = 500
MAX_NAME_VALUE_BYTES = 4096
SESSION = -1.0


class Cookie(TypedDict):
    """One cookie, keyed exactly as `BrowserContext.add_cookies` expects (domain + path form).

    `domain` starting with "." applies to subdomains; without it the cookie is host-only.
    `expires` is Unix seconds, or -1 for a session cookie.
    """

    name: str
    value: str
    domain: str
    path: str
    expires: float
    httpOnly: bool
    secure: bool
    sameSite: SameSite


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_SAME_SITE: dict[str, SameSite] = {
    "strict": "Strict",
    "lax": "Lax",
    "none": "None",
    "no_restriction": "None",
    "unspecified": "Lax",
}


def _fail(message: str) -> InvalidCookieFile:
    return InvalidCookieFile(message, field="cookies")


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _valid_domain(domain: str) -> bool:
    host = domain[1:] if domain.startswith(".") else domain
    if not host or len(host) > 253:
        return False
    return all(_LABEL.fullmatch(label) for label in host.split("."))


class _Collector:
    """Validates cookies one by one; keeps the last of duplicates (as a browser would)."""

    def __init__(self, fmt: str, now: float) -> None:
        self.fmt = fmt
        self.now = now
        self.cookies: dict[tuple[str, str, str], Cookie] = {}
        self.expired = 0

    def add(
        self,
        where: str,
        *,
        name: str,
        value: str,
        domain: str,
        path: str,
        expires: float,
        http_only: bool,
        secure: bool,
        same_site: SameSite,
    ) -> None:
        prefix = f"{self.fmt}{where}"
        if not name:
            raise _fail(f"{prefix}: the cookie name is empty")
        if _CONTROL.search(name) or ";" in name or "=" in name:
            raise _fail(f"{prefix}: the cookie name contains a control character, ';' or '='")
        if _CONTROL.search(value) or ";" in value:
            raise _fail(f"{prefix}: the cookie value contains a control character or ';'")
        if len(name.encode()) + len(value.encode()) > MAX_NAME_VALUE_BYTES:
            raise _fail(f"{prefix}: name and value exceed {MAX_NAME_VALUE_BYTES} bytes")
        domain = domain.strip().lower()
        if not _valid_domain(domain):
            raise _fail(f"{prefix}: the domain is not a host name (no scheme, port or path)")
        if not path.startswith("/") or _CONTROL.search(path) or len(path) > 1024:
            raise _fail(f"{prefix}: the path must start with '/' (at most 1024 characters)")
        if not math.isfinite(expires):
            raise _fail(f"{prefix}: the expiry is not a finite number")
        if expires <= 0:
            expires = SESSION
        elif expires <= self.now:
            self.expired += 1
            return
        if same_site == "None" and not secure:
            # Chromium drops SameSite=None cookies that are not Secure; keep it as Lax.
            same_site = "Lax"
        self.cookies.pop((name, domain, path), None)
        self.cookies[(name, domain, path)] = Cookie(
            name=name,
            value=value,
            domain=domain,
            path=path,
            expires=float(expires),
            httpOnly=http_only,
            secure=secure,
            sameSite=same_site,
        )


_MISSING = object()


def _get(item: Mapping[str, object], key: str, where: str, default: object) -> object:
    value = item.get(key)
    if value is None:
        if default is _MISSING:
            raise _fail(f"{where}.{key} missing")
        return default
    return value


def _str(item: Mapping[str, object], key: str, where: str, default: object = _MISSING) -> str:
    value = _get(item, key, where, default)
    if not isinstance(value, str):
        raise _fail(f"{where}.{key} must be a string, got {_json_type(value)}")
    return value


def _bool(item: Mapping[str, object], key: str, where: str, default: bool) -> bool:
    value = _get(item, key, where, default)
    if not isinstance(value, bool):
        raise _fail(f"{where}.{key} must be true or false, got {_json_type(value)}")
    return value


def _num(item: Mapping[str, object], key: str, where: str, default: object = _MISSING) -> float:
    value = _get(item, key, where, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"{where}.{key} must be a number, got {_json_type(value)}")
    return float(value)


def _same_site(raw: str | None, where: str) -> SameSite:
    if raw is None:
        return "Lax"
    same_site = _SAME_SITE.get(raw.strip().lower())
    if same_site is None:
        raise _fail(f"{where}.sameSite must be Strict, Lax, None, no_restriction or unspecified")
    return same_site


def _load_json(text: str, fmt: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(
            f"{fmt}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise _fail(f"{fmt}: JSON nested too deeply") from None


def _check_count(items: Sequence[object], fmt: str) -> None:
    if not items:
        raise _fail(f"{fmt}: the file holds no cookies")
    if len(items) > MAX_COOKIES:
        raise _fail(f"{fmt}: {len(items)} cookies; at most {MAX_COOKIES} per session")


def _parse_storage_state(text: str, out: _Collector) -> None:
    doc = _load_json(text, "storage_state")
    if not isinstance(doc, dict) or not isinstance(doc.get("cookies"), list):
        raise _fail("storage_state: expected an object with a 'cookies' list")
    items: list[object] = doc["cookies"]
    _check_count(items, "storage_state")
    for index, item in enumerate(items):
        where = f"storage_state: cookies[{index}]"
        if not isinstance(item, dict):
            raise _fail(f"{where} must be an object, got {_json_type(item)}")
        out.add(
            f": cookies[{index}]",
            name=_str(item, "name", where),
            value=_str(item, "value", where),
            domain=_str(item, "domain", where),
            path=_str(item, "path", where, "/"),
            expires=_num(item, "expires", where, SESSION),
            http_only=_bool(item, "httpOnly", where, False),
            secure=_bool(item, "secure", where, False),
            same_site=_same_site(_str(item, "sameSite", where, "Lax"), where),
        )


def _parse_extension_json(text: str, out: _Collector) -> None:
    doc = _load_json(text, "extension_json")
    if not isinstance(doc, list):
        raise _fail("extension_json: expected a list of cookie objects")
    _check_count(doc, "extension_json")
    for index, item in enumerate(doc):
        where = f"extension_json: [{index}]"
        if not isinstance(item, dict):
            raise _fail(f"{where} must be an object, got {_json_type(item)}")
        domain = _str(item, "domain", where).strip()
        host_only = item.get("hostOnly")
        if host_only is True:
            domain = domain.lstrip(".")
        elif host_only is False and not domain.startswith("."):
            domain = "." + domain
        session = _bool(item, "session", where, "expirationDate" not in item)
        expires = SESSION if session else _num(item, "expirationDate", where)
        raw_same_site = item.get("sameSite")
        if raw_same_site is not None and not isinstance(raw_same_site, str):
            raise _fail(f"{where}.sameSite must be a string, got {_json_type(raw_same_site)}")
        out.add(
            f": [{index}]",
            name=_str(item, "name", where),
            value=_str(item, "value", where),
            domain=domain,
            path=_str(item, "path", where, "/"),
            expires=expires,
            http_only=_bool(item, "httpOnly", where, False),
            secure=_bool(item, "secure", where, False),
            same_site=_same_site(raw_same_site, where),
        )


def _flag(raw: str, where: str, what: str) -> bool:
    value = raw.strip().upper()
    if value not in ("TRUE", "FALSE"):
        raise _fail(f"{where}: field {what} must be TRUE or FALSE")
    return value == "TRUE"


def _parse_netscape(text: str, out: _Collector) -> None:
    lines = text.split("\n")
    entries = []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        http_only = line.startswith("#HttpOnly_")
        if http_only:
            line = line[len("#HttpOnly_") :]
        elif not line.strip() or line.lstrip().startswith("#"):
            continue
        entries.append((number, line, http_only))
    _check_count(entries, "netscape")
    for number, line, http_only in entries:
        where = f"netscape line {number}"
        fields = line.split("\t")
        if len(fields) != 7:
            hint = " (were the tabs replaced by spaces?)" if len(fields) == 1 else ""
            raise _fail(f"{where}: expected 7 tab-separated fields, found {len(fields)}{hint}")
        domain, subdomains, path, secure, expiry, name, value = fields
        include_subdomains = _flag(subdomains, where, "2 (include subdomains)")
        domain = domain.strip().lstrip(".")
        if include_subdomains:
            domain = "." + domain
        try:
            expires = float(int(expiry.strip()))
        except ValueError:
            raise _fail(f"{where}: field 5 (expiry) must be a whole number of seconds") from None
        out.add(
            f" line {number}",
            name=name,
            value=value,
            domain=domain,
            path=path,
            expires=expires,
            http_only=http_only,
            secure=_flag(secure, where, "4 (secure)"),
            same_site="Lax",
        )


_PARSERS: dict[str, Callable[[str, _Collector], None]] = {
    "storage_state": _parse_storage_state,
    "extension_json": _parse_extension_json,
    "netscape": _parse_netscape,
}


def detect_format(text: str) -> str:
    """`storage_state` for a JSON object, `extension_json` for a JSON list, else `netscape`."""
    head = text.lstrip()
    if head.startswith("{"):
        return "storage_state"
    if head.startswith("["):
        return "extension_json"
    first = head.split("\n", 1)[0]
    if first.startswith("#") or "\t" in first:
        return "netscape"
    raise _fail(
        "unrecognised cookie file: expected Playwright storage_state JSON (an object with "
        "'cookies'), a browser-extension JSON export (a list of cookies) or a Netscape "
        "cookies.txt (tab-separated lines)"
    )


def parse_cookies(data: bytes, fmt: str = "auto", *, now: float | None = None) -> list[Cookie]:
    """Parse and validate a cookie file; raises `InvalidCookieFile` naming the problem.

    Expired cookies are dropped (a browser would drop them too); a file with no cookie
    left, more than `MAX_COOKIES` cookies or more than `MAX_FILE_BYTES` bytes is refused.
    """
    if fmt not in FORMATS:
        raise InvalidCookieFile(
            f"unknown cookie format {fmt[:40]!r}; expected one of {', '.join(FORMATS)}",
            field="format",
        )
    if len(data) > MAX_FILE_BYTES:
        raise _fail(f"the cookie file is {len(data)} bytes; the limit is {MAX_FILE_BYTES} (1 MiB)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(f"the cookie file is not UTF-8 text (bad byte at offset {exc.start})") from None
    if not text.strip():
        raise _fail("the cookie file is empty")
    chosen = detect_format(text) if fmt == "auto" else fmt
    out = _Collector(chosen, time.time() if now is None else now)
    _PARSERS[chosen](text, out)
    if not out.cookies:
        raise _fail(f"{chosen}: every cookie in the file has expired ({out.expired})")
    if out.expired:
        log.info("skipped expired cookies", extra={"format": chosen, "expired": out.expired})
    return list(out.cookies.values())


def cookie_domains(cookies: Sequence[Cookie]) -> list[str]:
    """The sorted unique domains, without the leading dot."""
    return sorted({c["domain"].lstrip(".") for c in cookies})


def earliest_expiry(cookies: Sequence[Cookie]) -> float | None:
    """The first moment a persistent cookie expires (Unix seconds); None if all are session."""
    persistent = [c["expires"] for c in cookies if c["expires"] > 0]
    return min(persistent) if persistent else None
