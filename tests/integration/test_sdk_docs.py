"""Every ```python block of docs/sdk.md runs, as written, against a real stack.

Convention for the examples in docs/sdk.md:
- blocks run in document order, in ONE shared namespace: a block may use names an earlier
  block defined (`BASE_URL`, `API_KEY`, `PAGE_URL`, `job_id`, `AsyncClient`, ...);
- they take the server's address, a key and a page to scrape from the environment, which
  this test sets: `BASE_URL` (the API, served by aiohttp's TestServer on a real loopback
  port), `API_KEY` (the bootstrap admin key), `PAGE_URL` (the fixture site's Facebook-like
  page) and `WEBHOOK_URL` (a fixture-site URL the egress policy allows);
- each block runs in a worker thread, so its `asyncio.run(...)` (and the sync `Client`)
  get a loop of their own while the stack serves on the test's loop;
- the working directory is a temporary one that holds `storage_state.json` (the cookie
  export the sessions example imports); files the examples write land there.
A block that raises fails the test, naming the block's line in docs/sdk.md.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from postwriter.settings import Settings
from tests.conftest import TEST_API_KEY
from tests.integration.stack import analysis_running, api_running, consumer_running

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]
ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "sdk.md"
COOKIES = ROOT / "tests" / "fixtures" / "cookies" / "storage_state.json"
VAULT_KEY = "k1:" + "A" * 43  # 32 bytes, base64url without padding
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, code) of every ```python block."""
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in BLOCK.finditer(text)]


def test_the_blocks_are_found() -> None:
    blocks = python_blocks(DOC.read_text("utf-8"))
    assert len(blocks) >= 10
    assert all(code.strip() for _, code in blocks)
    assert python_blocks("x\n```python\nprint(1)\n```\n```bash\nls\n```\n") == [(3, "print(1)\n")]


def _run(code: str, line: int, namespace: dict[str, Any]) -> None:
    exec(compile(code, f"docs/sdk.md, block at line {line}", "exec"), namespace)  # noqa: S102


async def test_every_example_in_the_sdk_guide_runs(
    settings: Settings,
    fixture_site: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shutil.copy(COOKIES, tmp_path / "storage_state.json")
    monkeypatch.chdir(tmp_path)
    with_vault = replace(settings, keys=VAULT_KEY)
    async with (
        api_running(with_vault) as stack,
        consumer_running(with_vault),
        analysis_running(with_vault),
    ):
        monkeypatch.setenv("BASE_URL", str(stack.client.make_url("")).rstrip("/"))
        monkeypatch.setenv("API_KEY", TEST_API_KEY)
        monkeypatch.setenv("PAGE_URL", f"{fixture_site}/acmecoffee")
        monkeypatch.setenv("WEBHOOK_URL", f"{fixture_site}/webhook-receiver")
        namespace: dict[str, Any] = {"__name__": "sdk_docs"}
        for line, code in python_blocks(DOC.read_text("utf-8")):
            await asyncio.to_thread(_run, code, line, namespace)

    # What the examples left behind is what they claim to do.
    assert isinstance(namespace["job_id"], str)
    exported = (tmp_path / "posts.csv").read_text("utf-8-sig")
    assert exported.count("\n") > 24
