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

`--phases` renders in this process only and splits each invoice's CPU into its steps: context and
template, HTML parsing, styling and layout, PDF writing (drawing, fonts, serialising). One process is
what a loaded machine disturbs least: the figures to compare between checkouts.
"""

import argparse
import itertools
import json
import multiprocessing
import os
import sys
import time
from typing import Any

import project

project.start(os.environ.get("ARDOISE_SRC"))

from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from ardoise.billing import pdf  # noqa: E402
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


def _phases(invoice_ids: list[int]) -> dict[str, float]:
    """CPU milliseconds per invoice of each step of `render_invoice_pdf`, its first invoice left out."""
    renderer: Any = pdf.get_renderer()
    stylesheet = renderer._stylesheet(pdf.STYLESHEET)
    totals: dict[str, float] = {}
    for index, invoice_id in enumerate(invoice_ids):
        clock = [time.process_time()]
        html = pdf.render_invoice_html(_load(invoice_id))
        clock.append(time.process_time())
        document = renderer._lean_html(string=html, base_url=renderer.base_url, url_fetcher=renderer.url_fetcher)
        clock.append(time.process_time())
        rendered = document.render(stylesheets=[stylesheet], font_config=renderer.font_config)
        clock.append(time.process_time())
        rendered.write_pdf()
        clock.append(time.process_time())
        if index:
            for step, (start, end) in zip(PHASES, itertools.pairwise(clock), strict=True):
                totals[step] = totals.get(step, 0.0) + end - start
    count = len(invoice_ids) - 1
    out = {step: round(seconds * 1000 / count, 1) for step, seconds in totals.items()}
    out["total"] = round(sum(totals.values()) * 1000 / count, 1)
    return out


PHASES = ("context_and_template_ms", "html_parsing_ms", "styling_and_layout_ms", "pdf_writing_ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdfs", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--phases", action="store_true", help="one process: CPU per invoice of each step")
    options = parser.parse_args()

    if options.phases:
        ids = list(Invoice.objects.order_by("pk").values_list("pk", flat=True)[: options.pdfs + 1])
        print(json.dumps({"code": sys.path[0], "invoices": len(ids) - 1, "cpu_ms_per_invoice": _phases(ids)}))
        return

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
