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

`--text-reuse-ab ROUNDS` renders `--pdfs` invoices ROUNDS times each way in this process, alternating with
and without `billing.pdf_text_reuse` (same documents, same load), and prints layout and writing CPU per
invoice for both.
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


def _text_reuse_ab(invoice_ids: list[int], rounds: int) -> dict[str, float]:
    """CPU milliseconds per invoice of styling and layout, and of PDF writing, with and without
    `billing.pdf_text_reuse`, alternately in this process on the same documents (the pair a loaded machine
    disturbs least: both halves see the same load)."""
    from ardoise.billing import pdf_text_reuse

    renderer: Any = pdf.get_renderer()
    stylesheets = [renderer._stylesheet(pdf.STYLESHEET)]
    htmls = [pdf.render_invoice_html(_load(invoice_id)) for invoice_id in invoice_ids]
    totals = {(reuse, step): 0.0 for reuse in (True, False) for step in ("layout", "writing")}
    for index in range(rounds):
        for reuse in (True, False) if index % 2 else (False, True):
            pdf_text_reuse.enabled = reuse
            for html in htmls:
                started = time.process_time()
                document = renderer._lean_html(
                    string=html, base_url=renderer.base_url, url_fetcher=renderer.url_fetcher
                )
                rendered = document.render(stylesheets=stylesheets, font_config=renderer.font_config)
                laid_out = time.process_time()
                rendered.write_pdf()
                totals[reuse, "layout"] += laid_out - started
                totals[reuse, "writing"] += time.process_time() - laid_out
    pdf_text_reuse.enabled = True
    count = rounds * len(htmls)
    return {
        f"{'reuse' if reuse else 'weasyprint'}_{step}_ms": round(seconds * 1000 / count, 1)
        for (reuse, step), seconds in totals.items()
    }


PHASES = ("context_and_template_ms", "html_parsing_ms", "styling_and_layout_ms", "pdf_writing_ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdfs", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--phases", action="store_true", help="one process: CPU per invoice of each step")
    parser.add_argument(
        "--text-reuse-ab",
        type=int,
        metavar="ROUNDS",
        help="one process: layout and writing with and without pdf_text_reuse",
    )
    options = parser.parse_args()

    if options.text_reuse_ab:
        ids = list(Invoice.objects.order_by("pk").values_list("pk", flat=True)[: options.pdfs])
        result = _text_reuse_ab(ids, options.text_reuse_ab)
        print(json.dumps({"code": sys.path[0], "invoices": len(ids), "rounds": options.text_reuse_ab, **result}))
        return

    if options.phases:
        ids = list(Invoice.objects.order_by("pk").values_list("pk", flat=True)[: options.pdfs + 1])
        print(json.dumps({"code": sys.path[0], "invoices": len(ids) - 1, "cpu_ms_per_invoice": _phases(ids)}))
        return

    ids = list(Invoice.objects.order_by("pk").values_list("pk", flat=True)[: options.pdfs + options.processes])
    out = {"code": sys.path[0], **pdf_rate(ids, options.processes)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
