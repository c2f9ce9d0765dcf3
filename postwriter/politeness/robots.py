"""robots.txt, fetched once per origin and cached in MongoDB for every consumer.

Semantics (RFC 9309): a 2xx answer is parsed (the first 500 KiB); 3xx left over after the
fetcher's own redirects, and 4xx other than 429, mean "no robots.txt": everything is
allowed. 5xx, 429, timeouts and network errors mean "unreachable": everything is
disallowed for `error_ttl_s`, unless a parsed copy younger than `stale_max_s` is cached, which
then stays in force. Parsed and 4xx answers are kept for `ttl_s` (24 h).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from protego import Protego
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from postwriter.errors import PostWriterError, RobotsDisallowed

log = logging.getLogger(__name__)

Document = dict[str, Any]
Fetch = Callable[[str], Awaitable[tuple[int, str]]]
Clock = Callable[[], float]

MAX_BODY_CHARS = 500 * 1024
ALLOW_ALL = "allow_all"
DISALLOW_ALL = "disallow_all"
PARSE = "parse"


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of an http(s) URL, lowercased, default ports dropped."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"robots.txt applies to http(s) URLs only, not {url[:80]!r}")
    host = parts.hostname.rstrip(".").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def rule_for_status(status: int) -> str:
    """What an answer without a usable body means: PARSE, ALLOW_ALL or DISALLOW_ALL."""
    if 200 <= status < 300:
        return PARSE
    if status == 429 or status >= 500 or status < 200:
        return DISALLOW_ALL
    return ALLOW_ALL  # 3xx left after redirects, 4xx: no robots.txt


class RobotsCache:
    """Answers "may this URL be fetched?" from a robots.txt cached per origin in MongoDB.

    `fetch(robots_url)` returns `(status, text)`; it must go through the egress policy and
    follow at most five redirects. Unreachable is signalled by `TimeoutError`, `OSError` or
    a retryable `PostWriterError`; any other `PostWriterError` (for instance the egress
    policy refusing the origin) is raised to the caller.
    """

    def __init__(
        self,
        collection: AsyncCollection[Document],
        fetch: Fetch,
        *,
        clock: Clock = time.time,
        ttl_s: float = 86_400.0,
        error_ttl_s: float = 600.0,
        stale_max_s: float = 7 * 86_400.0,
        fetch_timeout_s: float = 15.0,
    ) -> None:
        self._coll = collection
        self._fetch = fetch
        self._clock = clock
        self._ttl_s = ttl_s
        self._error_ttl_s = error_ttl_s
        self._stale_max_s = stale_max_s
        self._fetch_timeout_s = fetch_timeout_s
        # One fetch per origin at a time in this process; entries vanish when unused.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def allowed(self, url: str, user_agent: str) -> bool:
        """True when robots.txt of `url`'s origin lets `user_agent` fetch it."""
        doc = await self._entry(origin_of(url))
        rule = doc["rule"]
        if rule == ALLOW_ALL:
            return True
        if rule == DISALLOW_ALL:
            return False
        parser = Protego.parse(doc.get("body", ""))
        return bool(parser.can_fetch(url, user_agent))

    async def check(self, url: str, user_agent: str) -> None:
        """Raise `RobotsDisallowed` unless `allowed(url, user_agent)`."""
        if not await self.allowed(url, user_agent):
            parts = urlsplit(url)
            raise RobotsDisallowed(
                f"robots.txt of {parts.scheme}://{parts.netloc} does not allow {parts.path or '/'}"
            )

    async def purge(self) -> int:
        """Delete entries expired for longer than `stale_max_s`; run on a schedule."""
        cutoff = self._clock() - self._stale_max_s
        result = await self._coll.delete_many({"expires_at": {"$lt": cutoff}})
        return result.deleted_count

    async def _entry(self, origin: str) -> Document:
        doc = await self._coll.find_one({"_id": origin})
        if doc is not None and doc["expires_at"] > self._clock():
            return doc
        lock = self._locks.get(origin)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[origin] = lock
        async with lock:
            doc = await self._coll.find_one({"_id": origin})
            if doc is not None and doc["expires_at"] > self._clock():
                return doc
            fresh = await self._refresh(origin, doc)
            await self._store(fresh)
            return fresh

    async def _refresh(self, origin: str, previous: Document | None) -> Document:
        robots_url = f"{origin}/robots.txt"
        try:
            async with asyncio.timeout(self._fetch_timeout_s):
                status, text = await self._fetch(robots_url)
        except PostWriterError as exc:
            if not exc.retryable:
                raise
            return self._unreachable(origin, previous, f"{exc.code}")
        except (TimeoutError, OSError) as exc:
            return self._unreachable(origin, previous, type(exc).__name__)
        now = self._clock()
        rule = rule_for_status(status)
        if rule == DISALLOW_ALL:
            return self._unreachable(origin, previous, f"HTTP {status}")
        doc: Document = {
            "_id": origin,
            "rule": rule,
            "status": status,
            "fetched_at": now,
            "parsed_at": now if rule == PARSE else None,
            "expires_at": now + self._ttl_s,
        }
        if rule == PARSE:
            doc["body"] = text[:MAX_BODY_CHARS]
        return doc

    def _unreachable(self, origin: str, previous: Document | None, why: str) -> Document:
        now = self._clock()
        log.info("robots.txt unreachable", extra={"origin": origin, "error": why})
        parsed_at = previous.get("parsed_at") if previous is not None else None
        if previous is not None and parsed_at is not None and parsed_at > now - self._stale_max_s:
            # Keep obeying the last copy we parsed; ask again after `error_ttl_s`.
            return {**previous, "fetched_at": now, "expires_at": now + self._error_ttl_s}
        return {
            "_id": origin,
            "rule": DISALLOW_ALL,
            "status": None,
            "error": why,
            "fetched_at": now,
            "parsed_at": None,
            "expires_at": now + self._error_ttl_s,
        }

    async def _store(self, doc: Document) -> None:
        # DuplicateKeyError: another process cached the same origin at the same moment.
        with contextlib.suppress(DuplicateKeyError):
            await self._coll.replace_one({"_id": doc["_id"]}, doc, upsert=True)
