#!/usr/bin/env bash
# Benchmarks of Ardoise, run on demand (`make bench`), never in the test suite.
#
#   bench/run.sh [rush]      the deadline rush (default)
#   bench/run.sh invoicing   the month-end invoicing run: preview, issue, PDF rate (bench/invoicing.py); the town is
#                            analyzed first (ANALYZE=0: measured as built, as rounds 1 to 4 of issue 14 were);
#                            TRIALS=N: N runs on copies of the same town, medians; BEFORE=<checkout> alternates
#                            (the town built by BEFORE's code, each copy migrated by the code it runs)
#   bench/run.sh pages       staff and parent pages on the big town: time and queries (bench/pages.py)
#   bench/run.sh scale       two gunicorn instances and two task workers on one database: the rush through a
#                            proxy (each family's connection to one instance in turn), then an invoicing run whose
#                            e-mails go to a local SMTP sink; every task run once, every e-mail received once
#                            (bench/scale.py; CHILDREN 4000, PDF_RENDERER the fake PDF unless given)
#   bench/run.sh api         CPU per API call of the rush, as a multiple of /healthz (bench/api_cpu.py);
#                            BEFORE=<checkout> also runs that checkout's code on the same town (e.g. main)
#   bench/run.sh kitchen     the kitchen counts of the next school days: wall, CPU (Django and PostgreSQL) and
#                            queries (bench/kitchen_cpu.py); BEFORE=<checkout> alternates with that checkout's code
#                            on the same town (PAIRS pairs, 2 by default); VACUUM=1 vacuums the town first
#
# The rush: a throwaway PostgreSQL cluster, a generated town of $CHILDREN
# children (`build_demo --children`), gunicorn with production settings on
# loopback, then bench/rush.py (families log in and book a week) and, in the
# same run, the throughput of a trivial Django JSON view and of PostgreSQL
# itself (pgbench), so that the figures read as ratios. The JSON results go to
# bench/results/; copy the figures into docs/benchmarks.md with the machine and date.
#
# Settings (environment): CHILDREN (4000), FAMILIES (all of the town's), WORKERS (4 gunicorn
# workers), THREADS (2 per worker), CLIENTS (2 processes × 16 threads); LOGIN_SHARE (0.1: sessions that log
# in, the others reuse the family's token), RATES (2,4,8,16 sessions/s, STEP_SECONDS each: families/s at
# p99 <= 250 ms, bench/rush.py).
set -euo pipefail
cd "$(dirname "$0")/.."

py=.venv/bin/python
mode=${1:-rush}
case $mode in
rush | scale) children=${CHILDREN:-4000} ;;
api) children=${CHILDREN:-2000} ;;
*) children=${CHILDREN:-10000} ;;
esac
workers=${WORKERS:-4}
threads=${THREADS:-2}
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
mkdir -p bench/results
out=bench/results/$mode-$stamp.json

pgdir=$(mktemp -d /tmp/ardoise-bench-pg.XXXXXX)
server_pid=""
scale_pids=()
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    # `|| true`: a process ended by the signal makes `wait` fail, which must not end the cleanup (set -e).
    for pid in "${scale_pids[@]}"; do { kill "$pid" && wait "$pid"; } 2>/dev/null || true; done
    PYTHON=$py scripts/pg-cluster.sh stop "$pgdir" || true
}
trap cleanup EXIT

# write_result RAW EXTRA_JSON: RAW's JSON plus the date, the machine and EXTRA_JSON, into $out.
write_result() {
    "$py" - "$1" "$out" "$2" <<PY
import json, os, platform, subprocess, sys
result = json.load(open(sys.argv[1]))
cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
result.update(date="$stamp", machine={"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()},
              town_children=$children, build_seconds=$build_seconds, **json.loads(sys.argv[3]))
json.dump(result, open(sys.argv[2], "w"), indent=2)
print(json.dumps(result, indent=2))
PY
    rm -f "$1"
    echo "bench: results in $out" >&2
}

database_url=$(PYTHON=$py scripts/pg-cluster.sh start "$pgdir")
port_file="$pgdir/port"
export DATABASE_URL=$database_url
export ARDOISE_ENV=production SECRET_KEY=$("$py" -c 'import secrets; print(secrets.token_urlsafe(64))')
export ALLOWED_HOSTS=127.0.0.1,localhost,testserver SECURE_SSL_REDIRECT=0 DB_CONN_MAX_AGE=60 LOG_LEVEL=WARNING

# The invoicing trials' town is built by BEFORE's code (its schema may be the older one: each trial migrates its
# copy with its own code).
builder=$PWD
[[ $mode == invoicing && -n ${TRIALS:-} && -n ${BEFORE:-} ]] && builder=$BEFORE
echo "bench: migrate and build a town of $children children (code of $builder)" >&2
(cd "$builder" && "$OLDPWD/$py" manage.py migrate --no-input -v 0)
build_started=$SECONDS
(cd "$builder" && "$OLDPWD/$py" manage.py build_demo --children "$children" >&2)
build_seconds=$((SECONDS - build_started))
families=${FAMILIES:-$("$py" manage.py shell --verbosity 0 -c \
    "from ardoise.families.models import Family; print(Family.objects.filter(town__slug='demo').count())")}

case $mode in
invoicing)
    echo "bench: invoicing run of the last month ($children children), then ${PDFS:-200} PDFs on 2 processes" >&2
    # Statistics as a running town has them (ANALYZE=0: as built, as rounds 1 to 4 measured): on a town never
    # analyzed the floor's plans were twice as slow, and the first run's key checks never met a small table.
    [[ ${ANALYZE:-1} == 1 ]] && psql "$DATABASE_URL" -q -c "VACUUM ANALYZE"
    if [[ -z ${TRIALS:-} ]]; then
        "$py" bench/invoicing.py --pdfs "${PDFS:-200}" --processes 2 >"$out.raw"
        write_result "$out.raw" '{}'
        exit 0
    fi
    # TRIALS=N: N runs (and as many of BEFORE's code, alternating), each on a fresh copy of the same town (an issue
    # changes it), kept as a template; the medians (this machine's noise moved single runs by ±20 %).
    admin_url=${DATABASE_URL%/*}/postgres trial_url=${DATABASE_URL%/*}/trial
    psql "$admin_url" -q -c "CREATE DATABASE town_template TEMPLATE ${DATABASE_URL##*/}"
    echo "bench: $TRIALS trials of the invoicing run${BEFORE:+, alternating with $BEFORE}" >&2
    : >"$out.trials"
    for trial in $(seq "$TRIALS"); do
        for src in ${BEFORE:+"$BEFORE"} "$PWD"; do
            psql "$admin_url" -q -c "DROP DATABASE IF EXISTS trial" -c "CREATE DATABASE trial TEMPLATE town_template"
            (cd "$src" && DATABASE_URL=$trial_url "$OLDPWD/$py" manage.py migrate --no-input -v 0)
            DATABASE_URL=$trial_url ARDOISE_SRC=$src "$py" bench/invoicing.py --pdfs "${PDFS:-4}" --processes 2 |
                "$py" -c "import json, sys; print(json.dumps({'project': sys.argv[1], **json.load(sys.stdin)}))" "$src" \
                    >>"$out.trials"
        done
    done
    "$py" - "$out.trials" >"$out.raw" <<'PY'
import json, statistics, sys
trials = [json.loads(line) for line in open(sys.argv[1])]
summary = {}
for project in dict.fromkeys(t["project"] for t in trials):
    mine = [t for t in trials if t["project"] == project]
    median = lambda f: round(statistics.median(f(t) for t in mine), 3)  # noqa: E731
    summary[project] = {
        "floor_seconds": median(lambda t: t["floor_query"]["seconds"]),
        "preview_seconds": median(lambda t: t["preview"]["seconds"]),
        "issue_seconds": median(lambda t: t["issue"]["seconds"]),
        "preview_ratio_to_floor": median(lambda t: t["preview"]["seconds"] / t["floor_query"]["seconds"]),
        "issue_ratio_to_preview": median(lambda t: t["issue"]["seconds"] / t["preview"]["seconds"]),
    }
print(json.dumps({"medians": summary, "trials": trials}, indent=2))
PY
    rm -f "$out.trials"
    write_result "$out.raw" '{}'
    exit 0
    ;;
pages)
    echo "bench: staff and parent pages on $children children" >&2
    "$py" manage.py collectstatic --no-input -v 0  # production settings serve hashed static names
    "$py" bench/pages.py "${REPEAT:-20}" >"$out.raw"
    write_result "$out.raw" '{}'
    exit 0
    ;;
kitchen)
    "$py" manage.py collectstatic --no-input -v 0
    [[ -n ${BEFORE:-} ]] && (cd "$BEFORE" && "$OLDPWD/$py" manage.py collectstatic --no-input -v 0)
    [[ -n ${VACUUM:-} ]] && psql "$DATABASE_URL" -q -c "VACUUM ANALYZE"
    echo "bench: kitchen counts on $children children${BEFORE:+, alternating with $BEFORE}" >&2
    echo '{"runs": [' >"$out.raw"
    for pair in $(seq "${PAIRS:-2}"); do
        ((pair > 1)) && echo ',' >>"$out.raw"
        if [[ -n ${BEFORE:-} ]]; then
            "$py" bench/kitchen_cpu.py --repeat "${REPEAT:-20}" --project "$BEFORE" >>"$out.raw"
            echo ',' >>"$out.raw"
        fi
        "$py" bench/kitchen_cpu.py --repeat "${REPEAT:-20}" >>"$out.raw"
    done
    echo '], "vacuumed": '"$([[ -n ${VACUUM:-} ]] && echo true || echo false)"'}' >>"$out.raw"
    write_result "$out.raw" '{}'
    exit 0
    ;;
scale)
    free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
    "$py" manage.py collectstatic --no-input -v 0
    smtp_port=$(free_port)
    export EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend EMAIL_HOST=127.0.0.1 EMAIL_PORT=$smtp_port
    export ARDOISE_PDF_RENDERER=${PDF_RENDERER:-ardoise.billing.pdf.FakePdfRenderer}
    "$py" bench/scale.py sink --port "$smtp_port" --out "$pgdir/sink.txt" &
    scale_pids+=($!)
    "$py" bench/scale.py mark >"$pgdir/mark.json"
    ports=()
    for n in 1 2; do
        ports+=("$(free_port)")
        .venv/bin/gunicorn ardoise.wsgi:application --bind "127.0.0.1:${ports[-1]}" --workers "$workers" \
            --threads "$threads" --log-level warning --access-logfile "$pgdir/access-$n.log" &
        scale_pids+=($!)
        "$py" manage.py db_worker --no-reload --worker-id "worker-$n" --interval 0.5 >"$pgdir/worker-$n.log" 2>&1 &
        scale_pids+=($!)
    done
    balance_port=$(free_port)
    "$py" bench/scale.py balance --port "$balance_port" --to "${ports[0]},${ports[1]}" &
    scale_pids+=($!)
    for port in "${ports[@]}"; do
        for _ in $(seq 100); do
            curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
            sleep 0.2
        done
    done
    echo "bench: rush of $families families through a proxy to 2 gunicorn instances ($workers workers × $threads threads each)" >&2
    "$py" bench/rush.py --port "$balance_port" --families "$families" >"$pgdir/rush.json"
    echo "bench: invoicing run (PDFs and e-mails on the 2 task workers, e-mails to a local SMTP sink)" >&2
    "$py" bench/scale.py invoice >"$pgdir/invoice.json"
    "$py" bench/scale.py check --mark "$pgdir/mark.json" --sink "$pgdir/sink.txt" --timeout "${TASKS_TIMEOUT:-1800}" >"$pgdir/check.json"
    served=$(for n in 1 2; do grep -c ' /demo/api/' "$pgdir/access-$n.log" || true; done | paste -sd, -)
    "$py" - "$pgdir" "$out.raw" "$served" <<'PY'
import json, sys
pgdir, raw, served = sys.argv[1], sys.argv[2], sys.argv[3]
read = lambda name: json.load(open(f"{pgdir}/{name}.json"))
result = {"rush": read("rush"), "invoicing": read("invoice"), "check": read("check"),
          "api_requests_per_instance": [int(n) for n in served.split(",")]}
json.dump(result, open(raw, "w"))
PY
    write_result "$out.raw" "{\"gunicorn\": {\"instances\": 2, \"workers\": $workers, \"threads\": $threads}, \"task_workers\": 2}"
    exit 0
    ;;
api)
    echo "bench: CPU per API call on $children children (${API_FAMILIES:-50} families)" >&2
    # Statistics as a running town has them: measured right after the build, the plans depended on whether
    # autovacuum had analyzed the new tables yet (PostgreSQL's CPU for GET activities 2 to 10 ms per call).
    psql "$DATABASE_URL" -q -c "VACUUM ANALYZE"
    if [[ -n ${BEFORE:-} ]]; then
        "$py" bench/api_cpu.py --families "${API_FAMILIES:-50}" --project "$BEFORE" >"$out.before"
    fi
    "$py" bench/api_cpu.py --families "${API_FAMILIES:-50}" >"$out.raw"
    before='{}'
    [[ -f $out.before ]] && before="{\"before\": $(cat "$out.before")}" && rm -f "$out.before"
    write_result "$out.raw" "$before"
    exit 0
    ;;
esac

http_port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.venv/bin/gunicorn ardoise.wsgi:application --bind "127.0.0.1:$http_port" --workers "$workers" \
    --threads "$threads" --log-level warning &
server_pid=$!
for _ in $(seq 50); do
    curl -fs "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done

# A phone keeps its token across sessions: one token per family, issued directly (no argon2), that the rush's
# sessions reuse; a share of them (LOGIN_SHARE, 0.1) logs in again.
"$py" manage.py shell --verbosity 0 -c "
import json, re
from ardoise.accounts.api_tokens import issue_token
from ardoise.accounts.models import User
users = User.objects.filter(town__slug='demo', email__regex=r'^parent[0-9]+@demo[.]test$')
print(json.dumps({re.match(r'parent([0-9]+)@', u.email).group(1): issue_token(u)[0] for u in users}))
" >"$pgdir/tokens.json"
echo "bench: rush of $families families on gunicorn ($workers workers × $threads threads), then arrivals at ${RATES:-2,4,8,16}/s" >&2
"$py" bench/rush.py --port "$http_port" --families "$families" --tokens "$pgdir/tokens.json" \
    --login-share "${LOGIN_SHARE:-0.1}" --rates "${RATES:-2,4,8,16}" --step-seconds "${STEP_SECONDS:-20}" >"$out.rush"
kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
server_pid=""

echo "bench: pgbench (select-only and TPC-B-like, 8 clients, 20 s each)" >&2
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgport=$(cat "$port_file")
runuser -u postgres -- "$pgbin/pgbench" -h 127.0.0.1 -p "$pgport" -U postgres -i -q -s 10 ardoise >/dev/null 2>&1
select_tps=$(runuser -u postgres -- "$pgbin/pgbench" -h 127.0.0.1 -p "$pgport" -U postgres -S -c 8 -j 2 -T 20 ardoise 2>/dev/null |
    awk '/^tps/ {print $3; exit}')
tpcb_tps=$(runuser -u postgres -- "$pgbin/pgbench" -h 127.0.0.1 -p "$pgport" -U postgres -c 8 -j 2 -T 20 ardoise 2>/dev/null |
    awk '/^tps/ {print $3; exit}')

write_result "$out.rush" "{\"gunicorn\": {\"workers\": $workers, \"threads\": $threads}, \"pgbench\": {\"select_only_tps\": ${select_tps:-0}, \"tpcb_tps\": ${tpcb_tps:-0}}}"
