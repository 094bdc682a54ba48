# Shared by scripts/pg-cluster.sh and scripts/pg-replica.sh (sourced, after they set `dir`):
# Debian's PostgreSQL server programs, running them as their owner, and a free port on loopback.

# Debian puts the server programs in /usr/lib/postgresql/<major>/bin; take the newest.
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)

# require_programs NAME...: stops the script when one of the server programs is missing.
require_programs() {
    local program
    for program in "$@"; do
        if [[ -z $bindir || ! -x $bindir/$program ]]; then
            echo "${0##*/}: no PostgreSQL server found under /usr/lib/postgresql/*/bin (run scripts/system-deps.sh)" >&2
            exit 1
        fi
    done
}

# as_owner COMMAND...: as root, runs COMMAND as the `postgres` user (initdb refuses root).
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        # cd first: the postgres user may not be allowed into the caller's directory.
        (cd "$dir" && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

free_port() {
    "${PYTHON:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
