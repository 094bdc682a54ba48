#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite, in a folder of its own.
#
#   scripts/pg-cluster.sh start DIR   initdb in DIR, start the server on 127.0.0.1
#                                     on a free port, create the database, and print
#                                     its DATABASE_URL on stdout
#   scripts/pg-cluster.sh stop DIR    stop the server and delete DIR
#
# The server listens on loopback only, keeps its Unix socket in DIR and trusts
# local connections: nothing in it outlives the run. Durability is switched off
# (fsync, synchronous_commit, full_page_writes), which is fine for data thrown
# away at the end and makes the suite noticeably faster.
#
# initdb refuses to run as root, so as root the cluster runs as the `postgres`
# user that Debian's package creates.
set -euo pipefail

usage() {
    echo "usage: $0 start|stop DIR" >&2
    exit 2
}
(($# == 2)) || usage
action=$1
dir=$2
database=ardoise

# bindir, require_programs, as_owner, free_port
source "$(dirname "$0")/pg-common.sh"
require_programs initdb

start() {
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres: "$dir"
        if ! runuser -u postgres -- test -w "$dir"; then
            echo "pg-cluster: the postgres user cannot write to $dir (is a parent folder private?)" >&2
            exit 1
        fi
    fi
    as_owner "$bindir/initdb" --pgdata="$dir/data" --username=postgres --auth=trust \
        --encoding=UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    local port
    port=$(free_port)
    local options="-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off"
    options+=" -c full_page_writes=off -c max_connections=100"
    if ! as_owner "$bindir/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --timeout=60 \
        --options="$options" start >/dev/null; then
        echo "pg-cluster: the server did not start; its log:" >&2
        cat "$dir/server.log" >&2
        exit 1
    fi
    echo "$port" >"$dir/port"
    as_owner "$bindir/createdb" --host=127.0.0.1 --port="$port" --username=postgres "$database"
    echo "pg-cluster: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)" >&2
    echo "postgres://postgres@127.0.0.1:$port/$database"
}

stop() {
    if [[ -f $dir/data/postmaster.pid ]]; then
        as_owner "$bindir/pg_ctl" --pgdata="$dir/data" --mode=fast --wait stop >/dev/null ||
            echo "pg-cluster: pg_ctl stop failed" >&2
    fi
    rm -rf "$dir"
    echo "pg-cluster: stopped and removed $dir" >&2
}

case $action in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
