"""robots.txt cached per origin in the real MongoDB-wire server, with a fake fetch and clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from postwriter.errors import BlockedDestination, RobotsDisallowed, ServiceUnavailable
from postwriter.politeness.robots import RobotsCache
from postwriter.settings import Settings
from postwriter.storage.database import Database, open_database

pytestmark = pytest.mark.integration

T0 = 1_800_000_000.0
UA = "PostWriter"
ROBOTS = """\
User-agent: *
Disallow: /private/
Allow: /private/press$
Disallow: /*.pdf$

User-agent: PostWriter
Disallow: /no-postwriter/
"""


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class FakeFetch:
    """Answers from a script of (status, body) or exceptions; counts the calls."""

    def __init__(self, *answers: tuple[int, str] | BaseException) -> None:
        self.answers = list(answers)
        self.urls: list[str] = []

    async def __call__(self, url: str) -> tuple[int, str]:
        self.urls.append(url)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        await asyncio.sleep(0)
        return answer


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    async with open_database(settings, indexes=False) as database:
        yield database


def cache(db: Database, fetch: FakeFetch, clock: Clock, **options: float) -> RobotsCache:
    return RobotsCache(db.db["robots"], fetch, clock=clock, **options)


async def test_rules_apply_and_are_cached_for_a_day(db: Database) -> None:
    clock, fetch = Clock(), FakeFetch((200, ROBOTS))
    robots = cache(db, fetch, clock)
    assert await robots.allowed("https://example.com/", UA)
    assert await robots.allowed("https://example.com/private/x", UA)  # own group applies
    assert not await robots.allowed("https://example.com/no-postwriter/a", UA)
    assert not await robots.allowed("https://example.com/private/x", "OtherBot")
    assert await robots.allowed("https://example.com/private/press", "OtherBot")
    assert not await robots.allowed("https://example.com/doc.pdf", "OtherBot")
    assert fetch.urls == ["https://example.com/robots.txt"]
    # Another process (a new cache on the same collection) uses the stored copy.
    other = cache(db, fetch, clock)
    assert not await other.allowed("https://example.com/no-postwriter/b", UA)
    assert len(fetch.urls) == 1
    clock.now += 86_400 + 1
    assert await robots.allowed("https://example.com/", UA)
    assert len(fetch.urls) == 2


async def test_origins_are_separate(db: Database) -> None:
    clock = Clock()
    fetch = FakeFetch((200, "User-agent: *\nDisallow: /\n"))
    robots = cache(db, fetch, clock)
    assert not await robots.allowed("https://www.example.com/a", UA)
    assert not await robots.allowed("http://www.example.com/a", UA)
    assert not await robots.allowed("https://example.com:8443/a", UA)
    assert fetch.urls == [
        "https://www.example.com/robots.txt",
        "http://www.example.com/robots.txt",
        "https://example.com:8443/robots.txt",
    ]


@pytest.mark.parametrize("status", [401, 403, 404, 410])
async def test_4xx_allows_everything(db: Database, status: int) -> None:
    robots = cache(db, FakeFetch((status, "User-agent: *\nDisallow: /\n")), Clock())
    assert await robots.allowed("https://example.com/anything", UA)


@pytest.mark.parametrize(
    "answer",
    [(500, ""), (503, "down"), (429, "slow down"), TimeoutError(), OSError("reset")],
    ids=["500", "503", "429", "timeout", "oserror"],
)
async def test_unreachable_disallows_for_a_while(
    db: Database, answer: tuple[int, str] | BaseException
) -> None:
    clock = Clock()
    fetch = FakeFetch(answer, (404, ""))
    robots = cache(db, fetch, clock, error_ttl_s=600)
    assert not await robots.allowed("https://example.com/a", UA)
    clock.now += 599
    assert not await robots.allowed("https://example.com/a", UA)
    assert len(fetch.urls) == 1
    clock.now += 2
    assert await robots.allowed("https://example.com/a", UA)
    assert len(fetch.urls) == 2


async def test_a_hanging_fetch_times_out_as_unreachable(db: Database) -> None:
    async def hang(url: str) -> tuple[int, str]:
        await asyncio.sleep(30)
        return 200, ""

    robots = RobotsCache(db.db["robots"], hang, clock=Clock(), fetch_timeout_s=0.2)
    assert not await robots.allowed("https://example.com/a", UA)


async def test_unreachable_keeps_the_last_parsed_copy(db: Database) -> None:
    clock = Clock()
    fetch = FakeFetch((200, ROBOTS), (503, ""))
    robots = cache(db, fetch, clock, error_ttl_s=600)
    assert await robots.allowed("https://example.com/public", UA)
    clock.now += 86_400 + 1
    assert await robots.allowed("https://example.com/public", UA)  # old rules, not "deny all"
    assert not await robots.allowed("https://example.com/no-postwriter/a", UA)
    assert len(fetch.urls) == 2


async def test_check_raises_typed_error(db: Database) -> None:
    robots = cache(db, FakeFetch((200, "User-agent: *\nDisallow: /secret\n")), Clock())
    await robots.check("https://example.com/open", UA)
    with pytest.raises(RobotsDisallowed) as caught:
        await robots.check("https://example.com/secret?token=abc", UA)
    assert caught.value.code == "robots_disallowed"
    assert "abc" not in caught.value.message


async def test_errors_of_the_fetcher(db: Database) -> None:
    # A retryable error is "unreachable"; the egress policy refusing is the caller's to see.
    unreachable = cache(db, FakeFetch(ServiceUnavailable("proxy down")), Clock())
    assert not await unreachable.allowed("https://a.example.com/", UA)
    refused = cache(db, FakeFetch(BlockedDestination("private address")), Clock())
    with pytest.raises(BlockedDestination):
        await refused.allowed("https://b.example.com/", UA)


async def test_huge_body_is_cut_and_concurrent_calls_fetch_once(db: Database) -> None:
    body = "User-agent: *\nDisallow: /x\n" + "# filler\n" * 100_000
    fetch = FakeFetch((200, body))
    robots = cache(db, fetch, Clock())
    results = await asyncio.gather(*(robots.allowed("https://example.com/x", UA) for _ in range(5)))
    assert results == [False] * 5
    assert len(fetch.urls) == 1
    stored = await db.db["robots"].find_one({"_id": "https://example.com"})
    assert stored is not None
    assert len(stored["body"]) == 500 * 1024


async def test_purge_removes_long_expired_entries(db: Database) -> None:
    clock = Clock()
    robots = cache(db, FakeFetch((404, "")), clock, stale_max_s=3600)
    await robots.allowed("https://example.com/", UA)
    assert await robots.purge() == 0
    clock.now += 86_400 + 3600 + 1
    assert await robots.purge() == 1
