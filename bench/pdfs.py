"""Invoice PDFs alone, on invoices already issued in the database (`bench/invoicing.py` issues them).

Renders the first `--pdfs` invoices of the database as the worker does (each invoice loaded, rendered
by `billing.pdf.render_invoice_pdf`, nothing stored) on `--processes` forked processes, after one
warm-up invoice per process (the engine's fonts and stylesheet), and prints one JSON object: invoices
per second (wall clock) and the renderers' CPU milliseconds per invoice (`time.process_time`, the
figure a loaded machine disturbs least), plus the queries per invoice.

To compare two versions of the code on the same data, run it against the same DATABASE_URL with
ARDOISE_SRC pointing at the other checkout (e.g. an export of main), alternating the runs:

    DATABASE_URL=... .venv/bin/python bench/pdfs.py
    DATABASE_URL=... ARDOISE_SRC=/tmp/main-export .venv/bin/python bench/pdfs.py
"""

import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, os.environ.get("ARDOISE_SRC") or str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ardoise.settings")

import django

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from ardoise.billing.models import Invoice  # noqa: E402
from ardoise.billing.pdf import render_invoice_pdf  # noqa: E402


def _load(invoice_id: int) -> Invoice:
    return Invoice.objects.select_related("town", "family").get(pk=invoice_id)


def _render(invoice_ids: list[int]) -> tuple[int, float, int]:
    """(invoices, CPU seconds, queries) of one process, its warm-up invoice left out."""
    connections.close_all()
    render_invoice_pdf(_load(invoice_ids[0]))
    started = time.process_time()
    with CaptureQueriesContext(connection) as queries:
        for invoice_id in invoice_ids[1:]:
            render_invoice_pdf(_load(invoice_id))
    return len(invoice_ids) - 1, time.process_time() - started, len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdfs", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    options = parser.parse_args()

    ids = list(Invoice.objects.order_by("pk").values_list("pk", flat=True)[: options.pdfs + options.processes])
    if len(ids) <= options.processes:
        raise SystemExit("bench: no invoices; issue a run first (bench/run.sh invoicing)")
    chunks = [ids[index :: options.processes] for index in range(options.processes)]
    connections.close_all()
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(options.processes) as pool:
        results = pool.map(_render, chunks)
    seconds = time.perf_counter() - started
    rendered = sum(result[0] for result in results)
    cpu = sum(result[1] for result in results)
    queries = sum(result[2] for result in results)
    out: dict[str, Any] = {
        "code": sys.path[0],
        "invoices": rendered,
        "processes": options.processes,
        "seconds": round(seconds, 2),
        "per_second": round(rendered / seconds, 2),
        "cpu_ms_per_invoice": round(cpu * 1000 / rendered, 1),
        "queries_per_invoice": round(queries / rendered, 1),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
