"""Invoice PDFs alone, on invoices already issued in the database (`bench/invoicing.py` issues them).

Renders the first `--pdfs` invoices of the database as the worker does (each invoice loaded, rendered
by `billing.pdf.render_invoice_pdf`, nothing stored) on `--processes` forked processes, after one
warm-up invoice per process (the engine's fonts and stylesheet: `measure.pdf_rate`), and prints one JSON
object: invoices per second (wall clock) and the renderers' CPU milliseconds per invoice
(`time.process_time`, the figure a loaded machine disturbs least), their PostgreSQL backends' CPU, the
queries per invoice and the load average.

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
import os
import sys
import time
from typing import Any

import project

project.start(os.environ.get("ARDOISE_SRC"))

from measure import pdf_rate  # noqa: E402

from ardoise.billing import pdf  # noqa: E402
from ardoise.billing.models import Invoice  # noqa: E402


def _load(invoice_id: int) -> Invoice:
    return Invoice.objects.select_related("town", "family").get(pk=invoice_id)


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
    out = {"code": sys.path[0], **pdf_rate(ids, options.processes)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
