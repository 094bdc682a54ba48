#!/usr/bin/env bash
# `make demo`: builds the demo town of DEMO.md in a throwaway SQLite database
# and serves it with gunicorn on 127.0.0.1:$PORT, with the tasks worker
# beside it. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${PORT:-8000}
py=.venv/bin/python

# The demo starts from scratch every time: same command, same day, same data.
mkdir -p var
rm -f var/demo.sqlite3 var/demo.sqlite3-*
export DATABASE_URL="sqlite:///$PWD/var/demo.sqlite3"
export ALLOWED_HOSTS=127.0.0.1,localhost
export DEBUG=false
unset ARDOISE_ENV

echo "demo: migrating a new database (var/demo.sqlite3)"
"$py" manage.py migrate --noinput --verbosity 0
echo "demo: building the demo town"
"$py" manage.py build_demo
# DEBUG is off, so static files come from STATIC_ROOT through WhiteNoise.
"$py" manage.py collectstatic --noinput --verbosity 0

"$py" manage.py db_worker --no-reload &
worker=$!
# Whatever ends the server (Ctrl-C, an error), the worker goes with it.
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT

cat <<INFO

  Ardoise demo: http://127.0.0.1:$port/demo/

  Parents (password demo-parent):
    parent1@demo.test         famille 1, DUPONT: Sarah and Chloé (owes 120.60)
    parent2@demo.test … parent60@demo.test
  Staff (password demo-staff):
    admin@demo.test           town administrator
    accueil@demo.test         front desk
    animateur@demo.test       site agent, École Jules Ferry
    cuisine@demo.test         kitchen
    regie@demo.test           finance

  Prepayment town (pay when booking, seed 002): http://127.0.0.1:$port/avance/ — parent1@avance.test … parent5@avance.test (demo-parent), regie@avance.test (demo-staff)

  Ctrl-C stops the server and the tasks worker.

INFO

# Threads as well as workers: parallel requests, which SQLite serves in WAL
# mode with immediate transactions (see settings.py).
status=0
.venv/bin/gunicorn ardoise.wsgi:application --bind "127.0.0.1:$port" --workers 2 --threads 4 \
    --access-logfile - --log-level warning || status=$?
exit "$status"
