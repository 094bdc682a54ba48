"""A primary and its streaming replica on this machine: how far behind the replica is, and what a report pays.

    .venv/bin/python bench/replica.py [--commits 300] [--checks 500] [--seconds 10]

Starts a pair with scripts/pg-replica.sh (stopped and removed at the end) and measures, printing JSON:

- `lag`: after each of `--commits` small commits on the primary (one row), the time until the replica
  has replayed it (its replay position reaches the primary's flush position), polled without pause;
- `check`: what `towns.replica.replica_caught_up` costs a report when the replica is caught up (two
  queries: the primary's flush position, the replica's replay position), wall and CPU per call;
- `check_under_writes`: the same check while another connection commits batches of 500 rows without
  a pause for `--seconds`, as an invoicing run would: how long a report waits for the replica, and how
  often it would give up after DATABASE_REPLICA_WAIT_MS (500 ms) and read the primary.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCRIPT = ROOT / "scripts" / "pg-replica.sh"


def summary(seconds: list[float]) -> dict[str, float | int]:
    ordered = sorted(seconds)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p90_ms": round(ordered[int(len(ordered) * 0.9)] * 1000, 3),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
        "max_at": seconds.index(ordered[-1]),  # which one: the first is often the slowest
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--checks", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="ardoise-bench-replica-", dir="/tmp")
    env = {**os.environ, "PYTHON": sys.executable}
    try:
        started = subprocess.run([str(SCRIPT), "start", folder], capture_output=True, text=True, env=env, check=True)
        os.environ.update(dict(line.split("=", 1) for line in started.stdout.split()))
        os.environ["DJANGO_SETTINGS_MODULE"] = "ardoise.settings"
        print(json.dumps(measure(args)), flush=True)
    finally:
        subprocess.run([str(SCRIPT), "stop", folder], capture_output=True, env=env, check=False)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import DEFAULT_DB_ALIAS, connections

    from ardoise.towns.replica import REPLICA, replica_caught_up

    primary, replica = connections[DEFAULT_DB_ALIAS], connections[REPLICA]
    with primary.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_row (id bigserial PRIMARY KEY, payload text)")

    lags = []
    with primary.cursor() as write, replica.cursor() as read:
        for _ in range(args.commits):
            write.execute("INSERT INTO bench_row (payload) VALUES ('x')")  # autocommit: committed here
            committed = time.perf_counter()
            write.execute("SELECT pg_current_wal_flush_lsn()")
            (position,) = write.fetchone()
            while True:
                read.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [str(position)])
                if read.fetchone()[0]:
                    break
            lags.append(time.perf_counter() - committed)

    walls, cpus = [], []
    for _ in range(args.checks):
        wall, cpu = time.perf_counter(), time.process_time()
        assert replica_caught_up(0.5)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)

    stop = threading.Event()
    written = [0]

    def writer() -> None:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            while not stop.is_set():
                cursor.execute("INSERT INTO bench_row (payload) SELECT repeat('y', 200) FROM generate_series(1, 500)")
                written[0] += 500
        connections[DEFAULT_DB_ALIAS].close()

    thread = threading.Thread(target=writer)
    thread.start()
    waits, gave_up = [], 0
    deadline = time.monotonic() + args.seconds
    try:
        while time.monotonic() < deadline:
            wall = time.perf_counter()
            if not replica_caught_up(0.5):
                gave_up += 1
            waits.append(time.perf_counter() - wall)
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join()

    return {
        "lag": summary(lags),
        "check": {"wall": summary(walls), "cpu": summary(cpus)},
        "check_under_writes": {
            "rows_written": written[0],
            "seconds": args.seconds,
            "wait": summary(waits),
            "gave_up": gave_up,
        },
        "load_average": os.getloadavg(),
    }


if __name__ == "__main__":
    main()
