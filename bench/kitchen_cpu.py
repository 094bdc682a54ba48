"""The kitchen counts of the next school days (every site of the town) on a generated town: time, CPU, queries.

Runs in the Django project against DATABASE_URL (PostgreSQL on this machine), through Django's test client
as `bench/pages.py` does, for `--repeat` requests after one warm-up: the median wall time, the median CPU of
the Django process (`time.process_time`) and the PostgreSQL backend's CPU per request (utime + stime of
`/proc/<pg_backend_pid()>/stat`, its total over the requests divided by their number), the number of queries
of one warm request and the page's size. CPU is what to compare on a machine that other work loads.

`--project DIR` runs another checkout's code on the same database (e.g. main, for "before"); `--rounds N`
repeats the measure N times in the same process (the figures of each round). Prints JSON. Never part of
the test suite.
"""

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import project

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--repeat", type=int, default=20)
parser.add_argument("--rounds", type=int, default=1)
parser.add_argument("--town", default="demo")
parser.add_argument("--project", default=str(Path(__file__).resolve().parent.parent))
args = parser.parse_args()

project.start(args.project)

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from measure import QueryCounter, backend_cpu, backend_pid  # noqa: E402

from ardoise.accounts.models import User  # noqa: E402


def main() -> None:
    client = Client()
    client.force_login(User.objects.get(town__slug=args.town, email=f"admin@{args.town}.test"))
    url = reverse("backoffice:kitchen", args=[args.town])
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    queries = QueryCounter()
    with connection.execute_wrapper(queries):
        client.get(url)
    pid = backend_pid()
    rounds = []
    for _round in range(args.rounds):
        walls, cpus = [], []
        backend_before = backend_cpu(pid)
        for _ in range(args.repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            client.get(url)
            cpus.append(time.process_time() - cpu_started)
            walls.append(time.perf_counter() - started)
        django_ms = statistics.median(cpus) * 1000
        postgres_ms = (backend_cpu(pid) - backend_before) / args.repeat * 1000
        rounds.append(
            {
                "wall_median_ms": round(statistics.median(walls) * 1000, 1),
                "django_cpu_ms": round(django_ms, 1),
                "postgres_cpu_ms": round(postgres_ms, 1),
                "cpu_ms": round(django_ms + postgres_ms, 1),
                "load_average": round(os.getloadavg()[0], 1),
            }
        )
    result = {"project": args.project, "url": url, "queries": queries.count, "html_bytes": len(first.content)}
    print(json.dumps({**result, "rounds": rounds}, indent=2))


if __name__ == "__main__":
    main()
