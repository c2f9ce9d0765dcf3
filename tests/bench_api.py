"""API figures for `make bench`: what the request layers cost, and WebSocket fan-out.

The real app (`make_app`) serves on 127.0.0.1 in this process, on the local RabbitMQ and
FerretDB. Clients and event emitters run as child processes (`python -m tests.bench_api
http|ws|emit ARGS`), so their work does not share the server's event loop. `python -m
tests.bench_api` runs these figures alone; `make bench` runs it in a fresh process after the
others.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from postwriter.messaging.broker import open_broker
from postwriter.models.job import JobEvent, new_job_id
from postwriter.services.events import EventSink
from postwriter.settings import Settings
from postwriter.storage import jobs
from postwriter.storage.database import open_database
from tests.bench import PeakRss, bench_body_validation, own_rss_kib, say
from tests.conftest import (
    LOCAL_AMQP,
    LOCAL_MONGODB,
    ROOT,
    TEST_API_KEY,
    drop_everything,
    make_settings,
)

AUTH_HEADER = f"Bearer {TEST_API_KEY}"
# (label, path, needs the key, expected status). The 400 runs every layer (key, role, rate
# limit, query validation) and stops before the handler's query: the layers' own cost.
ENDPOINTS = (
    ("GET /healthz", "/healthz", False, 200),
    ("GET /v1/jobs?limit=0 (key, 400)", "/v1/jobs?limit=0", True, 400),
    ("GET /v1/jobs?limit=1 (key)", "/v1/jobs?limit=1", True, 200),
    ("GET /v1/openapi.json", "/v1/openapi.json", False, 200),
)
CONNECTIONS = (1, 16)
HTTP_WARMUP_S = 0.5
HTTP_SECONDS = 2.0
HTTP_ROUNDS = 2
REQUEST_TIMEOUT_S = 10.0
WS_CLIENTS = (50, 200)
WS_EVENTS = 200
WS_ROUNDS = 2
WS_OPENING_AT_ONCE = 32
CHILD_TIMEOUT_S = 90.0


# ---- the child process: the load -------------------------------------------------------


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    """One keep-alive GET; a minimal client so the load costs far less than the server."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise RuntimeError(f"no Content-Length in {head[:200]!r}")
    await reader.readexactly(length)
    return int(head[9:12])


async def _http_run(port: int, path: str, auth: bool, connections: int) -> dict[str, Any]:
    headers = f"Host: 127.0.0.1:{port}\r\n" + (f"Authorization: {AUTH_HEADER}\r\n" if auth else "")
    request = f"GET {path} HTTP/1.1\r\n{headers}\r\n".encode()
    measure_from = time.perf_counter() + HTTP_WARMUP_S
    until = measure_from + HTTP_SECONDS
    latencies: list[float] = []
    statuses: dict[str, int] = {}

    async def connection() -> None:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port), REQUEST_TIMEOUT_S
        )
        try:
            while (sent := time.perf_counter()) < until:
                async with asyncio.timeout(REQUEST_TIMEOUT_S):
                    status = await _exchange(reader, writer, request)
                if sent >= measure_from:
                    latencies.append(time.perf_counter() - sent)
                    statuses[str(status)] = statuses.get(str(status), 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "seconds": time.perf_counter() - measure_from,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "statuses": statuses,
    }


async def _http_child(args: dict[str, Any]) -> None:
    # Rounds outermost: a burst of load from elsewhere on the machine hits one round, not all.
    for _ in range(HTTP_ROUNDS):
        for _, path, auth, _ in ENDPOINTS:
            for connections in CONNECTIONS:
                result = await _http_run(args["port"], path, auth, connections)
                print(json.dumps(result), flush=True)


async def _ws_child(args: dict[str, Any]) -> None:
    """N clients on one job: say when all are subscribed, then when each had the last event."""
    port, job_id, clients, events = args["port"], args["job_id"], args["clients"], args["events"]
    url = f"http://127.0.0.1:{port}/v1/ws"
    opening = asyncio.Semaphore(WS_OPENING_AT_ONCE)
    subscribed: list[None] = []
    expected = list(range(1, events + 1))

    async def client(http: aiohttp.ClientSession) -> tuple[float, bool]:
        seqs: list[int] = []
        async with opening:
            ws = await http.ws_connect(
                url, headers={"Authorization": AUTH_HEADER}, protocols=("postwriter.v1",)
            )
        async with ws:
            await ws.send_json({"op": "subscribe", "job_id": job_id})
            async for msg in ws:
                data = json.loads(msg.data)
                if data.get("type") == "subscribed":
                    subscribed.append(None)
                    if len(subscribed) == clients:
                        print(json.dumps({"subscribed": clients}), flush=True)
                elif "seq" in data:
                    seqs.append(data["seq"])
                    if data["seq"] == events:
                        return time.monotonic(), seqs == expected
        raise RuntimeError(f"closed after {len(seqs)} events")

    async with (
        asyncio.timeout(CHILD_TIMEOUT_S),
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http,
    ):
        done = await asyncio.gather(*(client(http) for _ in range(clients)))
    finals = [at for at, _ in done]
    summary = {"first": min(finals), "last": max(finals), "complete": sum(ok for _, ok in done)}
    print(json.dumps(summary), flush=True)


async def _emit_child(args: dict[str, Any]) -> None:
    """Send a job's events as a scrape consumer would, from a process of its own."""
    settings = Settings(**args["settings"])
    job_id, events, stored = args["job_id"], args["events"], args["stored"]
    data = [
        {"url": f"https://www.facebook.com/acmecoffee/posts/{i}", "pages": i}
        for i in range(1, events + 1)
    ]
    async with (
        asyncio.timeout(CHILD_TIMEOUT_S),
        open_database(settings, indexes=False) as db,
        open_broker(settings) as broker,
    ):
        sink = EventSink(db, broker)
        started = time.monotonic()
        for seq, payload in enumerate(data, 1):
            if stored:
                await sink.emit(job_id, "page.loaded", payload)
            else:
                at = datetime.now(UTC)
                await sink.publish(JobEvent(job_id, seq, "page.loaded", at, payload))
        print(json.dumps({"started": started, "sent": time.monotonic()}), flush=True)


# ---- this process: the server and the figures ------------------------------------------


@asynccontextmanager
async def api_serving(settings: Settings) -> AsyncIterator[int]:
    # Imported here: the load processes import this module and start ~1 s sooner without it.
    from postwriter.api.app import make_app

    runner = web.AppRunner(make_app(settings), access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield int(runner.addresses[0][1])
    finally:
        await runner.cleanup()


@asynccontextmanager
async def load_process(mode: str, args: dict[str, Any]) -> AsyncIterator[asyncio.StreamReader]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.bench_api",
        mode,
        json.dumps(args),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout
        await asyncio.wait_for(proc.wait(), CHILD_TIMEOUT_S)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"the {mode} load process exited with {proc.returncode}")


async def next_result(stdout: asyncio.StreamReader) -> dict[str, Any]:
    raw = await asyncio.wait_for(stdout.readline(), CHILD_TIMEOUT_S)
    if not raw:
        raise RuntimeError("the load process ended before its result")
    result: dict[str, Any] = json.loads(raw)
    return result


async def bench_requests(port: int) -> None:
    best: dict[tuple[str, int], dict[str, Any]] = {}
    async with load_process("http", {"port": port}) as results:
        for _ in range(HTTP_ROUNDS):
            for label, _, _, status in ENDPOINTS:
                for connections in CONNECTIONS:
                    got = await next_result(results)
                    if set(got["statuses"]) != {str(status)}:
                        raise RuntimeError(f"{label}: answers {got['statuses']}, not {status}")
                    got["rate"] = got["requests"] / got["seconds"]
                    if got["rate"] > best.get((label, connections), {"rate": 0})["rate"]:
                        best[(label, connections)] = got
    rates = {key: got["rate"] for key, got in best.items()}
    for (label, connections), got in best.items():
        say(
            f"api: {label}, {connections} conn",
            got["rate"],
            "req/s",
            f"p50 {got['p50_ms']:.2f} ms, p95 {got['p95_ms']:.2f} ms",
        )
    busy = max(CONNECTIONS)
    health, layers, listed, spec = (rates[(label, busy)] for label, *_ in ENDPOINTS)
    say(f"api: healthz vs every layer (400), {busy} conn", health / layers, "x", "req/s ratio")
    say(f"api: healthz vs authenticated list, {busy} conn", health / listed, "x", "req/s ratio")
    say(f"api: healthz vs openapi.json, {busy} conn", health / spec, "x", "req/s ratio")


@dataclass(frozen=True)
class Fanout:
    delivered_per_s: float  # client deliveries, first event sent → last client has the last
    sent_per_s: float
    lag_ms: float  # last event sent → the last client has it
    cpu_us: float  # server CPU per delivery
    rss_mib: tuple[float, float, float, float]  # before, connected, peak, after the clients left


async def ws_fanout(port: int, settings: Settings, clients: int, *, stored: bool) -> Fanout:
    """`clients` WebSocket subscribers of one job, `WS_EVENTS` events from another process.

    `stored`: each event is appended to the job's log, then published (`EventSink.emit`, what
    a scrape consumer does); else only published (`EventSink.publish`): the fan-out's capacity.
    """
    async with fresh_job(settings) as job_id:
        shared = {"job_id": job_id, "events": WS_EVENTS}
        names = ("amqp_url", "mongodb_url", "mongodb_db", "namespace")
        emitter_settings = {name: getattr(settings, name) for name in names}
        emit_args = {**shared, "stored": stored, "settings": emitter_settings}
        before = own_rss_kib() / 1024
        async with (
            PeakRss(tree=False) as rss,
            load_process("ws", {**shared, "port": port, "clients": clients}) as results,
        ):
            await next_result(results)
            connected = own_rss_kib() / 1024
            cpu = time.process_time()
            async with load_process("emit", emit_args) as emitter:
                sent = await next_result(emitter)
            got = await next_result(results)
            cpu = time.process_time() - cpu
    if got["complete"] != clients:
        raise RuntimeError(f"only {got['complete']} of {clients} clients got every event once")
    deliveries = clients * WS_EVENTS
    started, finished, last = float(sent["started"]), float(sent["sent"]), float(got["last"])
    return Fanout(
        deliveries / (last - started),
        WS_EVENTS / (finished - started),
        (last - finished) * 1000,
        cpu / deliveries * 1e6,
        (before, connected, rss.peak / 1024, own_rss_kib() / 1024),
    )


async def bench_fanout(port: int, settings: Settings) -> None:
    """Best of `WS_ROUNDS` per setting; memory from the very first run only, the one that
    starts from a server that has served little (later runs reuse what Python kept)."""
    first: Fanout | None = None
    for stored in (True, False):
        mode = "log+publish" if stored else "publish only"
        best: dict[int, Fanout] = {}
        for clients in sorted(WS_CLIENTS, reverse=True):
            runs = [
                await ws_fanout(port, settings, clients, stored=stored) for _ in range(WS_ROUNDS)
            ]
            first = first or runs[0]
            got = best[clients] = max(runs, key=lambda run: run.delivered_per_s)
            say(
                f"ws: {clients} clients, {mode}, delivered",
                got.delivered_per_s,
                "events/s",
                f"{WS_EVENTS} events sent at {got.sent_per_s:.0f}/s; "
                f"server CPU {got.cpu_us:.0f} µs a delivery",
            )
            say(f"ws: {clients} clients, {mode}, last sent → last client", got.lag_ms, "ms")
        few, many = best[WS_CLIENTS[0]], best[WS_CLIENTS[-1]]
        ratio = many.delivered_per_s / few.delivered_per_s
        say(f"ws: {WS_CLIENTS[-1]} vs {WS_CLIENTS[0]} clients, {mode}", ratio, "x", "delivered/s")
    assert first is not None
    before, connected, peak, after = first.rss_mib
    clients = max(WS_CLIENTS)
    say(
        f"ws: {clients} clients, server RSS peak added",
        peak - before,
        "MiB",
        f"{(peak - before) * 1024 / clients:.0f} KiB a client; {before:.0f} MiB before, "
        f"+{connected - before:.1f} connected, {after - before:+.1f} after they left",
    )


@asynccontextmanager
async def fresh_job(settings: Settings) -> AsyncIterator[str]:
    """A queued job. Its events are deleted afterwards so that every run starts on an empty
    log: FerretDB's append slows as the log grows, which would skew the comparison."""
    job_id = new_job_id()
    async with open_database(settings, indexes=False) as db:
        url = "https://www.facebook.com/acmecoffee"
        await jobs.insert_job(
            db, jobs.new_job_document(job_id, url=url, adapter="auto", max_posts=100)
        )
        try:
            yield job_id
        finally:
            await db.events.delete_many({"job_id": job_id})


async def bench_api() -> None:
    service_urls = (
        os.environ.get("POSTWRITER_TEST_AMQP_URL", LOCAL_AMQP),
        os.environ.get("POSTWRITER_TEST_MONGODB_URL", LOCAL_MONGODB),
    )
    unique = uuid.uuid4().hex[:8]
    settings = make_settings(
        service_urls,
        mongodb_db=f"pwbench_{unique}",
        namespace=f"pwbench.{unique}",
        # The benchmark measures the layers, not the limiter: no 429 may interfere.
        api_rate_per_minute=1_000_000,
    )
    try:
        async with api_serving(settings) as port:
            # First: its memory figure starts from a server that has served little.
            await bench_fanout(port, settings)
            # The fan-out left four jobs: the authenticated list answers one row, as in use.
            await bench_requests(port)
        # Last: its thousand mocked requests would leave memory the fan-out figures reuse.
        await bench_body_validation(settings)
    finally:
        await drop_everything(settings)


def main() -> None:
    if len(sys.argv) == 1:
        asyncio.run(bench_api())
        return
    mode, args = sys.argv[1], json.loads(sys.argv[2])
    children = {"http": _http_child, "ws": _ws_child, "emit": _emit_child}
    asyncio.run(children[mode](args))


if __name__ == "__main__":
    main()
