"""Done when: two consumer processes on one domain together stay within the configured rate.

Two separate Python processes share one MongoDB collection and race for the same domain
(through different host names of it) as fast as they can, with 3 s windows of 6 grants. The
union of their grants never holds more than 6 in any 3 s span, and both get grants.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from postwriter.settings import Settings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PER_WINDOW = 6
WINDOW_S = 3.0
RUN_S = 7.0

WORKER = """
import asyncio, json, sys, time
from pymongo import AsyncMongoClient
from postwriter.errors import DomainRateLimited
from postwriter.politeness.ratelimit import DomainRateLimiter

async def main(url, db, host, start_at, run_s, per_window, window_s):
    client = AsyncMongoClient(url, serverSelectionTimeoutMS=5000, timeoutMS=5000)
    grants, returned = [], []
    try:
        limiter = DomainRateLimiter(
            client[db]["politeness"], per_minute=per_window, per_hour=1000, window_s=window_s
        )
        await client.admin.command("ping")
        await asyncio.sleep(max(0.0, start_at - time.time()))
        end = start_at + run_s
        while time.time() < end and len(grants) < 100:
            try:
                grants.append(await limiter.acquire(host, deadline=end))
            except DomainRateLimited:
                break
            returned.append(time.time())
    finally:
        await client.close()
    print(json.dumps({"host": host, "grants": grants, "returned": returned}))

a = sys.argv
asyncio.run(main(a[1], a[2], a[3], float(a[4]), float(a[5]), int(a[6]), float(a[7])))
"""


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best = 0
    for i, start in enumerate(times):
        best = max(best, sum(1 for t in times[i:] if t < start + window))
    return best


def test_two_processes_share_one_rate_limit(settings: Settings) -> None:
    start_at = time.time() + 2.0  # both processes imported and connected by then
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                settings.mongodb_url,
                settings.mongodb_db,
                host,
                repr(start_at),
                repr(RUN_S),
                str(PER_WINDOW),
                repr(WINDOW_S),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for host in ("www.example.com", "m.example.com")
    ]
    results = []
    try:
        for worker in workers:
            out, err = worker.communicate(timeout=25)
            assert worker.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    union = [g for r in results for g in r["grants"]]
    # Every process got some of the budget.
    assert all(r["grants"] for r in results), results
    # The ledger: never more than PER_WINDOW grants in any WINDOW_S span (half-open).
    assert most_in_any_window(union, WINDOW_S) <= PER_WINDOW, sorted(union)
    # As the callers saw it: each acquire returned within a database round trip of its
    # grant, so the windows of the return times hold too, give or take that round trip.
    returned = [t for r in results for t in r["returned"]]
    assert most_in_any_window(returned, WINDOW_S - 0.25) <= PER_WINDOW
    # And the budget was used, not starved: grants are spread WINDOW_S / PER_WINDOW apart
    # (0.5 s; a little more with FerretDB's round trips), so well over one window's worth.
    assert PER_WINDOW + 2 <= len(union) <= 3 * PER_WINDOW, sorted(union)
