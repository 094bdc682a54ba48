#!/usr/bin/env bash
# Prints the path of a Python 3.13 interpreter (the version in .python-version),
# trying pyenv first, then python3.13 on PATH, then pyenv's versions folder.
set -euo pipefail
cd "$(dirname "$0")/.."

wanted=$(cut -d. -f1,2 .python-version)   # "3.13" from "3.13.0"

is_wanted() {
    [[ -n $1 ]] && "$1" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$wanted'.split('.'))))" 2>/dev/null
}

candidates=()
if command -v pyenv >/dev/null; then
    candidates+=("$(pyenv which "python$wanted" 2>/dev/null || true)")
fi
candidates+=("$(command -v "python$wanted" 2>/dev/null || true)")
# The newest patch release first ("sort -V" orders 3.13.10 after 3.13.9).
for found in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$wanted"*/bin/python 2>/dev/null | sort -rV); do
    candidates+=("$found")
done

for candidate in "${candidates[@]}"; do
    if is_wanted "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done

echo "find-python: no Python $wanted found (looked with 'pyenv which python$wanted', 'python$wanted' on PATH" \
     "and ${PYENV_ROOT:-$HOME/.pyenv}/versions/$wanted*)." >&2
echo "find-python: install it, for instance: pyenv install $(cat .python-version)" >&2
exit 1
