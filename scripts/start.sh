#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and runs pyexec on :8080 (PORT overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/redis.sh
ensure_redis
[ -x .tools/node/bin/node ] && export PATH="$PWD/.tools/node/bin:$PATH"
npm run --silent build

if [ -z "${API_KEYS:-}${API_KEY:-}" ]; then
  # A development key, kept across restarts in .tools/ (git-ignored).
  [ -s .tools/dev-api-key ] || printf 'dev-%s\n' "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > .tools/dev-api-key
  export API_KEYS=$(cat .tools/dev-api-key)
  cat >&2 <<MSG

  Development API key: $API_KEYS

  Try it:
    curl -s -X POST http://localhost:${PORT:-8080}/v1/code/execute/python \\
      -H "x-api-key: $API_KEYS" -H "Content-Type: application/json" \\
      --data @- <<'JSON'
    {"code": "print('Hello, World!')", "timeout": 10, "id": "request-123"}
    JSON

MSG
fi
# The service's memory settings, as the image sets them (docs/operations.md, memory): two malloc
# arenas, large allocations mapped on their own, V8's young generation capped at 4 MiB semi-spaces.
MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-131072} NODE_OPTIONS="--max-semi-space-size=4${NODE_OPTIONS:+ $NODE_OPTIONS}" node dist/main.js &
SERVICE_PID=$!
trap 'kill -TERM $SERVICE_PID 2>/dev/null; wait $SERVICE_PID 2>/dev/null; exit 0' INT TERM  # the EXIT trap of redis.sh stops a private Redis
wait $SERVICE_PID
