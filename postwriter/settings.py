"""One frozen settings object, read from `POSTWRITER_*` variables once and validated at start."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import TypeVar
from urllib.parse import urlsplit

from postwriter.errors import SettingsError

PREFIX = "POSTWRITER_"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Settings:
    amqp_url: str = field(default="amqp://guest:guest@127.0.0.1:5672/", repr=False)
    mongodb_url: str = field(default="mongodb://127.0.0.1:27017/", repr=False)
    mongodb_db: str = "postwriter"
    namespace: str = "postwriter"
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    # An admin key accepted without a stored record, for first start; create real keys, then unset.
    bootstrap_api_key: str = field(default="", repr=False)
    # Requests per minute per API key, unless the key carries its own limit.
    api_rate_per_minute: int = 600
    # Browser origins allowed to open the WebSocket (besides the API's own origin).
    ws_allowed_origins: tuple[str, ...] = ()
    ws_heartbeat_s: float = 20.0
    ws_max_subscriptions: int = 100
    webhook_timeout_s: float = 10.0
    webhook_max_attempts: int = 8
    webhook_backoff_base_s: float = 2.0
    webhook_backoff_max_s: float = 600.0
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9101
    egress_allow: tuple[str, ...] = ()
    scrape_concurrency: int = 2
    delivery_limit: int = 5
    publish_timeout_s: float = 10.0
    connect_timeout_s: float = 10.0
    db_timeout_s: float = 10.0
    navigation_timeout_s: float = 30.0
    job_budget_s: float = 300.0
    scroll_idle_rounds: int = 3
    scroll_wait_ms: int = 400
    chromium_path: str = "/usr/bin/chromium"
    browser_recycle_pages: int = 200
    ws_send_queue: int = 256
    max_body_bytes: int = 64 * 1024
    log_level: str = "INFO"
    log_format: str = "json"
    # Session vault: `kid:base64(32 bytes)` entries, comma-separated; the first encrypts.
    keys: str = field(default="", repr=False)
    keys_file: str = ""
    # Politeness per domain, shared by every consumer (defaults safe for a personal account).
    rate_per_minute: int = 20
    rate_per_hour: int = 300
    backoff_min_s: float = 30.0
    backoff_max_s: float = 1800.0
    # Route Chromium through the in-process egress proxy (resolve once, connect to that IP).
    egress_proxy: bool = True
    browser_max_rss_mb: int = 1500
    queued_deadline_s: float = 3600.0
    reaper_interval_s: float = 30.0
    scheduler_interval_s: float = 15.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build from the environment; the first bad value raises `SettingsError` naming it."""
        env = os.environ if environ is None else environ
        known = {PREFIX + f.name.upper() for f in fields(cls)}
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            var = PREFIX + f.name.upper()
            raw = env.get(var)
            if raw is None or raw == "":
                continue
            kwargs[f.name] = _PARSERS[f.name](var, raw.strip())
        unknown = sorted(
            k for k in env if k.startswith(PREFIX) and k not in known and not _ignored(k)
        )
        if unknown:
            raise SettingsError(unknown[0], "unknown setting (check the spelling)")
        settings = cls(**kwargs)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.scrape_concurrency > 64:
            raise SettingsError("POSTWRITER_SCRAPE_CONCURRENCY", "must be at most 64")
        if not self.namespace.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise SettingsError("POSTWRITER_NAMESPACE", "letters, digits, '.', '-', '_' only")

    def queue_name(self, suffix: str) -> str:
        return f"{self.namespace}.{suffix}"


def _ignored(name: str) -> bool:
    # Test and tooling variables share the prefix but are not service settings.
    return name.startswith(("POSTWRITER_TEST_", "POSTWRITER_DEMO_", "POSTWRITER_BENCH_"))


def _int(low: int, high: int) -> Callable[[str, str], int]:
    def parse(var: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(var, f"expected a whole number, got {raw!r}") from None
        if not low <= value <= high:
            raise SettingsError(var, f"must be between {low} and {high}, got {value}")
        return value

    return parse


def _float(low: float, high: float) -> Callable[[str, str], float]:
    def parse(var: str, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(var, f"expected a number of seconds, got {raw!r}") from None
        if not low <= value <= high:
            raise SettingsError(var, f"must be between {low} and {high}, got {value}")
        return value

    return parse


def _url(*schemes: str) -> Callable[[str, str], str]:
    def parse(var: str, raw: str) -> str:
        parts = urlsplit(raw)
        if parts.scheme not in schemes or not parts.hostname:
            # Never echo the value: DSNs carry passwords.
            raise SettingsError(var, f"expected a {' or '.join(schemes)} URL with a host")
        return raw

    return parse


def _text(var: str, raw: str) -> str:
    return raw


def _choice(*options: str) -> Callable[[str, str], str]:
    def parse(var: str, raw: str) -> str:
        value = raw.lower() if raw.lower() in options else raw.upper()
        if value not in options:
            raise SettingsError(var, f"expected one of {', '.join(options)}, got {raw!r}")
        return value

    return parse


def _bool(var: str, raw: str) -> bool:
    value = raw.lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(var, f"expected true or false, got {raw!r}")


def _secret(var: str, raw: str) -> str:
    return raw


def _bootstrap_key(var: str, raw: str) -> str:
    if len(raw) < 24:
        raise SettingsError(var, "the bootstrap key must be at least 24 characters")
    return raw


def _origins(var: str, raw: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
            raise SettingsError(var, f"{origin!r} is not an origin like https://host[:port]")
    return origins


def _egress_rules(var: str, raw: str) -> tuple[str, ...]:
    rules = tuple(r.strip().lower() for r in raw.split(",") if r.strip())
    for rule in rules:
        if "/" in rule:
            try:
                ipaddress.ip_network(rule, strict=False)
            except ValueError:
                raise SettingsError(var, f"{rule!r} is not a valid CIDR") from None
        elif (
            not rule.replace(".", "")
            .replace("-", "")
            .replace(":", "")
            .replace("[", "")
            .replace("]", "")
            .isalnum()
        ):
            raise SettingsError(var, f"{rule!r} is not a host, host:port or CIDR")
    return rules


_PARSERS: dict[str, Callable[[str, str], object]] = {
    "amqp_url": _url("amqp", "amqps"),
    "mongodb_url": _url("mongodb", "mongodb+srv"),
    "mongodb_db": _text,
    "namespace": _text,
    "api_host": _text,
    "api_port": _int(0, 65535),
    "bootstrap_api_key": _bootstrap_key,
    "api_rate_per_minute": _int(1, 1000000),
    "ws_allowed_origins": _origins,
    "ws_heartbeat_s": _float(1, 3600),
    "ws_max_subscriptions": _int(1, 10000),
    "webhook_timeout_s": _float(0.1, 120),
    "webhook_max_attempts": _int(1, 50),
    "webhook_backoff_base_s": _float(0.01, 3600),
    "webhook_backoff_max_s": _float(0.01, 86400),
    "metrics_host": _text,
    "metrics_port": _int(0, 65535),
    "egress_allow": _egress_rules,
    "scrape_concurrency": _int(1, 1000),
    "delivery_limit": _int(1, 100),
    "publish_timeout_s": _float(0.1, 600),
    "connect_timeout_s": _float(0.1, 600),
    "db_timeout_s": _float(0.1, 600),
    "navigation_timeout_s": _float(1, 600),
    "job_budget_s": _float(1, 86400),
    "scroll_idle_rounds": _int(1, 50),
    "scroll_wait_ms": _int(0, 60000),
    "chromium_path": _text,
    "browser_recycle_pages": _int(1, 100000),
    "ws_send_queue": _int(1, 100000),
    "max_body_bytes": _int(1024, 64 * 1024 * 1024),
    "log_level": _choice("DEBUG", "INFO", "WARNING", "ERROR"),
    "log_format": _choice("json", "text"),
    "keys": _secret,
    "keys_file": _text,
    "rate_per_minute": _int(1, 10000),
    "rate_per_hour": _int(1, 10000),
    "backoff_min_s": _float(0.1, 86400),
    "backoff_max_s": _float(0.1, 86400),
    "egress_proxy": _bool,
    "browser_max_rss_mb": _int(100, 1000000),
    "queued_deadline_s": _float(1, 30 * 86400),
    "reaper_interval_s": _float(0.1, 86400),
    "scheduler_interval_s": _float(0.1, 86400),
}
