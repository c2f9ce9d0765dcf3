"""A per-domain rate limit and backoff shared by every consumer process, kept in MongoDB.

Each domain's state is a chain of immutable version documents, `_id = "<domain>#<n>"`. A
change (a grant, a penalty, a reward) reads the newest version `n` and inserts version `n+1`
derived from it. The unique `_id` makes that insert the atomic step: of two processes that
read the same version, one insert wins and the other gets a duplicate-key error, reads again
and decides again. Conditional updates (`update_one({"_id": d, "v": n}, ...)`) are not used
on purpose: FerretDB 1.24 on SQLite applies them as a separate read and write, so two of them
can both succeed on the same version (measured: 778 "successful" compare-and-sets for 391
real increments with four processes). Unique inserts held (499 of 499).

Every version carries the timestamps of the recent grants (at most `max(per_minute,
per_hour)` of them, older than the long window pruned), so a grant is allowed only when the
short and the long window ending at its timestamp both hold fewer grants than their limit:
no span of `window_s` seconds, anywhere, ever holds more than `per_minute` grants. Grant
timestamps never go backwards along a chain.

Old versions are deleted as the chain grows (keeping the newest `KEEP_VERSIONS`, and only
versions older than `GRACE_S` of clock time, so a process still deciding on one cannot
re-create it); `purge` removes domains that have been idle longer than the long window.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError, PyMongoError

from postwriter.errors import DomainRateLimited
from postwriter.politeness.domains import domain_key

log = logging.getLogger(__name__)

Document = dict[str, Any]
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

KEEP_VERSIONS = 8  # newest versions never deleted
GC_EVERY = 8  # try to delete old versions after every this many inserts
GRACE_S = 120.0  # a version younger than this (clock time) is never deleted
STALE_READ_S = 5.0  # a decision on a version read longer ago than this is taken again
MAX_TRACKED = 10_000  # grants kept per document at most: bounds the document's size
PROBE_STEPS = 4  # versions walked forward from the last known one before a sorted query
CONFLICT_BACKOFF_S = 0.005  # first retry delay after a lost race; doubles, jittered
CONFLICT_BACKOFF_MAX_S = 0.2


@dataclass(frozen=True, slots=True)
class DomainState:
    """One version of a domain's politeness state."""

    domain: str
    version: int
    grants: tuple[float, ...]
    strikes: int
    blocked_until: float
    penalised_at: float
    reason: str

    @classmethod
    def empty(cls, domain: str) -> DomainState:
        return cls(domain, 0, (), 0, 0.0, 0.0, "")

    @classmethod
    def from_document(cls, doc: Document) -> DomainState:
        return cls(
            domain=str(doc["domain"]),
            version=int(doc["v"]),
            grants=tuple(sorted(float(t) for t in doc.get("grants", ()))),
            strikes=int(doc.get("strikes", 0)),
            blocked_until=float(doc.get("blocked_until", 0.0)),
            penalised_at=float(doc.get("penalised_at", 0.0)),
            reason=str(doc.get("reason", "")),
        )


@dataclass(frozen=True, slots=True)
class Windows:
    """The limits: at most `per_window` grants in any `window_s`, `per_long` in `long_s`,
    and at least `spacing_s` between two grants."""

    per_window: int
    window_s: float
    per_long: int
    long_s: float
    spacing_s: float = 0.0

    @property
    def tracked(self) -> int:
        return max(self.per_window, self.per_long)


def next_slot(grants: Sequence[float], now: float, windows: Windows) -> float:
    """The earliest time at or after `now` when one more grant keeps both windows in limit.

    `grants` is sorted. A grant at `t` is allowed when fewer than `limit` grants lie in the
    half-open window `(t - length, t]`, and no grant is nearer than `spacing_s` before it;
    grants are never placed before the newest one.
    """
    at = max(now, grants[-1] + windows.spacing_s) if grants else now
    for limit, length in (
        (windows.per_window, windows.window_s),
        (windows.per_long, windows.long_s),
    ):
        if len(grants) >= limit:
            # The limit-th newest grant must have left the window ending at `at`.
            at = max(at, grants[-limit] + length)
    return at


def backoff_delay(strikes: int, minimum_s: float, maximum_s: float) -> float:
    """`minimum_s` doubled for every strike after the first, at most `maximum_s`."""
    if strikes <= 0:
        return 0.0
    return min(maximum_s, minimum_s * 2.0 ** min(strikes - 1, 60))


def prune(grants: Sequence[float], now: float, windows: Windows) -> list[float]:
    """The grants that can still matter: inside the long window, the newest `tracked`."""
    recent = [t for t in grants if t > now - windows.long_s]
    return recent[-windows.tracked :]


class DomainRateLimiter:
    """Grants requests to a domain within shared per-minute and per-hour limits.

    `clock` gives seconds since the epoch and must agree across processes (NTP); `sleep`
    waits. Both are injectable, so tests drive the limiter with a fake clock. `window_s` is
    the short window (60 s by default) and `long_window_s` the long one (60 short windows by
    default); tests shrink them. Grants are spread at least `min_interval_s` apart (by
    default `window_s / per_minute`, one every 3 s at 20 a minute), so a domain sees a
    steady pace rather than bursts, and racing processes take turns; 0 allows bursts.
    """

    def __init__(
        self,
        collection: AsyncCollection[Document],
        *,
        per_minute: int,
        per_hour: int,
        backoff_min_s: float = 30.0,
        backoff_max_s: float = 1800.0,
        window_s: float = 60.0,
        long_window_s: float | None = None,
        min_interval_s: float | None = None,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if per_minute < 1 or per_hour < 1:
            raise ValueError("per_minute and per_hour must be at least 1")
        if max(per_minute, per_hour) > MAX_TRACKED:
            raise ValueError(f"per_minute and per_hour must be at most {MAX_TRACKED}")
        if window_s <= 0 or (long_window_s is not None and long_window_s <= 0):
            raise ValueError("window lengths must be positive")
        if min_interval_s is not None and min_interval_s < 0:
            raise ValueError("min_interval_s must not be negative")
        if not 0 < backoff_min_s <= backoff_max_s:
            raise ValueError("need 0 < backoff_min_s <= backoff_max_s")
        self._coll = collection
        self._windows = Windows(
            per_window=per_minute,
            window_s=window_s,
            per_long=per_hour,
            long_s=60.0 * window_s if long_window_s is None else long_window_s,
            spacing_s=window_s / per_minute if min_interval_s is None else min_interval_s,
        )
        self._backoff = (backoff_min_s, backoff_max_s)
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()  # jitter, not security
        self._known: dict[str, int] = {}  # domain -> newest version this process has seen

    @property
    def windows(self) -> Windows:
        return self._windows

    async def ensure_indexes(self) -> None:
        """The `(domain, v)` index behind the newest-version query; idempotent."""
        await self._coll.create_index(
            [("domain", ASCENDING), ("v", DESCENDING)], name="domain_version"
        )

    async def acquire(self, domain: str, *, deadline: float) -> float:
        """Wait for a slot for `domain` (a host or URL); return the grant's timestamp.

        `deadline` is a time on `clock`. Raises `DomainRateLimited` (code `rate_limited`,
        retryable) at once when the earliest possible slot, or the end of a backoff, lies
        past it.
        """
        key = domain_key(domain)
        conflicts = 0
        while True:
            now = self._clock()
            state = await self._latest(key)
            at = max(next_slot(state.grants, now, self._windows), state.blocked_until)
            if at > now:
                if at > deadline:
                    raise self._limited(key, state, at)
                await self._sleep(at - now + self._rng.uniform(0.0, self._jitter_s()))
                continue
            stamp = max(self._clock(), at)  # later than decided: both windows only shrink
            if stamp - now > STALE_READ_S:
                continue
            grants = prune([*state.grants, stamp], stamp, self._windows)
            if await self._insert(key, state, stamp, grants=grants):
                return stamp
            conflicts += 1
            await self._after_conflict(key, conflicts, deadline)

    async def penalise(
        self, domain: str, reason: str, *, retry_after_s: float | None = None
    ) -> float:
        """Back `domain` off after a sign of limiting; return the time the backoff ends.

        The first strike blocks for `backoff_min_s`, each further one doubles it up to
        `backoff_max_s`. A penalty while a backoff is running (pages granted before it, seen
        failing after) neither adds a strike nor extends it. `retry_after_s` (a Retry-After
        header) makes the backoff at least that long, within `backoff_max_s`.
        """
        key = domain_key(domain)
        conflicts = 0
        while True:
            now = self._clock()
            state = await self._latest(key)
            retry_after = None if retry_after_s is None else min(retry_after_s, self._backoff[1])
            if state.blocked_until > now:
                # Already backing off: same strike; only a longer Retry-After extends it.
                strikes = state.strikes
                until = state.blocked_until
                if retry_after is not None:
                    until = max(until, now + retry_after)
                if until == state.blocked_until:
                    return until
            else:
                strikes = state.strikes + 1
                delay = backoff_delay(strikes, *self._backoff)
                until = now + max(delay, retry_after or 0.0)
            changes: Document = {
                "strikes": strikes,
                "blocked_until": until,
                "penalised_at": now,
                "reason": reason[:200],
            }
            if await self._insert(key, state, now, changes=changes):
                log.warning(
                    "domain backing off",
                    extra={
                        "domain": key,
                        "reason": reason,
                        "strikes": strikes,
                        "for_s": until - now,
                    },
                )
                return until
            conflicts += 1
            await self._after_conflict(key, conflicts, math.inf)

    async def reward(self, domain: str, *, granted_at: float | None = None) -> None:
        """A page of `domain` loaded cleanly: the next penalty starts from `backoff_min_s`.

        Pass the grant's timestamp from `acquire`: a page granted before the latest penalty
        says nothing about the site's mood now and resets nothing.
        """
        key = domain_key(domain)
        conflicts = 0
        while True:
            now = self._clock()
            state = await self._latest(key)
            if state.strikes == 0:
                return
            if granted_at is not None and granted_at < state.penalised_at:
                return
            if await self._insert(key, state, now, changes={"strikes": 0}):
                return
            conflicts += 1
            await self._after_conflict(key, conflicts, math.inf)

    async def state(self, domain: str) -> DomainState:
        """The newest state of `domain` (for operators and tests)."""
        return await self._latest(domain_key(domain))

    async def purge(self) -> int:
        """Delete old versions and idle domains; return how many documents went.

        Run on a schedule (no TTL indexes). A domain is idle when its newest version is older
        than the long window plus `GRACE_S` and no backoff is running.
        """
        now = self._clock()
        newest: dict[str, Document] = {}
        cursor = self._coll.find({}, projection={"domain": 1, "v": 1, "at": 1, "blocked_until": 1})
        async for doc in cursor:
            current = newest.get(doc["domain"])
            if current is None or doc["v"] > current["v"]:
                newest[doc["domain"]] = doc
        removed = 0
        for key, doc in newest.items():
            idle = doc["at"] < now - self._windows.long_s - GRACE_S
            if idle and float(doc.get("blocked_until", 0.0)) < now:
                result = await self._coll.delete_many(
                    {"domain": key, "v": {"$lte": doc["v"]}, "at": {"$lt": now - GRACE_S}}
                )
                self._known.pop(key, None)
            else:
                result = await self._coll.delete_many(self._old_versions(key, doc["v"], now))
            removed += result.deleted_count
        return removed

    # internals

    def _jitter_s(self) -> float:
        return min(0.05, self._windows.window_s / 100.0)

    def _limited(self, key: str, state: DomainState, at: float) -> DomainRateLimited:
        wait = at - self._clock()
        if state.blocked_until >= at:
            why = f"backing off after {state.reason or 'signs of limiting'}"
        else:
            why = "its shared rate limit is used up"
        return DomainRateLimited(
            f"{key}: {why}; next slot in {max(wait, 0.0):.0f} s", domain=key, retry_at=at
        )

    async def _after_conflict(self, key: str, conflicts: int, deadline: float) -> None:
        cap = min(CONFLICT_BACKOFF_MAX_S, CONFLICT_BACKOFF_S * 2.0 ** min(conflicts, 10))
        delay = self._rng.uniform(0.0, cap)
        now = self._clock()
        if now + delay > deadline:
            raise DomainRateLimited(
                f"{key}: too much contention for its rate limit before the deadline",
                domain=key,
                retry_at=now + delay,
            )
        await self._sleep(delay)

    def _old_versions(self, key: str, newest: int, now: float) -> Document:
        return {"domain": key, "v": {"$lt": newest - KEEP_VERSIONS}, "at": {"$lt": now - GRACE_S}}

    async def _latest(self, key: str) -> DomainState:
        known = self._known.get(key)
        if known is not None:
            doc = await self._coll.find_one({"_id": _version_id(key, known)})
            steps = 0
            while doc is not None and steps < PROBE_STEPS:
                following = await self._coll.find_one({"_id": _version_id(key, doc["v"] + 1)})
                if following is None:
                    self._known[key] = doc["v"]
                    return DomainState.from_document(doc)
                doc = following
                steps += 1
        doc = await self._coll.find_one({"domain": key}, sort=[("v", DESCENDING)])
        if doc is None:
            self._known.pop(key, None)
            return DomainState.empty(key)
        self._known[key] = doc["v"]
        return DomainState.from_document(doc)

    async def _insert(
        self,
        key: str,
        state: DomainState,
        at: float,
        *,
        grants: Sequence[float] | None = None,
        changes: Document | None = None,
    ) -> bool:
        """Insert the version after `state`; False when another process inserted it first."""
        version = state.version + 1
        doc: Document = {
            "_id": _version_id(key, version),
            "domain": key,
            "v": version,
            "at": at,
            "grants": list(state.grants if grants is None else grants),
            "strikes": state.strikes,
            "blocked_until": state.blocked_until,
            "penalised_at": state.penalised_at,
            "reason": state.reason,
        }
        doc.update(changes or {})
        try:
            await self._coll.insert_one(doc)
        except DuplicateKeyError:
            return False
        self._known[key] = version
        if version % GC_EVERY == 0:
            try:
                await self._coll.delete_many(self._old_versions(key, version, at))
            except PyMongoError as exc:  # the grant stands; the next round deletes them
                log.warning(
                    "old rate versions not deleted", extra={"domain": key, "error": str(exc)}
                )
        return True


def _version_id(key: str, version: int) -> str:
    return f"{key}#{version}"
