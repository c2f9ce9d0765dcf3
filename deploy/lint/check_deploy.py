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
                 recording rule defined in deploy/prometheus/rules; and every
                 metric the application defines is used by a rule or a panel.
                 The application's metrics are read from its source: every
                 prometheus_client Counter/Gauge/Histogram/Summary in postwriter/,
                 consumers/ and producers/
  settings       every POSTWRITER_* variable that docker-compose.yml or deploy/k8s
                 hands to a container is a field of postwriter.settings.Settings
                 (the application refuses unknown ones)
"""

from __future__ import annotations

import ast
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
K8S_DIR = ROOT / "deploy" / "k8s"
SETTINGS_PY = ROOT / "postwriter" / "settings.py"
# Where the application defines its metrics (prometheus_client objects).
SOURCE_DIRS = [ROOT / "postwriter", ROOT / "consumers", ROOT / "producers"]
METRIC_CLASSES = {"Counter", "Gauge", "Histogram", "Summary"}
SETTINGS_PREFIX = "POSTWRITER_"
# Test and tool variables the application ignores (postwriter.settings._ignored).
IGNORED_PREFIXES = ("POSTWRITER_TEST_", "POSTWRITER_DEMO_", "POSTWRITER_BENCH_")
# The RabbitMQ series the rules and the dashboard use.
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


def exposed_names(kind: str, name: str) -> set[str]:
    """The series names prometheus_client exposes for one metric object."""
    if kind == "Counter":
        base = name.removesuffix("_total")
        return {f"{base}_total"}
    if kind == "Histogram":
        return {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    if kind == "Summary":
        return {name, f"{name}_sum", f"{name}_count"}
    return {name}


def app_metrics() -> dict[str, set[str]]:
    """Each metric the application defines (by its name) and the series it exposes.

    Found by parsing the source, not importing it: any call of a prometheus_client
    metric class whose first argument is a string literal, in a module that imports
    prometheus_client.
    """
    metrics: dict[str, set[str]] = {}
    for directory in SOURCE_DIRS:
        for path in sorted(directory.rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if "prometheus_client" not in text:
                continue
            for node in ast.walk(ast.parse(text, filename=str(path))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                kind = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                first = node.args[0]
                if (
                    kind in METRIC_CLASSES
                    and isinstance(first, ast.Constant)
                    and isinstance(first.value, str)
                ):
                    metrics[first.value] = exposed_names(kind, first.value)
    return metrics


def known_metric_names() -> set[str]:
    names = set(RABBITMQ_METRICS) | {"up"}
    for exposed in app_metrics().values():
        names |= exposed
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
    metrics = app_metrics()
    if not metrics:
        findings.append("no prometheus_client metric found in the application's source")
    known = known_metric_names()
    used: set[str] = set()
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
        used |= set(RAW_METRIC.findall(bare))
        for name in sorted(set(RAW_METRIC.findall(bare))):
            if name not in known:
                findings.append(f"{where}: unknown metric {name}")
        for name in sorted(set(RECORDED.findall(bare))):
            if name not in recorded:
                findings.append(f"{where}: recording rule {name} is not defined")
    for name, exposed in sorted(metrics.items()):
        if not exposed & used:
            findings.append(
                f"the application exports {name} but no rule or dashboard panel uses it"
            )
    return report(findings, "metric names")


# --------------------------------------------------------------------------- settings
def setting_names() -> set[str]:
    """POSTWRITER_<FIELD> for every field of the Settings dataclass (parsed, not imported)."""
    tree = ast.parse(SETTINGS_PY.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "Settings":
            return {
                SETTINGS_PREFIX + item.target.id.upper()
                for item in node.body
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
            }
    return set()


def k8s_variables() -> Iterator[tuple[str, str]]:
    """(where, name) of every variable a manifest under deploy/k8s gives a container."""
    for path in sorted(K8S_DIR.rglob("*.yaml")):
        where = str(path.relative_to(ROOT))
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not isinstance(doc, dict):
                continue
            kind = doc.get("kind")
            if kind == "ConfigMap":
                for name in doc.get("data") or {}:
                    yield f"{where}: ConfigMap {doc['metadata']['name']}", name
            elif kind == "Secret":
                for field in ("data", "stringData"):
                    for name in doc.get(field) or {}:
                        yield f"{where}: Secret {doc['metadata']['name']}", name
            pod = doc.get("spec", {}).get("template", {}).get("spec", {})
            if kind == "CronJob":
                pod = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
            for container in pod.get("containers", []) + pod.get("initContainers", []):
                for env in container.get("env", []):
                    yield f"{where}: container {container['name']}", env["name"]


def check_settings() -> int:
    findings: list[str] = []
    known = setting_names()
    if not known:
        findings.append(f"no Settings dataclass found in {SETTINGS_PY.relative_to(ROOT)}")
    given: list[tuple[str, str]] = list(k8s_variables())
    compose = load_yaml(COMPOSE)
    for service_name, service in compose.get("services", {}).items():
        environment = service.get("environment") or {}
        names = (
            [item.split("=", 1)[0] for item in environment]
            if isinstance(environment, list)
            else list(environment)
        )
        given += [(f"docker-compose.yml: service {service_name}", name) for name in names]
    for where, name in given:
        if not name.startswith(SETTINGS_PREFIX) or name.startswith(IGNORED_PREFIXES):
            continue
        if name not in known:
            findings.append(f"{where}: {name} is not a setting; the application would refuse it")
    return report(findings, "POSTWRITER_* variables")


def main(argv: list[str]) -> int:
    if argv[:1] == ["compose-env"]:
        return check_compose_env()
    if argv[:1] == ["dashboard"] and len(argv) == 2:
        return check_dashboard(Path(argv[1]))
    if argv[:1] == ["metrics"]:
        return check_metrics()
    if argv[:1] == ["settings"]:
        return check_settings()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
