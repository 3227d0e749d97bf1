#!/usr/bin/env bash
# Builds the Python runtime user code runs with: a virtual environment of Debian's Python
# (/usr/bin/python3) holding the packages of a requirements file, from PyPI wheels only, with
# no pip left in it. The jail mounts it read-only at JAIL_PATH below.
#
#   bash scripts/build-runtime.sh [REQUIREMENTS] [DIR]
#
# REQUIREMENTS defaults to $RUNTIME_REQUIREMENTS, else runtime/requirements.txt; DIR to
# $RUNTIME_DIR, else .tools/runtime. Idempotent: a runtime built from the same requirements (and
# the files they include) by the same Python is kept. The manifest DIR/pyexec-runtime.json,
# written last, tells the service where the jail mounts the runtime and which modules are the
# standard library's (an older version of this script's manifest gets them added); a runtime
# without it is incomplete and is rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUIREMENTS=$(realpath "${1:-${RUNTIME_REQUIREMENTS:-runtime/requirements.txt}}")
DIR=${2:-${RUNTIME_DIR:-.tools/runtime}}
PYTHON=/usr/bin/python3
# Where every jail sees the runtime (the service reads it from the manifest).
JAIL_PATH=/opt/pyexec/runtime

say() { printf '[runtime] %s\n' "$*" >&2; }
die() { printf '[runtime] ERROR: %s\n' "$*" >&2; exit 1; }

[ -f "$REQUIREMENTS" ] || die "requirements file not found: $REQUIREMENTS"
mkdir -p "$(dirname "$DIR")"
DIR=$(realpath -m "$DIR")

# The fingerprint covers the requirements file, the files it includes with -r, and the Python.
fingerprint=$("$PYTHON" - "$REQUIREMENTS" <<'PY'
import hashlib, os, re, sys
seen, digest = set(), hashlib.sha256(sys.version.encode())
def add(path):
    path = os.path.realpath(path)
    if path in seen:
        return
    seen.add(path)
    text = open(path, "rb").read()
    digest.update(path.encode() + b"\0" + text)
    for line in text.decode().splitlines():
        m = re.match(r"\s*(?:-r|--requirement)\s*=?\s*(\S+)", line)
        if m:
            add(os.path.join(os.path.dirname(path), m.group(1)))
add(sys.argv[1])
print(digest.hexdigest())
PY
)
# The manifest: where the jail mounts the runtime, and the standard library's top-level modules
# (programs importing only these go to lean fork servers: docs/sandbox.md).
write_manifest() {
  "$DIR/bin/python" -I - "$JAIL_PATH" "$REQUIREMENTS" "$fingerprint" > "$DIR/pyexec-runtime.json.tmp" <<'PY'
import json, platform, sys
jail_path, requirements, fingerprint = sys.argv[1:]
stdlib = sorted(set(sys.stdlib_module_names) | set(sys.builtin_module_names))
print(json.dumps({"jail_path": jail_path, "python": platform.python_version(), "requirements": requirements, "fingerprint": fingerprint, "stdlib_modules": stdlib}))
PY
  mv "$DIR/pyexec-runtime.json.tmp" "$DIR/pyexec-runtime.json"
}

if [ -f "$DIR/pyexec-runtime.json" ] && grep -q "\"fingerprint\": \"$fingerprint\"" "$DIR/pyexec-runtime.json"; then
  # Built by an older version of this script: only its manifest lacks the module list.
  grep -q '"stdlib_modules"' "$DIR/pyexec-runtime.json" || write_manifest
  exit 0
fi

say "building $DIR from $REQUIREMENTS (PyPI wheels only)"
started=$(date +%s)
rm -rf "$DIR"
"$PYTHON" -m venv "$DIR"
"$DIR/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --only-binary :all: -r "$REQUIREMENTS" \
  || die "pip install -r $REQUIREMENTS failed"
# User code must not install packages: no pip (nor setuptools) in the runtime.
"$DIR/bin/python" -m pip uninstall --quiet --yes pip setuptools >/dev/null 2>&1 || true
rm -f "$DIR"/bin/pip* "$DIR"/bin/activate* "$DIR"/bin/Activate.ps1
# Bytecode of the packages, compiled now: the jail's runtime is read-only and runs with -B.
"$DIR/bin/python" -I -m compileall -q -j 0 "$DIR/lib" >/dev/null 2>&1 || true

# matplotlib builds a font list on first use (seconds, every run in a fresh jail); build it once
# here, with the paths the jail sees, and the harness points matplotlib at it.
if "$DIR/bin/python" -I -c 'import matplotlib' 2>/dev/null; then
  mkdir -p "$DIR/share/pyexec/matplotlib"
  MPLCONFIGDIR="$DIR/share/pyexec/matplotlib" "$DIR/bin/python" -I -c 'import matplotlib.font_manager' >/dev/null 2>&1 \
    || die "matplotlib could not build its font cache"
  "$PYTHON" - "$DIR/share/pyexec/matplotlib" "$DIR" "$JAIL_PATH" <<'PY'
import glob, sys
folder, host, jail = sys.argv[1:]
for name in glob.glob(folder + "/fontlist-*.json"):
    text = open(name).read().replace(host + "/", jail + "/")
    open(name, "w").write(text)
PY
fi

chmod -R a+rX "$DIR"
write_manifest
say "runtime ready in $(( $(date +%s) - started )) s: $(du -sh "$DIR" | cut -f1) in $DIR"
