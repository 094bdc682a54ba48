"""The month-end invoicing run, measured on a generated town (`build_demo --children N`).

Runs in the Django project against DATABASE_URL (a throwaway database: it issues
invoices). For the last complete month with billable bookings in town `demo`:

1. the floor: one SQL query aggregating the same billable lines (bookings of the
   month's open states, grouped by family, child and activity), timed twice: the
   first (cold) run reads the tables into the caches, the second (warm) is the floor
   the ratios are taken to;
2. the run's preview (`billing.runs.preview`), timed twice like the floor (the first
   call of the process also loads what a worker loads once) and the warm figure kept:
   time and CPU time of the process, and peak Python memory (tracemalloc, in a third
   pass so that tracing does not slow the timed one);
3. issuing it (`billing.runs.issue_run`: a batch of families per transaction,
   numbers reserved at once, rows written in bulk): time, CPU time of the process,
   SQL statements, and the process's peak resident memory (ru_maxrss);
4. PDF rendering with WeasyPrint: `--pdfs` invoices on `--processes` processes,
   invoices per second and the renderers' CPU milliseconds per invoice, each process
   warmed up first as a long-lived worker is (`measure.pdf_rate`).

Prints one JSON object; bench/run.sh adds the machine and the date. ARDOISE_SRC=<checkout> runs that checkout's
code (bench/run.sh's BEFORE).
"""

import argparse
import datetime
import json
import os
import resource
import time
import tracemalloc

import project

# ARDOISE_SRC: another checkout's code on the same database (bench/run.sh's BEFORE), as bench/pdfs.py.
project.start(os.environ.get("ARDOISE_SRC"))

from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from measure import QueryCounter, backend_cpu, backend_pid, pdf_rate  # noqa: E402

from ardoise.activities.models import Activity  # noqa: E402
from ardoise.billing import runs  # noqa: E402
from ardoise.billing.models import InvoicingRun  # noqa: E402
from ardoise.bookings.models import Booking, BookingState  # noqa: E402
from ardoise.towns.models import Town  # noqa: E402

# The bookings already billed are left out with NOT EXISTS: written `LEFT JOIN … IS NULL`, PostgreSQL planned it
# as a nested loop over the billed bookings once the town was analyzed (111 s instead of 0.23).
FLOOR_SQL = """
SELECT c.family_id, b.child_id, b.activity_id, b.state, count(*) AS days
FROM bookings_booking b
JOIN families_child c ON c.id = b.child_id
WHERE b.town_id = %s AND b.date BETWEEN %s AND %s AND b.activity_id = ANY(%s)
  AND b.state IN ('booked', 'present', 'present_unbooked', 'absent_billed', 'absent_excused')
  AND NOT EXISTS (SELECT 1 FROM billing_billedbooking bb WHERE bb.booking_id = b.id)
GROUP BY c.family_id, b.child_id, b.activity_id, b.state
"""


def last_month(town: Town) -> tuple[datetime.date, datetime.date]:
    """The last complete month with bookings (the generated town's past days)."""
    latest = Booking.objects.filter(town=town, state=BookingState.PRESENT).aggregate(m=Max("date"))["m"]
    if latest is None:
        raise SystemExit("bench: no past bookings in the town; build it with build_demo first")
    first = latest.replace(day=1)
    month_end = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    if latest < month_end and Booking.objects.filter(town=town, date__lt=first, state=BookingState.PRESENT).exists():
        month_end = first - datetime.timedelta(days=1)
        first = month_end.replace(day=1)
    return first, month_end


def floor_seconds(run: InvoicingRun, activity_ids: list[int]) -> tuple[float, int]:
    with connection.cursor() as cursor:
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            cursor.execute(FLOOR_SQL, [run.town_id, run.period_start, run.period_end, activity_ids])
        else:
            ids = ",".join(str(int(pk)) for pk in activity_ids)
            sql = FLOOR_SQL.replace("= ANY(%s)", f"IN ({ids})")
            cursor.execute(sql, [run.town_id, run.period_start, run.period_end])
        rows = cursor.fetchall()
        return time.perf_counter() - started, len(rows)


def connection_cpu() -> float:
    """CPU seconds this connection's PostgreSQL backend has used so far (0 on another database)."""
    return backend_cpu(backend_pid())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--town", default="demo")
    parser.add_argument("--pdfs", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    options = parser.parse_args()

    town = Town.objects.get(slug=options.town)
    start, end = last_month(town)
    activities = list(Activity.objects.filter(town=town))
    activity_ids = [activity.pk for activity in activities]
    run = runs.create_run(town, None, period_start=start, period_end=end, activities=activities)
    run = InvoicingRun.objects.select_related("town").get(pk=run.pk)

    cold_floor, _rows = floor_seconds(run, activity_ids)
    cpu_started, db_started = time.process_time(), connection_cpu()
    floor, floor_rows = floor_seconds(run, activity_ids)
    floor_cpu = time.process_time() - cpu_started + connection_cpu() - db_started

    started = time.perf_counter()
    runs.preview(run)
    cold_preview = time.perf_counter() - started
    started, cpu_started, db_started = time.perf_counter(), time.process_time(), connection_cpu()
    preview = runs.preview(run)
    preview_seconds = time.perf_counter() - started
    preview_cpu = time.process_time() - cpu_started
    preview_db_cpu = connection_cpu() - db_started
    bookings = preview.booking_count

    tracemalloc.start()
    runs.preview(run)
    _current, preview_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    statements = QueryCounter()
    started, cpu_started, db_started = time.perf_counter(), time.process_time(), connection_cpu()
    with connection.execute_wrapper(statements):
        result = runs.issue_run(run, None)
    issue_seconds = time.perf_counter() - started
    issue_cpu = time.process_time() - cpu_started
    issue_db_cpu = connection_cpu() - db_started
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    invoice_ids = [invoice.pk for invoice in result.invoices[: options.pdfs + options.processes]]
    pdfs = pdf_rate(invoice_ids, options.processes) if invoice_ids else {}

    print(
        json.dumps(
            {
                "database": connection.vendor,
                "period": [start.isoformat(), end.isoformat()],
                "children": town_children(town),
                "families_invoiced": len(result.invoices),
                "billed_bookings": bookings,
                "invoice_lines": preview.line_count,
                "total_euros": str(preview.total),
                "floor_query": {
                    "seconds": round(floor, 3),
                    "cold_seconds": round(cold_floor, 3),
                    "cpu_seconds": round(floor_cpu, 3),
                    "rows": floor_rows,
                },
                "preview": {
                    "seconds": round(preview_seconds, 2),
                    "cold_seconds": round(cold_preview, 2),
                    "cpu_seconds": round(preview_cpu, 2),
                    "database_cpu_seconds": round(preview_db_cpu, 2),
                    "ratio_to_floor": round(preview_seconds / floor, 1) if floor else None,
                    "cpu_ratio_to_floor": round((preview_cpu + preview_db_cpu) / floor_cpu, 1) if floor_cpu else None,
                    "peak_python_mib": round(preview_peak / 2**20, 1),
                },
                "issue": {
                    "seconds": round(issue_seconds, 2),
                    "cpu_seconds": round(issue_cpu, 2),
                    "database_cpu_seconds": round(issue_db_cpu, 2),
                    "statements": statements.count,
                    "ratio_to_preview": round(issue_seconds / preview_seconds, 1),
                    "cpu_ratio_to_preview": round((issue_cpu + issue_db_cpu) / (preview_cpu + preview_db_cpu), 1),
                    "ratio_to_floor": round(issue_seconds / floor, 1) if floor else None,
                    "invoices_per_second": round(len(result.invoices) / issue_seconds, 1),
                    "peak_rss_mib": round(maxrss_kib / 1024, 1),
                },
                "pdf": pdfs,
            },
            indent=2,
        )
    )


def town_children(town: Town) -> int:
    from ardoise.families.models import Child

    return Child.objects.filter(town=town).count()


if __name__ == "__main__":
    main()
