"""Shared fixtures: real RabbitMQ, a real MongoDB-wire server, the fixture site.

Service URLs come from POSTWRITER_TEST_AMQP_URL / POSTWRITER_TEST_MONGODB_URL when set;
else Testcontainers start RabbitMQ and MongoDB 7 where a Docker engine answers; else the
local services from deploy/local/services.sh are used (and started if they are not up).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from aiohttp import web

from postwriter.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
LOCAL_MONGODB = "mongodb://127.0.0.1:27017/"
TEST_API_KEY = "test-key-0123456789abcdef"  # gitleaks:allow (test-only key)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _docker_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        done = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and bool(done.stdout.strip())


def _start_local_services() -> None:
    if not (_port_open(5672) and _port_open(27017)):
        subprocess.run(["bash", str(ROOT / "scripts" / "services.sh"), "start"], check=True)


@pytest.fixture(scope="session")
def service_urls() -> Iterator[tuple[str, str]]:
    amqp = os.environ.get("POSTWRITER_TEST_AMQP_URL")
    mongo = os.environ.get("POSTWRITER_TEST_MONGODB_URL")
    with ExitStack() as stack:
        if (amqp is None or mongo is None) and _docker_available():
            from testcontainers.mongodb import MongoDbContainer
            from testcontainers.rabbitmq import RabbitMqContainer

            if amqp is None:
                rabbit = stack.enter_context(RabbitMqContainer("rabbitmq:3.13-management"))
                host, port = rabbit.get_container_host_ip(), rabbit.get_exposed_port(5672)
                amqp = f"amqp://guest:guest@{host}:{port}/"
            if mongo is None:
                mongo = stack.enter_context(MongoDbContainer("mongo:7")).get_connection_url()
        if amqp is None or mongo is None:
            _start_local_services()
        yield amqp or LOCAL_AMQP, mongo or LOCAL_MONGODB


@pytest.fixture(scope="session")
async def fixture_site() -> AsyncIterator[str]:
    """The local demo site, served in-process on a free loopback port."""
    from tests.fixtures.site.server import make_app

    runner = web.AppRunner(make_app(), shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert isinstance(server, asyncio.Server)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


def make_settings(
    service_urls: tuple[str, str], site: str | None = None, **extra: object
) -> Settings:
    amqp, mongo = service_urls
    unique = uuid.uuid4().hex[:10]
    allow = (site.split("//", 1)[1],) if site else ()
    values: dict[str, object] = {
        "amqp_url": amqp,
        "mongodb_url": mongo,
        "mongodb_db": f"pwtest_{unique}",
        "namespace": f"pwtest.{unique}",
        "bootstrap_api_key": TEST_API_KEY,
        "egress_allow": allow,
        "scroll_wait_ms": 300,
        "navigation_timeout_s": 20.0,
        "job_budget_s": 120.0,
        "publish_timeout_s": 5.0,
        "metrics_port": 0,
        # The fixture site is ours: no need to be polite to it between tests.
        "rate_per_minute": 10000,
        "rate_per_hour": 10000,
    }
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def settings(service_urls: tuple[str, str], fixture_site: str) -> AsyncIterator[Settings]:
    """Settings with a database and AMQP namespace of this test's own; removed afterwards."""
    settings = make_settings(service_urls, fixture_site)
    yield settings
    await drop_everything(settings)


async def drop_everything(settings: Settings) -> None:
    import aio_pika
    from pymongo import AsyncMongoClient

    from postwriter.messaging.topology import Names

    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        settings.mongodb_url, serverSelectionTimeoutMS=5000
    )
    try:
        await client.drop_database(settings.mongodb_db)
    finally:
        await client.close()
    names = Names.for_settings(settings)
    connection = await aio_pika.connect(settings.amqp_url, timeout=10)
    async with connection:
        channel = await connection.channel()
        analysis = settings.queue_name("analysis.events")
        for queue in (names.scrape_queue, names.dead_queue, names.webhook_queue, analysis):
            await channel.queue_delete(queue)
        for exchange in (names.requests_exchange, names.dead_exchange, names.events_exchange):
            await channel.exchange_delete(exchange)
