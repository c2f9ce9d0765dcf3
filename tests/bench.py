"""`make bench`: speed and memory figures, with ratios against naive baselines.

Runs on the local services (MongoDB-wire and Chromium; RabbitMQ for the API figures of
tests/bench_api.py) and the in-process fixture site. Prints one line per figure;
docs/performance.md records them.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import sys
import time
import timeit
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from unittest import mock

from aiohttp import web
from aiohttp.streams import StreamReader
from aiohttp.test_utils import make_mocked_request
from playwright.async_api import async_playwright

from postwriter.api import openapi, request_validation
from postwriter.api.keys import SETTINGS
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
VALIDATIONS = 5000
MOCKED_REQUESTS = 1000


def say(name: str, value: float, unit: str, note: str = "") -> None:
    print(f"{name:<44} {value:>12.1f} {unit:<10} {note}", flush=True)


def own_rss_kib() -> int:
    """Resident KiB of this process alone, now (not its peak)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class PeakRss:
    """Peak resident KiB, sampled: this process and its children, or with `tree=False` this
    process alone (when the children are load generators, not part of what is measured)."""

    def __init__(self, *, tree: bool = True) -> None:
        self.peak = 0
        self._tree = tree
        self._task: asyncio.Task[None] | None = None

    def now(self) -> int:
        return descendants_rss_kib(os.getpid(), include_root=True) if self._tree else own_rss_kib()

    async def __aenter__(self) -> PeakRss:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self.peak = max(self.peak, self.now())

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, self.now())
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


# A full createJob body: every field a client would plausibly send.
JOB_BODY: dict[str, Any] = {
    "url": "https://www.facebook.com/acmecoffee",
    "adapter": "facebook",
    "max_posts": 200,
    "idempotency_key": "campaign-2026-11-25-acmecoffee",
    "since": "2026-11-01T00:00:00+00:00",
    "session_id": "sess_0123456789abcdef",
    "block_resources": True,
}


@contextmanager
def _gc_paused() -> Iterator[None]:
    """As timeit does: a collection that scans the setup's objects is not the step's cost."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def _body_step_us(settings: Settings, body: dict[str, Any]) -> float:
    """The middleware's body step (size, media type, read, JSON, surrogates, schema)."""
    op = openapi.find("POST", "/v1/jobs")
    assert op is not None and op.body is not None
    app = web.Application()
    app[SETTINGS] = settings
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(raw))}
    best = float("inf")
    for _ in range(3):
        requests = []
        for _ in range(MOCKED_REQUESTS):
            payload = StreamReader(mock.Mock(), 2**16, loop=asyncio.get_running_loop())
            payload.feed_data(raw)
            payload.feed_eof()
            requests.append(
                make_mocked_request("POST", "/v1/jobs", headers, payload=payload, app=app)
            )
        with _gc_paused():
            start = time.perf_counter()
            for request in requests:
                # Private, but exactly the step to time; the whole middleware needs a route.
                await request_validation._body(request, op, op.body)
            best = min(best, time.perf_counter() - start)
    return best / MOCKED_REQUESTS * 1e6


async def bench_body_validation(settings: Settings) -> None:
    """The cost of checking a createJob body against the OpenAPI document, per body."""
    op = openapi.find("POST", "/v1/jobs")
    assert op is not None and op.body is not None
    validator = op.body
    invalid = {**JOB_BODY, "max_posts": 0, "colour": "red"}
    assert not list(validator.iter_errors(JOB_BODY)) and list(validator.iter_errors(invalid))

    def schema_us(body: dict[str, Any]) -> float:
        runs = timeit.repeat(lambda: list(validator.iter_errors(body)), number=VALIDATIONS)
        return min(runs) / VALIDATIONS * 1e6

    size = len(json.dumps(JOB_BODY))
    say("validation: POST /v1/jobs body, schema only", schema_us(JOB_BODY), "µs/body", f"{size} B")
    step_us = await _body_step_us(settings, JOB_BODY)
    say("validation: the middleware's whole body step", step_us, "µs/body", "valid body")
    say("validation: invalid body (2 errors), schema only", schema_us(invalid), "µs/body")


async def bench_api_process() -> None:
    """tests/bench_api.py in a fresh process: its memory figures would otherwise measure
    memory the figures above freed and Python kept."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.bench_api")
    try:
        code = await asyncio.wait_for(proc.wait(), 600)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if code != 0:
        raise RuntimeError(f"tests.bench_api exited with {code}")


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
        await bench_api_process()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
