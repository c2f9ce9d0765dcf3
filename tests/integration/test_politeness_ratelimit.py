"""The shared rate limiter and backoff on the real MongoDB-wire server, with a fake clock."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import AsyncIterator

import pytest

from postwriter.errors import DomainRateLimited, RateLimited
from postwriter.politeness.ratelimit import KEEP_VERSIONS, DomainRateLimiter
from postwriter.settings import Settings
from postwriter.storage.database import Database, open_database

pytestmark = pytest.mark.integration

T0 = 1_800_000_000.0


class FakeClock:
    """Time that moves only when the limiter sleeps (or a test says so)."""

    def __init__(self, now: float = T0) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    async with open_database(settings, indexes=False) as database:
        yield database


def limiter(db: Database, clock: FakeClock, **overrides: float) -> DomainRateLimiter:
    options: dict[str, float] = {"per_minute": 3, "per_hour": 5, "min_interval_s": 0.0}
    options.update(overrides)
    return DomainRateLimiter(
        db.db["politeness"],
        per_minute=int(options.pop("per_minute")),
        per_hour=int(options.pop("per_hour")),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(7),
        **options,
    )


def assert_windows(grants: list[float], limit: int, window: float) -> None:
    grants = sorted(grants)
    for i in range(len(grants) - limit):
        assert grants[i + limit] - grants[i] >= window, (i, grants[i : i + limit + 1])


async def test_minute_and_hour_windows_slide(db: Database) -> None:
    clock = FakeClock()
    rl = limiter(db, clock)
    await rl.ensure_indexes()
    far = T0 + 10 * 3600
    grants = [await rl.acquire("www.facebook.com", deadline=far) for _ in range(7)]
    # Three at once, the fourth when the first leaves the minute, the fifth likewise;
    # the sixth waits for the hour (five an hour), the seventh for the second's hour.
    assert grants[:3] == [T0, T0, T0]
    assert grants[3] == pytest.approx(T0 + 60, abs=0.1)
    assert grants[4] == pytest.approx(T0 + 60, abs=0.1)
    assert grants[5] == pytest.approx(T0 + 3600, abs=0.1)
    assert grants[6] == pytest.approx(T0 + 3600, abs=0.1)
    assert_windows(grants, 3, 60.0)
    assert_windows(grants, 5, 3600.0)
    assert all(b >= a for a, b in itertools.pairwise(grants))


async def test_grants_are_spread_by_default(db: Database) -> None:
    clock = FakeClock()
    rl = DomainRateLimiter(
        db.db["politeness"],
        per_minute=20,
        per_hour=300,
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(3),
    )
    grants = [await rl.acquire("facebook.com", deadline=T0 + 3600) for _ in range(21)]
    gaps = [b - a for a, b in itertools.pairwise(grants)]
    assert all(gap >= 3.0 for gap in gaps)  # 60 s / 20
    assert grants[-1] - grants[0] < 60 + 21 * 0.05  # the pace, plus jitter
    assert_windows(grants, 20, 60.0)


async def test_subdomains_share_one_budget(db: Database) -> None:
    clock = FakeClock()
    rl = limiter(db, clock)
    for host in ("facebook.com", "www.facebook.com", "https://m.facebook.com/acme"):
        await rl.acquire(host, deadline=T0 + 1)
    with pytest.raises(DomainRateLimited):
        await rl.acquire("web.facebook.com", deadline=T0 + 1)
    # Another registrable domain has its own budget.
    assert await rl.acquire("www.example.com", deadline=T0 + 1) == T0


async def test_deadline_raises_rate_limited_at_once(db: Database) -> None:
    clock = FakeClock()
    rl = limiter(db, clock)
    for _ in range(3):
        await rl.acquire("example.com", deadline=T0)
    with pytest.raises(RateLimited) as caught:
        await rl.acquire("example.com", deadline=T0 + 30)
    exc = caught.value
    assert isinstance(exc, DomainRateLimited)
    assert exc.code == "rate_limited"
    assert exc.retryable
    assert exc.domain == "example.com"
    assert exc.retry_at == pytest.approx(T0 + 60, abs=0.1)
    assert clock.now == T0  # it did not sleep towards a slot it could not use


async def test_backoff_doubles_caps_and_resets(db: Database) -> None:
    clock = FakeClock()
    rl = limiter(db, clock, per_minute=1000, per_hour=1000)
    waits = []
    for _ in range(8):
        until = await rl.penalise("facebook.com", "http_429")
        waits.append(round(until - clock.now))
        granted = await rl.acquire("www.facebook.com", deadline=clock.now + 3600)
        assert granted >= until
    assert waits == [30, 60, 120, 240, 480, 960, 1800, 1800]
    state = await rl.state("facebook.com")
    assert state.strikes == 8
    assert state.reason == "http_429"
    await rl.reward("facebook.com", granted_at=clock.now)
    assert (await rl.state("facebook.com")).strikes == 0
    until = await rl.penalise("facebook.com", "block_page")
    assert until - clock.now == pytest.approx(30.0)


async def test_backoff_blocks_acquire_past_deadline(db: Database) -> None:
    clock = FakeClock()
    rl = limiter(db, clock)
    until = await rl.penalise("facebook.com", "challenge")
    with pytest.raises(DomainRateLimited, match="backing off after challenge") as caught:
        await rl.acquire("m.facebook.com", deadline=T0 + 10)
    assert caught.value.retry_at == until


async def test_penalties_during_a_backoff_do_not_escalate(db: Database) -> None:
    clock = FakeClock()
    rl = limiter(db, clock)
    first = await rl.penalise("facebook.com", "block_page")
    # Pages granted before the block, failing now, say nothing new.
    second = await rl.penalise("facebook.com", "block_page")
    assert second == first
    clock.now += 20
    assert await rl.penalise("facebook.com", "block_page") == first  # not extended
    assert (await rl.state("facebook.com")).strikes == 1
    # Retry-After longer than the backoff extends it (within the maximum).
    third = await rl.penalise("facebook.com", "http_429", retry_after_s=300)
    assert third == pytest.approx(T0 + 20 + 300)
    assert (await rl.state("facebook.com")).reason == "http_429"
    # After it ends, the next penalty is the second strike (60 s), or Retry-After if longer.
    clock.now = third + 1
    assert await rl.penalise("facebook.com", "http_429") == pytest.approx(clock.now + 60)
    clock.now += 61
    fourth = await rl.penalise("facebook.com", "http_429", retry_after_s=10_000)
    assert fourth == pytest.approx(clock.now + 1800)
    assert (await rl.state("facebook.com")).strikes == 3


async def test_reward_for_a_page_granted_before_the_penalty_is_ignored(db: Database) -> None:
    clock = FakeClock()
    rl = limiter(db, clock)
    granted = await rl.acquire("facebook.com", deadline=T0)
    clock.now += 1
    await rl.penalise("facebook.com", "http_429")
    await rl.reward("facebook.com", granted_at=granted)
    assert (await rl.state("facebook.com")).strikes == 1
    await rl.reward("facebook.com")
    assert (await rl.state("facebook.com")).strikes == 0


async def test_documents_stay_bounded(db: Database) -> None:
    clock = FakeClock()
    rl = limiter(db, clock, per_minute=5, per_hour=20, window_s=1.0, long_window_s=10.0)
    for _ in range(120):
        await rl.acquire("example.com", deadline=clock.now + 60)
        clock.now += 0.5
    state = await rl.state("example.com")
    assert state.version == 120
    assert len(state.grants) <= 20
    # Versions older than the grace period went as the chain grew.
    clock.now += 200
    await rl.acquire("example.com", deadline=clock.now + 60)
    clock.now += 1
    removed = await rl.purge()
    assert removed > 0
    left = await db.db["politeness"].count_documents({"domain": "example.com"})
    assert left <= KEEP_VERSIONS + 1
    # An idle domain goes entirely.
    clock.now += 10 + 200
    await rl.purge()
    assert await db.db["politeness"].count_documents({"domain": "example.com"}) == 0
    assert (await rl.state("example.com")).version == 0
    assert await rl.acquire("example.com", deadline=clock.now) == clock.now


async def test_concurrent_limiters_in_one_loop_keep_the_window(db: Database) -> None:
    # Several independent limiters (as in separate processes) race on one domain; the real
    # clock, 1 s windows of 4 grants. The cross-process test is test_politeness_two_processes.
    grants: list[float] = []

    async def worker(seed: int) -> None:
        rl = DomainRateLimiter(
            db.db["politeness"], per_minute=4, per_hour=1000, window_s=1.0, rng=random.Random(seed)
        )
        loop_end = asyncio.get_running_loop().time() + 3.0
        while asyncio.get_running_loop().time() < loop_end:
            try:
                grants.append(await rl.acquire("example.com", deadline=time.time() + 0.5))
            except DomainRateLimited:
                await asyncio.sleep(0.05)

    await asyncio.gather(*(worker(n) for n in range(4)))
    assert len(grants) >= 8
    assert_windows(grants, 4, 1.0)
