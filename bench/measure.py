"""What the benchmarks measure the same way: the SQL statements a piece of work sends, and the CPU its
PostgreSQL backend used (read from /proc: client and server on the same machine). Imported after
django.setup()."""

import os
from pathlib import Path
from typing import Any

from django.db import connection


class QueryCounter:
    """Counts the statements sent through the connection (an execute wrapper: whatever DEBUG says, no SQL kept)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def backend_pid() -> int | None:
    """The process id of this connection's PostgreSQL backend; None on another database."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return int(pid)


def backend_cpu(pid: int | None) -> float:
    """Seconds of CPU (user + system) the backend `pid` has used so far; 0 without one (or not on this machine)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime: fields 14 and 15 of the stat line (the 12th and 13th after the command's name).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pdf_rate(invoice_ids: list[int], processes: int) -> dict[str, Any]:
    """Invoice PDFs rendered as the task worker renders them, on `processes` forked processes.

    A worker (`manage.py db_worker`) is a long-lived process rendering invoice after invoice with one engine
    (billing.pdf.get_renderer). So each process here first renders one invoice of its share untimed (its cold
    start: WeasyPrint's imports, the font configuration, the stylesheets, reported apart as
    `first_pdf_cpu_ms`), then the processes start the timed part together; the wall clock runs from that
    start to the last one's end. CPU: the renderers' own (`time.process_time`) and, on PostgreSQL, their
    backends' (from /proc)."""
    import multiprocessing
    import time

    from django.db import connections

    from ardoise.billing.models import Invoice
    from ardoise.billing.pdf import render_invoice_pdf

    chunks = [invoice_ids[index::processes] for index in range(processes)]
    if any(len(chunk) < 2 for chunk in chunks):
        raise SystemExit("bench: fewer than two invoices per process; issue a run first (bench/run.sh invoicing)")
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes)
    results = context.Queue()

    def render(chunk: list[int]) -> None:
        def load(invoice_id: int) -> Invoice:
            return Invoice.objects.select_related("town", "family").get(pk=invoice_id)

        cold = time.process_time()
        render_invoice_pdf(load(chunk[0]))
        cold = time.process_time() - cold
        pid = backend_pid()
        barrier.wait()
        started, cpu, db = time.monotonic(), time.process_time(), backend_cpu(pid)
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            for invoice_id in chunk[1:]:
                render_invoice_pdf(load(invoice_id))
        ended, cpu, db = time.monotonic(), time.process_time() - cpu, backend_cpu(pid) - db
        results.put({"started": started, "ended": ended, "cpu": cpu, "db": db, "cold": cold, "queries": counter.count})

    connections.close_all()  # each forked process opens its own connection
    workers = [context.Process(target=render, args=(chunk,)) for chunk in chunks]
    for worker in workers:
        worker.start()
    done = [results.get() for _worker in workers]
    for worker in workers:
        worker.join()
    rendered = sum(len(chunk) - 1 for chunk in chunks)
    seconds = max(one["ended"] for one in done) - min(one["started"] for one in done)
    cpu = sum(one["cpu"] for one in done)
    db = sum(one["db"] for one in done)
    return {
        "invoices": rendered,
        "processes": processes,
        "seconds": round(seconds, 2),
        "per_second": round(rendered / seconds, 2),
        # The renderers' own CPU: the figure a loaded machine disturbs least.
        "cpu_ms_per_invoice": round(cpu * 1000 / rendered, 1),
        "database_cpu_ms_per_invoice": round(db * 1000 / rendered, 1),
        "queries_per_invoice": round(sum(one["queries"] for one in done) / rendered, 1),
        "first_pdf_cpu_ms": round(max(one["cold"] for one in done) * 1000),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }
