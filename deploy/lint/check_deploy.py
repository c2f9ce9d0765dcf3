"""Consistency checks for the deployment files that no off-the-shelf linter covers.

Run by deploy/lint/lint-deploy.sh with the .tools/venv interpreter (needs PyYAML,
which yamllint brings). Each sub-command prints its findings and exits 1 if
there are any:

  compose-env    every ${VAR} of docker-compose.yml is in deploy/compose/.env.example,
                 secrets there are CHANGE_ME placeholders, bind-mounted files exist
  dashboard OUT  the Grafana dashboard is valid JSON with unique panel ids, a grid
                 position and the provisioned datasource on every panel and query;
                 writes its PromQL to OUT as a rules file for `promtool check rules`
  metrics        every metric that the rules and the dashboard name is one the
                 application (or RabbitMQ's prometheus plugin) exports, or a
                 recording rule defined in deploy/prometheus/rules
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / "compose" / ".env.example"
DASHBOARD_DIR = ROOT / "deploy" / "grafana" / "dashboards"
DATASOURCES_DIR = ROOT / "deploy" / "grafana" / "provisioning" / "datasources"
RULES_DIR = ROOT / "deploy" / "prometheus" / "rules"

# The metric contract of the application (postwriter.observability) and the
# RabbitMQ series the rules use. Histograms also expose _bucket/_sum/_count.
APP_COUNTERS_AND_GAUGES = {
    "postwriter_http_requests_total",
    "postwriter_jobs_submitted_total",
    "postwriter_jobs_finished_total",
    "postwriter_pages_loaded_total",
    "postwriter_posts_stored_total",
    "postwriter_messages_total",
    "postwriter_ws_clients",
    "postwriter_ws_clients_dropped_total",
    "postwriter_browser_restarts_total",
    "postwriter_publish_failures_total",
    "postwriter_jobs_in_progress",
}
APP_HISTOGRAMS = {
    "postwriter_http_request_duration_seconds",
    "postwriter_scrape_duration_seconds",
}
RABBITMQ_METRICS = {
    "rabbitmq_queue_messages",
    "rabbitmq_queue_messages_ready",
    "rabbitmq_queue_messages_unacked",
    "rabbitmq_queue_consumers",
}
SECRET_WORDS = ("PASSWORD", "KEYS", "SECRET", "TOKEN")
PLACEHOLDER = "CHANGE_ME"

# Grafana's variables, replaced by a plausible value before promtool parses the query.
GRAFANA_VARIABLES = {
    "$__rate_interval": "5m",
    "$__interval": "1m",
    "$__range": "1h",
}


def known_metric_names() -> set[str]:
    names = set(APP_COUNTERS_AND_GAUGES) | RABBITMQ_METRICS | {"up"}
    for histogram in APP_HISTOGRAMS:
        names |= {f"{histogram}_bucket", f"{histogram}_sum", f"{histogram}_count"}
    return names


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def report(findings: list[str], what: str) -> int:
    for finding in findings:
        print(f"  {finding}")
    if findings:
        print(f"  {len(findings)} finding(s) in {what}")
        return 1
    return 0


# --------------------------------------------------------------------------- compose
def parse_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if sep:
            values[name.strip()] = value.strip()
    return values


def check_compose_env() -> int:
    findings: list[str] = []
    compose_text = COMPOSE.read_text(encoding="utf-8")
    env = parse_env_file(ENV_EXAMPLE)
    used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", compose_text))
    for name in sorted(used - env.keys()):
        findings.append(f"docker-compose.yml uses ${{{name}}} but {ENV_EXAMPLE.name} lacks it")
    for name in sorted(env.keys() - used):
        findings.append(f"{ENV_EXAMPLE.name} sets {name} but docker-compose.yml never uses it")
    for name, value in sorted(env.items()):
        if any(word in name for word in SECRET_WORDS) and value != PLACEHOLDER:
            findings.append(f"{ENV_EXAMPLE.name}: {name} must be the placeholder {PLACEHOLDER}")

    compose = load_yaml(COMPOSE)
    for service_name, service in compose.get("services", {}).items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else ""
            if source.startswith("./") and not (ROOT / source).exists():
                findings.append(f"service {service_name} mounts missing path {source}")
        for port in service.get("ports", []):
            if not str(port).startswith("127.0.0.1:"):
                findings.append(f"service {service_name} publishes {port} beyond 127.0.0.1")
    return report(findings, "docker-compose.yml / .env.example")


# --------------------------------------------------------------------------- dashboard
def provisioned_datasource_uids() -> set[str]:
    uids: set[str] = set()
    for path in sorted(DATASOURCES_DIR.glob("*.yml")):
        for datasource in (load_yaml(path) or {}).get("datasources", []):
            uids.add(str(datasource.get("uid", "")))
    return uids


def iter_panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from iter_panels(panel.get("panels", []))


def dashboard_queries(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for panel in iter_panels(dashboard.get("panels", [])):
        for target in panel.get("targets", []):
            yield str(panel.get("title", "?")), str(target.get("expr", ""))


def check_dashboard(out: Path) -> int:
    findings: list[str] = []
    uids = provisioned_datasource_uids()
    rules: list[dict[str, str]] = []
    seen_uids: set[str] = set()
    for path in sorted(DASHBOARD_DIR.glob("*.json")):
        try:
            dashboard = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            findings.append(f"{path.name}: invalid JSON: {exc}")
            continue
        for key in ("uid", "title", "panels", "schemaVersion"):
            if key not in dashboard:
                findings.append(f"{path.name}: missing top-level {key!r}")
        uid = str(dashboard.get("uid", ""))
        if uid in seen_uids:
            findings.append(f"{path.name}: dashboard uid {uid!r} used twice")
        seen_uids.add(uid)
        ids: set[int] = set()
        for panel in iter_panels(dashboard.get("panels", [])):
            title = panel.get("title", "?")
            panel_id = panel.get("id")
            if not isinstance(panel_id, int) or panel_id in ids:
                findings.append(f"{path.name}: panel {title!r} has a missing or repeated id")
            else:
                ids.add(panel_id)
            grid = panel.get("gridPos", {})
            if not all(isinstance(grid.get(k), int) for k in ("h", "w", "x", "y")):
                findings.append(f"{path.name}: panel {title!r} lacks a complete gridPos")
            elif grid["x"] + grid["w"] > 24:
                findings.append(f"{path.name}: panel {title!r} is wider than the 24-column grid")
            if panel.get("type") == "row":
                continue
            sources = [panel.get("datasource", {})]
            sources += [t.get("datasource", {}) for t in panel.get("targets", [])]
            for source in sources:
                if source.get("uid") not in uids:
                    findings.append(
                        f"{path.name}: panel {title!r} uses datasource {source.get('uid')!r}, "
                        f"not one of the provisioned {sorted(uids)}"
                    )
            if not panel.get("targets"):
                findings.append(f"{path.name}: panel {title!r} has no query")
        for index, (title, expr) in enumerate(dashboard_queries(dashboard)):
            if not expr.strip():
                findings.append(f"{path.name}: panel {title!r} has an empty query")
                continue
            for variable, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(variable, value)
            if "$" in expr:
                findings.append(f"{path.name}: panel {title!r} uses an unknown variable: {expr}")
                continue
            rules.append({"record": f"dashboard:query_{index}:check", "expr": expr})
    out.write_text(
        yaml.safe_dump({"groups": [{"name": "dashboard-queries", "rules": rules}]}),
        encoding="utf-8",
    )
    return report(findings, "Grafana dashboards")


# --------------------------------------------------------------------------- metrics
STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|\'(?:[^\'\\]|\\.)*\'')
# A metric name is a run of [a-zA-Z0-9_:]; a recorded one contains colons.
RAW_METRIC = re.compile(r"(?<![\w:])(?:postwriter|rabbitmq)_\w+(?![\w:])")
RECORDED = re.compile(r"(?<![\w:])[a-z_]+:\w+(?::\w+)*(?![\w:])")


def rule_groups() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(RULES_DIR.glob("*.yml")):
        for group in (load_yaml(path) or {}).get("groups", []):
            for rule in group.get("rules", []):
                yield path, rule


def check_metrics() -> int:
    findings: list[str] = []
    known = known_metric_names()
    recorded = {str(rule["record"]) for _, rule in rule_groups() if "record" in rule}
    exprs: list[tuple[str, str]] = [
        (f"{path.name}: {rule.get('record') or rule.get('alert')}", str(rule["expr"]))
        for path, rule in rule_groups()
    ]
    for path in sorted(DASHBOARD_DIR.glob("*.json")):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        exprs += [(f"{path.name}: {title}", expr) for title, expr in dashboard_queries(dashboard)]
    for where, expr in exprs:
        bare = STRING_LITERAL.sub('""', expr)
        for name in sorted(set(RAW_METRIC.findall(bare))):
            if name not in known:
                findings.append(f"{where}: unknown metric {name}")
        for name in sorted(set(RECORDED.findall(bare))):
            if name not in recorded:
                findings.append(f"{where}: recording rule {name} is not defined")
    return report(findings, "metric names")


def main(argv: list[str]) -> int:
    if argv[:1] == ["compose-env"]:
        return check_compose_env()
    if argv[:1] == ["dashboard"] and len(argv) == 2:
        return check_dashboard(Path(argv[1]))
    if argv[:1] == ["metrics"]:
        return check_metrics()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
