#!/usr/bin/env bash
# Runs the whole test suite, installing whatever is missing first: the type check, the OpenAPI
# lint, the check that the generated SDKs match openapi.json, the unit specs, schemathesis against
# the built service, then the end-to-end specs against real Redis and nsjail (the SDKs and Swagger
# UI in Chromium among them).
# Prints "N passed, N failed" as its last line (each check counts as one).
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_CHROMIUM=1 SETUP_REDIS_SERVER=1 bash scripts/setup.sh
source scripts/redis.sh
ensure_redis
[ -x .tools/node/bin/node ] && export PATH="$PWD/.tools/node/bin:$PATH"

results=$(mktemp -d)
status=0
checks_passed=0
checks_failed=0
check() { # name command...: a step that counts as one test
  local name=$1
  shift
  if "$@"; then
    checks_passed=$((checks_passed + 1))
  else
    checks_failed=$((checks_failed + 1))
    status=1
    printf '[test] FAILED: %s\n' "$name" >&2
  fi
}
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
check "tsc --noEmit" npx tsc --noEmit -p tsconfig.json
check "redocly lint openapi.json" npx --no-install redocly lint openapi.json
check "generated SDKs match openapi.json" bash scripts/generate-sdks.sh --check
check "deployment files (compose schema, Dockerfile)" bash scripts/validate-deploy.sh
check "Kubernetes manifests (k8s + KEDA schemas, pyexec rules)" bash scripts/validate-kubernetes.sh
npx jest --config jest.config.js --json --outputFile="$results/unit.json" || status=1
npm run --silent build
check "schemathesis against the live service (all checks, stateful links)" bash scripts/schemathesis.sh
npx jest --config test/jest-e2e.config.js --json --outputFile="$results/e2e.json" || status=1
# The sandbox's own specs once more in each other mode: one-shot jails pre-started
# (SANDBOX_FORKSERVER=0) and started on demand (SANDBOX_POOL_SIZE=0); the default is fork servers,
# full and lean. Containment and isolation also with full fork servers alone (SANDBOX_LEAN_SERVERS=0):
# by default, programs importing only the standard library (most of those suites') go to lean ones.
SANDBOX_SPECS=(test/execute.e2e-spec.ts test/sandbox.e2e-spec.ts test/containment.e2e-spec.ts test/runtime.e2e-spec.ts test/isolation.e2e-spec.ts)
SANDBOX_FORKSERVER=0 npx jest --config test/jest-e2e.config.js --json --outputFile="$results/e2e-one-shot.json" "${SANDBOX_SPECS[@]}" || status=1
SANDBOX_POOL_SIZE=0 npx jest --config test/jest-e2e.config.js --json --outputFile="$results/e2e-no-pool.json" "${SANDBOX_SPECS[@]}" || status=1
SANDBOX_LEAN_SERVERS=0 npx jest --config test/jest-e2e.config.js --json --outputFile="$results/e2e-full-servers.json" test/containment.e2e-spec.ts test/isolation.e2e-spec.ts || status=1
# The containment suite with egress on (runs without network: true must be contained as before).
EGRESS_ALLOWED_HOSTS=example.com npx jest --config test/jest-e2e.config.js --json --outputFile="$results/e2e-egress-on.json" test/containment.e2e-spec.ts || status=1
node -e '
  let passed = Number(process.argv[1]), failed = Number(process.argv[2]);
  for (const file of process.argv.slice(3)) {
    try { const r = require(file); passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites; }
    catch { failed += 1; }
  }
  console.log(`${passed} passed, ${failed} failed`);
' "$checks_passed" "$checks_failed" "$results/unit.json" "$results/e2e.json" "$results/e2e-one-shot.json" "$results/e2e-no-pool.json" "$results/e2e-full-servers.json" "$results/e2e-egress-on.json"
rm -rf "$results"
exit $status
