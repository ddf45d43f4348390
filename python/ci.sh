#!/usr/bin/env bash
# Builds and installs the Python package into a fresh venv and runs its tests:
#   bash python/ci.sh
# `pip install ./python` builds the extension (crates/python) with maturin, in release,
# into the workspace's target/ (reused by later runs). pytest's "no tests ran" (exit 5)
# is a failure here, as any other non-zero exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"
venv="${XENT_VENV:-$(mktemp -d "${TMPDIR:-/tmp}/xent-venv.XXXXXX")}"

step() { printf '\n==> %s\n' "$*"; }

step "fresh venv in $venv ($("$python" --version))"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip

step "pip install ./python pytest numpy"
start=$(date +%s)
"$venv/bin/python" -m pip install --quiet "$here" pytest numpy
echo "installed in $(( $(date +%s) - start )) s"

step "pytest"
# Run from outside python/, so `import xent` is the installed package (with its
# extension), not the source folder.
cd "$venv"
set +e
"$venv/bin/python" -m pytest -q -p no:cacheprovider --rootdir "$here" -c "$here/pyproject.toml" "$here/tests"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: failing" >&2
    exit 1
fi
exit "$status"
