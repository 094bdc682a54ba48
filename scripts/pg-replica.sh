#!/usr/bin/env bash
# A throwaway PostgreSQL primary and its streaming replica, on loopback, in a folder of their own.
#
#   scripts/pg-replica.sh start DIR   a primary in DIR/primary and a hot standby in DIR/replica that
#                                     streams from it, each on a free port; waits until the replica
#                                     streams, then prints on stdout
#                                         DATABASE_URL=postgres://…          (the primary)
#                                         DATABASE_REPLICA_URL=postgres://…  (the replica)
#                                     so that `export $(scripts/pg-replica.sh start DIR)` sets both
#   scripts/pg-replica.sh stop DIR    stop both servers and delete DIR
#   scripts/pg-replica.sh stop-replica DIR / start-replica DIR
#                                     stop the replica alone (fast: its sessions are cut, as by a
#                                     crash or the network), then start it again on its port, to see
#                                     what the application does meanwhile
#
# What a real deployment needs is all here, on a small scale (docs/scaling.md, "Primary and a
# streaming replica"): the primary writes enough WAL for a standby (wal_level=replica), lets a
# `replicator` role (REPLICATION, no other right) in through a `replication` line of pg_hba.conf,
# and keeps the WAL its standby has not received in a replication slot; the standby is a
# `pg_basebackup -R` of the primary (standby.signal and primary_conninfo written for it), started
# on its own port with hot_standby=on so that it answers read-only queries.
#
# As in scripts/pg-cluster.sh: loopback only, trust authentication, sockets in DIR, durability off
# (fsync, full_page_writes) since the data is thrown away; synchronous_commit stays on so that a
# commit's WAL leaves for the replica at once. As root, both servers run as the `postgres` user.
set -euo pipefail

usage() {
    echo "usage: $0 start|stop|stop-replica|start-replica DIR" >&2
    exit 2
}
(($# == 2)) || usage
action=$1
dir=$2
database=ardoise
primary=$dir/primary
replica=$dir/replica

# bindir, require_programs, as_owner, free_port
source "$(dirname "$0")/pg-common.sh"
require_programs initdb pg_basebackup

# sql PORT QUERY: one value, unaligned, as the superuser.
sql() {
    as_owner "$bindir/psql" --host=127.0.0.1 --port="$1" --username=postgres --dbname=postgres \
        --no-psqlrc --tuples-only --no-align --command="$2"
}

# server DATA PORT SOCKET_DIR: starts the server of DATA, or prints its log and fails.
server() {
    local options="-c listen_addresses=127.0.0.1 -p $2 -k $3 -c fsync=off -c full_page_writes=off"
    options+=" -c synchronous_commit=on -c max_connections=50 -c wal_level=replica -c max_wal_senders=4"
    options+=" -c max_replication_slots=4 -c hot_standby=on -c hot_standby_feedback=on"
    if ! as_owner "$bindir/pg_ctl" --pgdata="$1" --log="$3/server.log" --wait --timeout=60 \
        --options="$options" start >/dev/null; then
        echo "pg-replica: the server of $1 did not start; its log:" >&2
        cat "$3/server.log" >&2
        exit 1
    fi
}

start() {
    mkdir -p "$primary" "$replica"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres: "$dir" "$primary" "$replica"
        if ! runuser -u postgres -- test -w "$dir"; then
            echo "pg-replica: the postgres user cannot write to $dir (is a parent folder private?)" >&2
            exit 1
        fi
    fi

    # The primary.
    as_owner "$bindir/initdb" --pgdata="$primary/data" --username=postgres --auth=trust \
        --encoding=UTF8 --no-locale --no-sync >"$primary/initdb.log" 2>&1 || {
        cat "$primary/initdb.log" >&2
        exit 1
    }
    # Who may stream the WAL, and from where (read at start). In production: scram-sha-256 and a password.
    echo "host replication replicator 127.0.0.1/32 trust" >>"$primary/data/pg_hba.conf"
    local primary_port replica_port
    primary_port=$(free_port)
    server "$primary/data" "$primary_port" "$primary"
    echo "$primary_port" >"$primary/port"
    sql "$primary_port" "CREATE ROLE replicator WITH REPLICATION LOGIN" >/dev/null
    as_owner "$bindir/createdb" --host=127.0.0.1 --port="$primary_port" --username=postgres "$database"

    # The replica: a copy of the primary taken while it runs, which then follows its WAL.
    as_owner "$bindir/pg_basebackup" --host=127.0.0.1 --port="$primary_port" --username=replicator \
        --pgdata="$replica/data" --write-recovery-conf --checkpoint=fast --wal-method=stream \
        --create-slot --slot=replica --no-sync >"$replica/basebackup.log" 2>&1 || {
        echo "pg-replica: pg_basebackup failed:" >&2
        cat "$replica/basebackup.log" >&2
        exit 1
    }
    replica_port=$(free_port)
    server "$replica/data" "$replica_port" "$replica"
    echo "$replica_port" >"$replica/port"

    # Ready when the primary sees its standby streaming and the standby says it is one.
    local state="" recovering=""
    for _ in $(seq 1 300); do
        state=$(sql "$primary_port" "SELECT state FROM pg_stat_replication WHERE application_name = 'walreceiver'")
        recovering=$(sql "$replica_port" "SELECT pg_is_in_recovery()")
        if [[ $state == streaming && $recovering == t ]]; then
            break
        fi
        sleep 0.1
    done
    if [[ $state != streaming || $recovering != t ]]; then
        echo "pg-replica: the replica is not streaming (state '$state', in recovery '$recovering'); its log:" >&2
        cat "$replica/server.log" >&2
        exit 1
    fi
    echo "pg-replica: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}'), primary on" \
        "127.0.0.1:$primary_port, replica streaming on 127.0.0.1:$replica_port ($dir)" >&2
    echo "DATABASE_URL=postgres://postgres@127.0.0.1:$primary_port/$database"
    echo "DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:$replica_port/$database"
}

stop() {
    # The replica first: stopped after its primary, it would retry the connection until told to stop.
    local data
    for data in "$replica/data" "$primary/data"; do
        if [[ -f $data/postmaster.pid ]]; then
            as_owner "$bindir/pg_ctl" --pgdata="$data" --mode=immediate --wait stop >/dev/null ||
                echo "pg-replica: pg_ctl stop of $data failed" >&2
        fi
    done
    rm -rf "$dir"
    echo "pg-replica: stopped and removed $dir" >&2
}

stop_replica() {
    as_owner "$bindir/pg_ctl" --pgdata="$replica/data" --mode=fast --wait stop >/dev/null
}

start_replica() {
    server "$replica/data" "$(cat "$replica/port")" "$replica"
}

case $action in
    start) start ;;
    stop) stop ;;
    stop-replica) stop_replica ;;
    start-replica) start_replica ;;
    *) usage ;;
esac
