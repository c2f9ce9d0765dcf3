"""Fuzz the API against its own OpenAPI document: `python -m tests.fuzz` (`make fuzz`).

Starts an API process on 127.0.0.1 with a database and AMQP namespace of its own (no scrape
consumer and no webhook dispatcher, so no fuzzed URL is ever fetched and nothing leaves the
machine), then runs schemathesis against /v1/openapi.json with every check, including:
no 5xx (`not_a_server_error`), responses match their schemas, and no documented-as-protected
operation works without a key (`ignored_auth`). Exit status is schemathesis's: 0 when clean.
Or point it at a running stack: `python -m tests.fuzz --base http://127.0.0.1:8080 --key KEY`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

from postwriter.settings import Settings
from tests.conftest import drop_everything
from tests.e2e.processes import free_port, process, settings_env, wait_http

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "test-artifacts" / "fuzz"
# Checks that do not fit this API's documented contract, each with the reason.
EXCLUDED_CHECKS = {
    # A schema-valid body can still fail a rule JSON Schema cannot state (the egress policy on
    # a URL, CSS selector syntax, a cookie file's format, fields that go together); those
    # answer 400 with a stable code on purpose.
    "positive_data_acceptance": "semantic checks beyond the schema answer 400 by design",
}


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz")
    parser.add_argument("--base", help="fuzz a running API instead of starting one")
    parser.add_argument("--key", help="admin key for --base")
    parser.add_argument("--max-examples", type=int, default=80, help="cases per operation")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--workers", default="1")
    return parser.parse_args()


def _schemathesis(base: str, key: str, args: argparse.Namespace) -> int:
    REPORTS.mkdir(parents=True, exist_ok=True)
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{base}/v1/openapi.json",
        "--url",
        base,
        "--header",
        f"Authorization: Bearer {key}",
        "--checks",
        "all",
        "--max-examples",
        str(args.max_examples),
        "--workers",
        str(args.workers),
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "too_slow,filter_too_much",
        "--report",
        "junit",
        "--report-dir",
        str(REPORTS),
        "--output-sanitize",
        "true",
    ]
    if EXCLUDED_CHECKS:
        command += ["--exclude-checks", ",".join(EXCLUDED_CHECKS)]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    return subprocess.run(command, cwd=ROOT, check=False).returncode


def main() -> int:
    args = _args()
    if args.base:
        key = args.key or os.environ.get("POSTWRITER_BOOTSTRAP_API_KEY", "")
        return _schemathesis(args.base.rstrip("/"), key, args)
    unique = uuid.uuid4().hex[:10]
    key = "fuzz-" + secrets.token_urlsafe(24)
    port = free_port()
    settings = Settings(
        amqp_url=os.environ.get("POSTWRITER_TEST_AMQP_URL", Settings().amqp_url),
        mongodb_url=os.environ.get("POSTWRITER_TEST_MONGODB_URL", Settings().mongodb_url),
        mongodb_db=f"pwfuzz_{unique}",
        namespace=f"pwfuzz.{unique}",
        api_port=port,
        metrics_port=free_port(),
        bootstrap_api_key=key,
        # A vault key, so session imports are exercised rather than refused as unconfigured.
        keys="fuzz:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        # The fuzzer sends thousands of requests with one key: the limit is tested elsewhere.
        api_rate_per_minute=1_000_000,
    )
    try:
        with process("fuzz-api", ["-m", "postwriter", "api"], settings_env(settings)):
            base = f"http://127.0.0.1:{port}"
            asyncio.run(wait_http(f"{base}/readyz", 60))
            return _schemathesis(base, key, args)
    finally:
        asyncio.run(drop_everything(settings))


if __name__ == "__main__":
    sys.exit(main())
