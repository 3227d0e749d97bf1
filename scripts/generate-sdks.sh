#!/usr/bin/env bash
# Generates the SDKs from openapi.json (the committed spec; `npm run openapi` refreshes it):
#   sdk/typescript/schema.d.ts  types for openapi-fetch, by openapi-typescript (npm devDependency)
#   sdk/python/                 the pyexec-client package, by openapi-python-client (PyPI), which
#                               runs from a private venv, .tools/sdk-venv, created here when missing
# With --check nothing is written: the SDKs are generated into a temporary folder and the script
# fails when they differ from the committed ones (scripts/test.sh runs it that way).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OPENAPI_PYTHON_CLIENT=openapi-python-client==0.29.1
VENV=$ROOT/.tools/sdk-venv
CHECK=0
[ "${1:-}" = --check ] && CHECK=1

say() { printf '[sdks] %s\n' "$*" >&2; }
[ -x .tools/node/bin/node ] && export PATH="$ROOT/.tools/node/bin:$PATH"

# --- the generator's venv (also the Python client's runtime: httpx, attrs) -----------------
installed=$("$VENV/bin/openapi-python-client" --version 2>/dev/null || true)
if [ "$installed" != "openapi-python-client version: ${OPENAPI_PYTHON_CLIENT#*==}" ]; then
  say "installing $OPENAPI_PYTHON_CLIENT into $VENV"
  rm -rf "$VENV"
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "$OPENAPI_PYTHON_CLIENT" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
fi

out=$ROOT/sdk
if [ $CHECK = 1 ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out/typescript"

# --- TypeScript ---------------------------------------------------------------------------
# --default-non-nullable false: a property with a default (timeout) stays optional in requests.
npx --no-install openapi-typescript openapi.json --output "$out/typescript/schema.d.ts" \
  --default-non-nullable false --root-types --root-types-no-schema-prefix --redocly redocly.yaml >/dev/null

# --- Python -------------------------------------------------------------------------------
rm -rf "$out/python"
PATH="$VENV/bin:$PATH" openapi-python-client generate --path openapi.json --output-path "$out/python" \
  --config sdk/python-client.yaml --meta pdm --fail-on-warning >/dev/null
rm -rf "$out/python/.ruff_cache"

if [ $CHECK = 1 ]; then
  stale=0
  cmp -s "$out/typescript/schema.d.ts" sdk/typescript/schema.d.ts || { say "sdk/typescript/schema.d.ts is stale"; stale=1; }
  diff -r -x .ruff_cache -x __pycache__ "$out/python" sdk/python >/dev/null || { say "sdk/python/ is stale"; stale=1; }
  if [ $stale = 1 ]; then
    say "the SDKs do not match openapi.json: run 'npm run sdks' and commit the result"
    exit 1
  fi
  say "SDKs match openapi.json"
else
  say "wrote sdk/typescript/schema.d.ts and sdk/python/"
fi
