"""Where one issue of a month's invoicing run spends its CPU, statement by statement (issue 14, round 4).

    DATABASE_URL=… .venv/bin/python bench/issue_statements.py [--profile FILE] [--checkout DIR]

DATABASE_URL: a throwaway copy of a generated town (`build_demo`), on a server started with
`shared_preload_libraries = 'pg_stat_statements'`, `pg_stat_statements.track = all` (the foreign-key checks'
own queries, run by the triggers, are then counted apart) and `track_utility = on`. Creates the run of the last
month as bench/invoicing.py does, runs the preview once (its queries are the same as the issue's first ones),
resets pg_stat_statements and issues the run. Prints the CPU of the process and of its backend (from /proc) for
the preview and the issue, and the statements of the issue by total execution time (milliseconds, calls, rows),
the foreign-key checks included. `--profile FILE` also writes a cProfile of the issue (process CPU clock).
"""

import argparse
import cProfile
import json
import sys
import time

import project

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--profile")
parser.add_argument("--checkout", help="another checkout's code (e.g. main's, for an A/B run)")
parser.add_argument("--top", type=int, default=25)
options = parser.parse_args()
project.start(options.checkout)

from django.db import connection  # noqa: E402
from invoicing import last_month  # noqa: E402
from measure import backend_cpu, backend_pid  # noqa: E402

from ardoise.activities.models import Activity  # noqa: E402
from ardoise.billing import runs  # noqa: E402
from ardoise.billing.models import InvoicingRun  # noqa: E402
from ardoise.towns.models import Town  # noqa: E402


def statements() -> list[tuple[str, int, float, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT query, calls, total_exec_time, rows FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "ORDER BY total_exec_time DESC"
        )
        return cursor.fetchall()


def main() -> None:
    town = Town.objects.get(slug="demo")
    start, end = last_month(town)
    activities = list(Activity.objects.filter(town=town))
    run = runs.create_run(town, None, period_start=start, period_end=end, activities=activities)
    run = InvoicingRun.objects.select_related("town").get(pk=run.pk)
    pid = backend_pid()

    cpu, db = time.process_time(), backend_cpu(pid)
    preview = runs.preview(run)
    preview_cpu, preview_db = time.process_time() - cpu, backend_cpu(pid) - db

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_statements_reset()")
    profiler = cProfile.Profile(time.process_time) if options.profile else None
    cpu, db, wall = time.process_time(), backend_cpu(pid), time.perf_counter()
    if profiler:
        profiler.enable()
    result = runs.issue_run(run, None)
    if profiler:
        profiler.disable()
        profiler.dump_stats(options.profile)
    issue_cpu, issue_db, issue_wall = time.process_time() - cpu, backend_cpu(pid) - db, time.perf_counter() - wall

    rows = statements()
    total_ms = sum(row[2] for row in rows)
    print(
        json.dumps(
            {
                "invoices": len(result.invoices),
                "billed_bookings": preview.booking_count,
                "preview_cpu": [round(preview_cpu, 2), round(preview_db, 2)],
                "issue_cpu": [round(issue_cpu, 2), round(issue_db, 2)],
                "issue_wall": round(issue_wall, 2),
                "cpu_ratio": round((issue_cpu + issue_db) / (preview_cpu + preview_db), 2),
                "statements_total_ms": round(total_ms),
            }
        )
    )
    for query, calls, ms, nrows in rows[: options.top]:
        text = " ".join(query.split())
        print(f"{ms:9.0f} ms {calls:7d} calls {nrows:8d} rows  {text[:150]}")
    sys.stdout.flush()


main()
