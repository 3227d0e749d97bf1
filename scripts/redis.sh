# Sourced by start.sh and test.sh: makes REDIS_URL point at a Redis that answers.
# REDIS_URL when set; else 127.0.0.1:6379 if it answers; else a private redis-server
# (Debian's package installed if needed) that is stopped when the calling script exits. The
# private Redis persists (append-only file, fsync every second) in .tools/redis-<port>/, so
# accepted jobs survive its restart, and holds at most REDIS_MAXMEMORY (1gb) with noeviction.

redis_answers() { # host port
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2 && printf 'PING\r\n' >&3 && read -r reply <&3 && [[ \$reply == +PONG* ]]" 2>/dev/null
}

ensure_redis() {
  if [ -n "${REDIS_URL:-}" ]; then
    printf '[redis] using REDIS_URL=%s\n' "$REDIS_URL" >&2
    return
  fi
  if redis_answers 127.0.0.1 6379; then
    export REDIS_URL=redis://127.0.0.1:6379
    printf '[redis] using the Redis on 127.0.0.1:6379\n' >&2
    return
  fi
  if ! command -v redis-server >/dev/null; then
    SETUP_REDIS_SERVER=1 bash "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
  fi
  local port=6390 dir
  while redis_answers 127.0.0.1 $port || (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; do port=$((port + 1)); done
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/redis-$port"
  mkdir -p "$dir"
  # noeviction: when full it refuses writes (503 "Redis is full") rather than drop a queued job.
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync everysec --dir "$dir" \
    --maxmemory "${REDIS_MAXMEMORY:-1gb}" --maxmemory-policy noeviction --daemonize no --logfile "$dir/redis.log" &
  PRIVATE_REDIS_PID=$!
  trap 'kill $PRIVATE_REDIS_PID 2>/dev/null; wait $PRIVATE_REDIS_PID 2>/dev/null' EXIT
  for _ in $(seq 50); do redis_answers 127.0.0.1 $port && break; sleep 0.1; done
  redis_answers 127.0.0.1 $port || { echo "[redis] ERROR: private redis-server did not start" >&2; exit 1; }
  export REDIS_URL=redis://127.0.0.1:$port
  printf '[redis] started a private redis-server on 127.0.0.1:%s (stopped on exit)\n' "$port" >&2
}
