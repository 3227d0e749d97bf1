#!/usr/bin/env bash
# Property-based API testing of the live service with schemathesis (PyPI, pinned): the built
# service (dist/main.js, so `npm run build` first) is started on a free port with its own Redis
# key prefix and cgroup directory, and schemathesis generates requests from its own /docs-json —
# every check, the schema's examples, coverage, fuzzing and the stateful phase, which follows
# the OpenAPI links executePython -> getJob / redeliverWebhook. Code executions are real runs.
# Then the service is stopped and its Redis keys deleted; exits with schemathesis's status.
# schemathesis runs from a private venv, .tools/schemathesis-venv, created here when missing.
# The checks' tuning is in scripts/schemathesis.toml. SCHEMATHESIS_MAX_EXAMPLES (default 30) bounds the cases per operation and phase.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SCHEMATHESIS=schemathesis==4.32.5
VENV=$ROOT/.tools/schemathesis-venv
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-30}

say() { printf '[schemathesis] %s\n' "$*" >&2; }
[ -x .tools/node/bin/node ] && export PATH="$ROOT/.tools/node/bin:$PATH"

# --- the venv (idempotent: its stamp is the pinned requirement) ------------------------------
if [ "$(cat "$VENV/.stamp" 2>/dev/null)" != "$SCHEMATHESIS" ] || [ ! -x "$VENV/bin/schemathesis" ]; then
  say "installing $SCHEMATHESIS into $VENV"
  rm -rf "$VENV"
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "$SCHEMATHESIS" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  echo "$SCHEMATHESIS" >"$VENV/.stamp"
fi

[ -f dist/main.js ] || { say "dist/main.js is missing: run 'npm run build' first"; exit 1; }
source scripts/redis.sh
ensure_redis
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}

# --- the service ------------------------------------------------------------------------------
PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
PREFIX="pyexec-schemathesis-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
KEY="schemathesis-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
LOG=$(mktemp)
PORT=$PORT ROLE=all API_KEYS=$KEY QUEUE_PREFIX=$PREFIX SANDBOX_CGROUP_PARENT=$PREFIX REDIS_URL=$REDIS_URL \
  RATE_LIMIT_PER_MINUTE=0 WEBHOOK_ALLOW_PRIVATE_HOSTS=false LOG_LEVEL=warn \
  node dist/main.js >"$LOG" 2>&1 &
PID=$!

cleanup() {
  if kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null || true
  fi
  wait "$PID" 2>/dev/null || true
  # Delete this run's keys only: SCAN prefix:* + DEL.
  REDIS_URL=$REDIS_URL PREFIX=$PREFIX node -e '
    const Redis = require("ioredis");
    const redis = new Redis(process.env.REDIS_URL);
    (async () => {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${process.env.PREFIX}:*`, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== "0");
    })().finally(() => redis.disconnect());
  ' || say "could not delete the Redis keys under $PREFIX:"
  rm -f "$LOG"
  # A private redis-server that ensure_redis started (its own EXIT trap is replaced by this one).
  if [ -n "${PRIVATE_REDIS_PID:-}" ]; then kill "$PRIVATE_REDIS_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

ready=0
for _ in $(seq 300); do
  if curl -fs -o /dev/null "http://127.0.0.1:$PORT/health/ready"; then ready=1; break; fi
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.2
done
if [ $ready = 0 ]; then
  say "the service did not become ready on :$PORT; its output:"
  cat "$LOG" >&2
  exit 1
fi

# --- the run ----------------------------------------------------------------------------------
say "schemathesis against http://127.0.0.1:$PORT/docs-json (at most $MAX_EXAMPLES examples per operation and phase)"
status=0
"$VENV/bin/schemathesis" --config-file scripts/schemathesis.toml --no-color run "http://127.0.0.1:$PORT/docs-json" \
  --header "x-api-key: $KEY" \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples "$MAX_EXAMPLES" \
  --workers 2 \
  --request-timeout 60 \
  --seed "${SCHEMATHESIS_SEED:-20260}" \
  --generation-database none || status=$?
if [ $status != 0 ]; then
  say "FAILED (exit $status); the service's warnings and errors:"
  grep -v '"level":\(30\|20\)' "$LOG" | tail -50 >&2 || true
fi
exit $status
