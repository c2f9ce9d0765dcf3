"""The `postwriter` command as a user runs it: a process, its stdout, its exit code."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fixtures.site.dataset import load_page
from tests.fixtures.site.expected import expected_posts
from tests.fixtures.site.render import render_timeline_html


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POSTWRITER_")}
    return subprocess.run(
        [sys.executable, "-m", "postwriter", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_wrong_setting_stops_with_one_line_naming_it() -> None:
    done = _run(["submit", "https://example.com/"], POSTWRITER_API_PORT="eighty")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "postwriter: invalid setting POSTWRITER_API_PORT: expected a whole number, got 'eighty'"
    ]


def test_extract_prints_one_json_object_per_post_of_a_saved_page(tmp_path: Path) -> None:
    page = load_page("acmecoffee")
    saved = tmp_path / "timeline.html"
    saved.write_text(render_timeline_html(page, page.posts, now=datetime.now(UTC)), "utf-8")
    base = "http://127.0.0.1:8081/acmecoffee"
    done = _run(["extract", str(saved), "--base-url", base])
    assert done.returncode == 0, done.stderr
    printed = [json.loads(line) for line in done.stdout.splitlines()]
    expected = {p["external_id"]: p for p in expected_posts("http://127.0.0.1:8081")}
    assert len(printed) == 24
    for post in printed:
        want = expected[post["external_id"]]
        for field in ("url", "text", "metrics", "published_at", "links", "media", "is_sponsored"):
            assert post[field] == want[field], (post["external_id"], field)


def test_extract_of_a_missing_file_is_a_clear_error() -> None:
    done = _run(["extract", "/nonexistent/page.html"])
    assert done.returncode == 2
    assert "no such file" in done.stderr


@pytest.mark.integration
async def test_extract_renders_a_url_in_chromium(fixture_site: str) -> None:
    # Async: the fixture site is served by this test's event loop, which must keep running.
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POSTWRITER_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "postwriter", "extract", f"{fixture_site}/acmecoffee"),
        cwd=ROOT,
        env={**clean, "POSTWRITER_EGRESS_ALLOW": fixture_site.split("//", 1)[1]},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, stderr.decode()
    ids = sorted(json.loads(line)["external_id"] for line in stdout.decode().splitlines())
    assert ids == sorted(p["external_id"] for p in expected_posts(fixture_site))


def test_extract_refuses_a_url_outside_the_egress_policy() -> None:
    done = _run(["extract", "http://127.0.0.1:9/"])
    assert done.returncode == 1
    assert "blocked_destination" in done.stderr


def test_classify_reads_json_lines_and_writes_labels_and_tone() -> None:
    lines = "\n".join(
        [
            json.dumps({"id": "a", "text": "Only 3 days left! Shop the sale now: https://x.test"}),
            json.dumps({"id": "b", "text": "מה דעתכם על הקפה החדש? כתבו לנו בתגובות 👇"}),
            "not json",
        ]
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POSTWRITER_")}
    done = subprocess.run(
        [sys.executable, "-m", "postwriter", "classify"],
        cwd=ROOT,
        env=clean,
        input=lines,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o.get("id") for o in out[:2]] == ["a", "b"]
    assert out[0]["language"] == "en" and out[1]["language"] == "he"
    assert out[0]["is_marketing"]["value"] is True
    assert "urgency" in {h["label"] for h in out[0]["hooks"]}
    assert "shop" in {c["label"] for c in out[0]["cta"]}
    assert "comment" in {c["label"] for c in out[1]["cta"]}
    assert set(out[0]["tone"]) >= {"formality", "emoji_ratio", "reading_ease"}
    assert out[2]["error"]["code"] == "invalid_request"
    assert done.returncode == 1  # one line was bad; the others were still answered
