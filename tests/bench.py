"""`make bench`: speed and memory figures, with ratios against naive baselines.

Runs on the local services (RabbitMQ is not needed; MongoDB-wire and Chromium are) and the
in-process fixture site. Prints one line per figure; docs/performance.md records them.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

from aiohttp import web
from playwright.async_api import async_playwright

from postwriter.browser.pool import CHROMIUM_ARGS, BrowserPool
from postwriter.browser.render import guard_context, open_page
from postwriter.extract.registry import extract_posts
from postwriter.models.post import Metrics, Post
from postwriter.observability.procs import descendants_rss_kib
from postwriter.security.egress import EgressPolicy
from postwriter.settings import Settings
from postwriter.storage.database import open_database
from postwriter.storage.posts import upsert_posts
from tests.fixtures.site.dataset import load_page
from tests.fixtures.site.render import permalink_path, render_timeline_html
from tests.fixtures.site.server import make_app

ROUNDS = int(os.environ.get("POSTWRITER_BENCH_ROUNDS", "3"))


def say(name: str, value: float, unit: str, note: str = "") -> None:
    print(f"{name:<44} {value:>12.1f} {unit:<10} {note}", flush=True)


class PeakRss:
    def __init__(self) -> None:
        self.peak = 0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> PeakRss:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, descendants_rss_kib(os.getpid(), include_root=True))
            await asyncio.sleep(0.05)


async def best_of(rounds: int, run: Callable[[], Awaitable[int]]) -> tuple[float, int]:
    """Best wall time of `rounds` runs and the item count of the last."""
    times, count = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        count = await run()
        times.append(time.perf_counter() - start)
    return min(times), count


def bench_extraction() -> None:
    page = load_page("acmecoffee")
    html = render_timeline_html(page, page.posts, now=datetime.now(UTC))
    url = "https://www.facebook.com/acmecoffee"
    fetched = datetime.now(UTC)
    runs = []
    for _ in range(max(ROUNDS, 3)):
        start = time.perf_counter()
        n = 0
        for _ in range(40):
            n += len(extract_posts(html, url=url, adapter="facebook", fetched_at=fetched)[1])
        runs.append((time.perf_counter() - start, n))
    best = min(runs)
    say(
        "extract: facebook adapter", best[1] / best[0], "posts/s", f"({len(html) // 1024} KiB page)"
    )


async def bench_storage(settings: Settings) -> None:
    posts = [
        Post("facebook", "bench", f"p{i}", f"https://x.test/p{i}", f"text {i}", metrics=Metrics(i))
        for i in range(1000)
    ]
    async with open_database(settings) as db:
        try:
            for label in ("insert", "update"):
                start = time.perf_counter()
                for i in range(0, len(posts), 250):
                    await upsert_posts(db, posts[i : i + 250], f"bench-{label}")
                say(
                    f"storage: upsert 250 a call ({label})",
                    1000 / (time.perf_counter() - start),
                    "posts/s",
                )
        finally:
            await db.client.drop_database(settings.mongodb_db)


async def bench_pages(settings: Settings, site: str) -> None:
    page = load_page("acmecoffee")
    urls = [site + permalink_path(page, p) for p in page.posts]
    policy = EgressPolicy(settings.egress_allow)
    fetched = datetime.now(UTC)

    async def read(html: str, url: str) -> int:
        return len(extract_posts(html, url=url, fetched_at=fetched)[1])

    fast = 0.0
    for label, variant in (
        ("egress proxy", settings),
        ("no proxy", replace(settings, egress_proxy=False)),
    ):
        async with BrowserPool(variant) as pool:

            async def optimised(pool: BrowserPool = pool) -> int:
                n = 0
                async with pool.context() as context:
                    await guard_context(context, policy, proxied=pool.proxied)
                    tab = await context.new_page()
                    for url in urls:
                        await open_page(tab, url)
                        n += await read(await tab.content(), tab.url)
                return n

            async with PeakRss() as rss:
                elapsed, n_fast = await best_of(ROUNDS, optimised)
        fast = fast or elapsed
        say(
            f"pages: reused page, heavy blocked, {label}",
            len(urls) / elapsed,
            "pages/s",
            f"{n_fast} posts",
        )
        say(f"pages: peak RSS, process + Chromium, {label}", rss.peak / 1024, "MiB")

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=settings.chromium_path, args=list(CHROMIUM_ARGS)
        )

        async def naive() -> int:
            n = 0
            context = await browser.new_context()
            for url in urls:
                tab = await context.new_page()
                await tab.goto(url, wait_until="load")
                n += await read(await tab.content(), tab.url)
                await tab.close()
            await context.close()
            return n

        async with PeakRss() as rss_naive:
            slow, n_slow = await best_of(ROUNDS, naive)
        await browser.close()
    say(
        "pages: naive, new page per URL, nothing blocked",
        len(urls) / slow,
        "pages/s",
        f"{n_slow} posts",
    )
    say("pages: naive peak RSS", rss_naive.peak / 1024, "MiB")
    say("pages: speed-up over naive (with the egress proxy)", slow / fast, "x")


async def bench_timeline(settings: Settings, site: str) -> None:
    """A whole scrape of the 24-post timeline: navigate, expand, scroll, extract, store."""
    from postwriter.browser.render import expand_truncated, scroll_for_more

    policy = EgressPolicy(settings.egress_allow)
    fetched = datetime.now(UTC)
    async with BrowserPool(settings) as pool:

        async def scrape() -> int:
            seen: set[str] = set()
            async with pool.context() as context:
                await guard_context(context, policy)
                tab = await context.new_page()
                await open_page(tab, f"{site}/acmecoffee")

                async def visible() -> int:
                    await expand_truncated(tab)
                    posts = extract_posts(await tab.content(), url=tab.url, fetched_at=fetched)[1]
                    seen.update(p.external_id for p in posts)
                    return len(seen)

                await scroll_for_more(
                    tab,
                    want=100,
                    idle_rounds=settings.scroll_idle_rounds,
                    wait_ms=settings.scroll_wait_ms,
                    max_wait_ms=20000,
                    on_round=visible,
                )
            return len(seen)

        times = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            n = await scrape()
            times.append(time.perf_counter() - start)
    say("timeline: 24-post infinite scroll, median", statistics.median(times), "s", f"{n} posts")
    say("timeline: posts per second", n / statistics.median(times), "posts/s")


def bench_analysis() -> None:
    """Analysis of a 10,000-post synthetic corpus: per-post features, then a page rebuild."""
    from postwriter.services.analysis import aggregate, analyse_post
    from tests.fixtures.site.expected import expected_posts

    seeds = [p for p in expected_posts("https://www.facebook.com") if p["text"]]
    posts = []
    for i in range(10_000):
        seed = seeds[i % len(seeds)]
        metrics = {
            k: (v or 0) * (1 + i % 7)
            for k, v in seed["metrics"].items()
            if k != "reactions_by_type"
        }
        posts.append(
            {
                **seed,
                "external_id": f"s{i}",
                "text": f"{seed['text']}\n\n#batch{i % 50} offer {i % 13}",
                "metrics": metrics,
                "published_at": datetime(2026, 1, 1 + i % 28, i % 24, tzinfo=UTC),
            }
        )
    start = time.perf_counter()
    for post in posts:
        post["analysis"] = analyse_post(post)
    elapsed = time.perf_counter() - start
    say("analysis: per-post features, one process", len(posts) / elapsed, "posts/s", "10,000 posts")
    start = time.perf_counter()
    result = aggregate(posts, None, "bench")
    say(
        "analysis: page rebuild (scores, topics, templates)",
        time.perf_counter() - start,
        "s",
        f"{len(result.templates)} templates, {len(result.page['topics'])} topics",
    )


async def main() -> None:
    app = make_app()
    runner = web.AppRunner(app)
    await runner.setup()
    site_runner = web.TCPSite(runner, "127.0.0.1", 0)
    await site_runner.start()
    port = runner.addresses[0][1]
    site = f"http://127.0.0.1:{port}"
    settings = Settings(
        mongodb_url=os.environ.get("POSTWRITER_TEST_MONGODB_URL", "mongodb://127.0.0.1:27017/"),
        mongodb_db=f"pwbench_{uuid.uuid4().hex[:8]}",
        egress_allow=(f"127.0.0.1:{port}",),
        scroll_wait_ms=300,
    )
    print(f"PostWriter benchmarks: {ROUNDS} rounds, best (or median) shown, {os.cpu_count()} CPUs")
    try:
        bench_extraction()
        bench_analysis()
        await bench_storage(settings)
        await bench_pages(settings, site)
        await bench_timeline(settings, site)
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
