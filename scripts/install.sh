#!/usr/bin/env bash
# Creates .venv with Python 3.13 and installs exactly the pinned dependencies
# of requirements.lock, then Ardoise itself in editable mode.
#
# A stamp in .venv records what was installed (a digest of requirements.lock,
# pyproject.toml and the interpreter's version), so that a second run with
# nothing changed returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
stamp=$venv/.ardoise-installed

python=$(scripts/find-python.sh)
version=$("$python" -c 'import sys; print(sys.version)')
wanted_stamp=$({ cat requirements.lock pyproject.toml; echo "$version"; } | sha256sum | cut -d' ' -f1)

if [[ -f $stamp && $(cat "$stamp") == "$wanted_stamp" && -x $venv/bin/python ]]; then
    echo "install: up to date ($venv, Python ${version%% *})"
    exit 0
fi

# A venv made by another Python (or left half-made) is rebuilt from scratch.
if [[ -x $venv/bin/python ]] && [[ $("$venv/bin/python" -c 'import sys; print(sys.version)') != "$version" ]]; then
    echo "install: $venv was made with another Python; recreating it"
    rm -rf "$venv"
fi
if [[ ! -x $venv/bin/python ]]; then
    echo "install: creating $venv with $python"
    "$python" -m venv "$venv"
fi

pip=("$venv/bin/python" -m pip --disable-pip-version-check --quiet)
echo "install: installing requirements.lock"
"${pip[@]}" install --requirement requirements.lock
echo "install: installing Ardoise (editable)"
"${pip[@]}" install --no-deps --editable .

echo "$wanted_stamp" >"$stamp"
echo "install: done ($venv, Python ${version%% *})"
