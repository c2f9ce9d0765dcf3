"""Start PostWriter's real processes (`python -m postwriter ...`) for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path

from postwriter.settings import PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "test-artifacts" / "e2e-logs"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def settings_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}
    for f in fields(settings):
        value = getattr(settings, f.name)
        if isinstance(value, tuple):
            value = ",".join(value)
        env[PREFIX + f.name.upper()] = str(value)
    env["POSTWRITER_LOG_FORMAT"] = "json"
    return env


def api_env(env: dict[str, str]) -> dict[str, str]:
    """The API's own metrics port (any free one), so it does not collide with a consumer
    started from the same settings."""
    return {**env, "POSTWRITER_METRICS_PORT": "0"}


@contextmanager
def process(name: str, args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A child process with its log kept under test-artifacts/; stopped on exit."""
    LOGS.mkdir(parents=True, exist_ok=True)
    with open(LOGS / f"{name}.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)


async def wait_http(url: str, timeout: float = 60) -> None:
    import aiohttp

    async with asyncio.timeout(timeout), aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url) as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
