#!/usr/bin/env bash
# `make test`: every quality gate of Ardoise, in order.
#
#   1. Debian packages (PostgreSQL, Chromium, WeasyPrint's libraries)
#   2. the virtual environment (make install)
#   3. ruff check, ruff format --check; the static gates: mypy with django-stubs, no error beyond
#      scripts/mypy-baseline.txt (scripts/mypy_gate.py), and the import contract of .importlinter
#      (lint-imports: no app imports from a floor above its own)
#   4. manage.py check --deploy with production settings
#   5. makemigrations --check (models and migrations agree)
#   6. a throwaway PostgreSQL cluster, always stopped at the end
#   7. pytest, whole suite, on PostgreSQL, in parallel, measuring coverage (pytest-cov)
#   8. pytest, fast unit tests (not browser, not postgres), on SQLite
#
# Steps 1 and 2 stop the run when they fail (nothing else can work without
# them); the gates after them all run, so that one report shows every failure.
# It ends with the test counts and the verdict; the exit status is non-zero if any gate failed.
#
# PYTEST_ARGS adds arguments to both pytest runs (say PYTEST_ARGS="-x -k login");
# PYTEST_WORKERS sets xdist's worker count (default: auto, one per core).
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
py=.venv/bin/python
workers=${PYTEST_WORKERS:-auto}
read -r -a extra_args <<<"${PYTEST_ARGS:-}"

tmp=$(mktemp -d /tmp/ardoise-test.XXXXXX)
# Not inside $tmp: as root, the cluster runs as the postgres user, who may not enter $tmp.
pgdir=$(mktemp -d /tmp/ardoise-pg.XXXXXX)
cleanup() {
    if [[ -d $pgdir ]]; then
        PYTHON=$py scripts/pg-cluster.sh stop "$pgdir" || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
# A Ctrl-C or a kill still goes through cleanup (bash runs the EXIT trap on exit).
trap 'exit 130' INT
trap 'exit 143' TERM

# The tests must not inherit a production environment from the caller's shell.
unset ARDOISE_ENV DATABASE_URL SECRET_KEY ALLOWED_HOSTS DEBUG

failed=()
summary=()

banner() { printf '\n==> %s\n' "$*"; }

# gate NAME COMMAND...: runs the command, records its outcome under NAME.
gate() {
    local name=$1
    shift
    banner "$name"
    local begin=$SECONDS status=0
    "$@" || status=$?
    if ((status == 0)); then
        summary+=("ok      $name ($((SECONDS - begin))s)")
    else
        summary+=("FAILED  $name (exit $status, $((SECONDS - begin))s)")
        failed+=("$name")
    fi
    return 0
}

banner "system packages"
scripts/system-deps.sh
banner "virtual environment"
scripts/install.sh

gate "ruff check" "$py" -m ruff check .
gate "ruff format --check" "$py" -m ruff format --check .
gate "mypy (no error beyond scripts/mypy-baseline.txt)" "$py" scripts/mypy_gate.py
gate "lint-imports (the floors of .importlinter)" .venv/bin/lint-imports --no-cache

# A random key of the right length for this one check; never used elsewhere.
deploy_key=$("$py" -c 'import secrets; print(secrets.token_urlsafe(64))')
gate "check --deploy (production settings)" env ARDOISE_ENV=production SECRET_KEY="$deploy_key" \
    ALLOWED_HOSTS=example.org DATABASE_URL="sqlite:///$tmp/deploy-check.sqlite3" \
    "$py" manage.py check --deploy --fail-level WARNING

gate "makemigrations --check" env DATABASE_URL="sqlite:///$tmp/migrations-check.sqlite3" \
    "$py" manage.py makemigrations --check --dry-run

# pytest's exit status 5 means "no test collected": a failure here, since the
# suite has tests and a selection that finds none is a broken selection.
# run_pytest LABEL DATABASE_URL PYTEST_ARGS...
run_pytest() {
    local label=$1 database_url=$2
    shift 2
    local status=0
    COVERAGE_FILE=$tmp/coverage DATABASE_URL=$database_url "$py" -m pytest -n "$workers" \
        --junitxml="$tmp/$label.xml" "$@" "${extra_args[@]}" || status=$?
    if ((status == 5)); then
        echo "pytest ($label) collected no test: treated as a failure" >&2
    fi
    return "$status"
}

banner "PostgreSQL cluster"
if database_url=$(PYTHON=$py scripts/pg-cluster.sh start "$pgdir"); then
    gate "pytest, whole suite, PostgreSQL" run_pytest postgresql "$database_url" \
        --cov --cov-report= --cov-fail-under=0 # the floor is checked once, in the summary below
    PYTHON=$py scripts/pg-cluster.sh stop "$pgdir" || true
else
    summary+=("FAILED  PostgreSQL cluster did not start: whole suite not run")
    failed+=("PostgreSQL cluster")
fi

gate "pytest, unit tests, SQLite" run_pytest sqlite "sqlite:///$tmp/unit.sqlite3" -m "not browser and not postgres"

# Adds up the JUnit reports: "PostgreSQL: 120 passed, 0 failed, 1 skipped" per run, then the total.
counts=$("$py" - "$tmp" <<'PY'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

total = [0, 0, 0]
for label, title in (("postgresql", "PostgreSQL"), ("sqlite", "SQLite")):
    report = Path(sys.argv[1]) / f"{label}.xml"
    if not report.exists():
        print(f"{title}: no report")
        continue
    suites = ET.parse(report).getroot()
    suites = suites.findall("testsuite") if suites.tag == "testsuites" else [suites]
    tests = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    passed = tests - failed - skipped
    print(f"{title}: {passed} passed, {failed} failed, {skipped} skipped")
    total = [total[0] + passed, total[1] + failed, total[2] + skipped]
print(f"TOTAL {total[0]} {total[1]} {total[2]}")
PY
)

# Coverage of ardoise/ by the PostgreSQL run ([tool.coverage] in pyproject.toml). Below its fail_under,
# when one is set, a failure; not for a partial run (PYTEST_ARGS), whose coverage says nothing.
coverage_line="coverage: not measured (the PostgreSQL run left no data)"
if [[ -f $tmp/coverage ]]; then
    coverage_status=0
    coverage_output=$("$py" -m coverage report --data-file="$tmp/coverage" --format=total) || coverage_status=$?
    coverage_line="coverage: ${coverage_output%%$'\n'*} % of ardoise/ (PostgreSQL run)"
    if ((${#extra_args[@]} > 0)); then
        coverage_line+=", a partial run (PYTEST_ARGS)"
    fi
    if ((coverage_status != 0 && ${#extra_args[@]} == 0)); then
        summary+=("FAILED  coverage under its floor (fail_under in pyproject.toml): ${coverage_output%%$'\n'*} %")
        failed+=("coverage floor")
    fi
fi

elapsed=$((SECONDS - started))
banner "summary ($((elapsed / 60))m$((elapsed % 60))s)"
printf '%s\n' "${summary[@]}"
grep -v '^TOTAL' <<<"$counts"
echo "$coverage_line"
read -r _ passed failures skipped < <(grep '^TOTAL' <<<"$counts")
verdict=0
if ((${#failed[@]} > 0)); then
    joined=$(printf '%s, ' "${failed[@]}")
    echo "make test: FAILED in $((elapsed / 60))m$((elapsed % 60))s: ${joined%, }"
    verdict=1
else
    echo "make test: all gates passed in $((elapsed / 60))m$((elapsed % 60))s"
fi
echo "summary: $passed passed, $failures failed, $skipped skipped"
exit "$verdict"
