"""Invoice PDFs: the HTML is ours, the PDF engine sits behind a small interface.

`ARDOISE_PDF_RENDERER` (a dotted path to a class) chooses the engine: WeasyPrint
by default; `FakePdfRenderer` returns a minimal valid PDF for tests that do not
look inside. The real engine never fetches anything from the network: only
`file:` and `data:` URLs are allowed, and fonts come from the system (DejaVu).

Rendering is the month-end worker's main cost, so each thread of a process keeps
one engine (`get_renderer`): WeasyPrint's URL fetcher (its SSL context alone costs
tens of milliseconds to build), one font configuration (Pango's font map and its
caches) and each named stylesheet parsed once. A document rendered with a named
stylesheet also gets a lean user-agent sheet (`UA_STYLESHEET`) in place of
WeasyPrint's (see that file for why). Each text is drawn with the Pango layout its line was broken
with instead of a second one (`pdf_text_reuse`, on the pinned WeasyPrint only).
"""

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.module_loading import import_string

from ardoise.billing import pdf_text_reuse
from ardoise.billing.models import Invoice, InvoiceLine
from ardoise.billing.money import ZERO, format_euros
from ardoise.billing.statements import InvoiceStatus, invoice_summary
from ardoise.directdebit.models import CreditorSettings, Mandate, MandateState
from ardoise.payments.providers import config_for
from ardoise.towns import reference
from ardoise.towns.models import Town

TEMPLATE = "billing/invoice_pdf.html"
STYLESHEET = "billing/invoice_pdf.css"
UA_STYLESHEET = "billing/pdf_ua.css"


class PdfRenderer(Protocol):
    def render(self, html: str, stylesheet: str | None = None) -> bytes:
        """Turn an HTML document into PDF bytes, styled by its own `<style>` and, when named, by the
        stylesheet template `stylesheet` (parsed once per engine)."""
        ...


class WeasyPrintRenderer:
    """The real engine. Refuses every URL but `file:` and `data:` (no network fetch)."""

    allowed_protocols = ("file", "data")

    def __init__(self) -> None:
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher

        self.url_fetcher = URLFetcher(allowed_protocols=self.allowed_protocols)
        self.font_config = FontConfiguration()
        self.base_url = (settings.BASE_DIR / "ardoise" / "static").as_uri() + "/"
        self._stylesheets: dict[str, object] = {}
        self._lean_html = _lean_html(self._stylesheet(UA_STYLESHEET))
        pdf_text_reuse.install()

    def _stylesheet(self, name: str) -> object:
        if name not in self._stylesheets:
            from weasyprint import CSS

            self._stylesheets[name] = CSS(
                string=render_to_string(name),
                base_url=self.base_url,
                url_fetcher=self.url_fetcher,
                font_config=self.font_config,
                media_type="print",
            )
        return self._stylesheets[name]

    def render(self, html: str, stylesheet: str | None = None) -> bytes:
        from weasyprint import HTML

        kind = self._lean_html if stylesheet else HTML
        document = kind(string=html, base_url=self.base_url, url_fetcher=self.url_fetcher, media_type="print")
        stylesheets = [self._stylesheet(stylesheet)] if stylesheet else None
        pdf = document.write_pdf(stylesheets=stylesheets, font_config=self.font_config)
        assert pdf is not None
        return pdf


def _lean_html(user_agent_sheet: object) -> type:
    """WeasyPrint's HTML with `user_agent_sheet` as its only user-agent stylesheet, read by expat when it can.

    `_ua_stylesheets` is WeasyPrint's own hook (its tests override it the same way). Were it renamed,
    the full sheet would apply again: the same rendering, only slower.

    The templates rendered with a named stylesheet are written as well-formed XHTML (void elements closed,
    character references only), so the C XML parser reads them into the same element tree as the HTML5
    parser, which is pure Python and took about a tenth of an invoice's CPU. A document that is not
    well-formed (a control character a family typed, say) goes through the HTML5 parser as before."""
    from xml.etree import ElementTree

    import cssselect2  # type: ignore[import-untyped]
    from weasyprint import HTML

    class LeanHTML(HTML):  # type: ignore[misc]
        def __init__(self, *, string: str, base_url: str, url_fetcher: object, media_type: str = "print") -> None:
            try:
                root = ElementTree.fromstring(string)  # noqa: S314 (our own template's output, no entities)
            except ElementTree.ParseError:
                super().__init__(string=string, base_url=base_url, url_fetcher=url_fetcher, media_type=media_type)
                return
            self.base_url = base_url
            self.url_fetcher = url_fetcher
            self.media_type = media_type
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, *args: object, **kwargs: object) -> list[object]:
            return [user_agent_sheet]

    return LeanHTML


class FakePdfRenderer:
    """A one-page blank PDF, valid but empty: for tests that only need bytes."""

    def render(self, html: str, stylesheet: str | None = None) -> bytes:
        return minimal_pdf()


@functools.cache
def minimal_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(out)


_engines = threading.local()


def get_renderer() -> PdfRenderer:
    """The engine `ARDOISE_PDF_RENDERER` names, made once per thread and kept (see the module's note)."""
    path = settings.ARDOISE_PDF_RENDERER
    engines: dict[str, PdfRenderer] = _engines.__dict__.setdefault("by_path", {})
    if path not in engines:
        factory: Callable[[], PdfRenderer] = import_string(path)
        engines[path] = factory()
    return engines[path]


# What the template shows: amounts already formatted French-style.


# A line's quantity, unit price and amount are one text, not three cells (WeasyPrint's cost grows with the
# boxes of a page, a cell being four of them). They still stand in right-aligned columns: each figure is padded
# on its left to a fixed width with characters exactly as wide as the ones it lacks, and the columns are set
# apart by figure spaces. In DejaVu Sans, the PDFs' only regular face, a digit and U+2007 FIGURE SPACE are
# 1303/2048 em wide, U+202F (the thousands separator) 409/2048, the comma and the no-break space 651/2048.
FIGURE_SPACE = "\u2007"
THOUSANDS = "\u202f"
# Exact fractions of the em (the font's own units), so that widths add up without rounding.
DIGIT_EM, THOUSANDS_EM, COMMA_EM = Fraction(1303, 2048), Fraction(409, 2048), Fraction(651, 2048)
QUANTITY_DIGITS, PRICE_DIGITS, AMOUNT_DIGITS = 3, 4, 5  # integer digits padded to (wider ones push the line left)
PRICE_GAP, AMOUNT_GAP = 5, 4  # figure spaces before the unit price and before the amount


def _money_em(digits: int) -> Fraction:
    """Width of a padded amount, "99 999,99 €": digits, separators, comma, no-break space and the euro sign."""
    return (digits + 2 + 1) * DIGIT_EM + (digits - 1) // 3 * THOUSANDS_EM + 2 * COMMA_EM


# The header's columns over the figures (CSS lengths in the lines' font): each ends where its figure ends.
FIGURE_COLUMNS = {
    "price": f"{PRICE_GAP * DIGIT_EM + _money_em(PRICE_DIGITS):.3f}em",
    "amount": f"{AMOUNT_GAP * DIGIT_EM + _money_em(AMOUNT_DIGITS):.3f}em",
}


def _padded(figure: str, digits: int) -> str:
    """`figure` ("28", "4,10 €", "1 234,50 €") as wide as one of `digits` integer digits."""
    whole = figure.partition(",")[0]
    missing_digits = digits - sum(char.isdigit() for char in whole)
    missing_separators = (digits - 1) // 3 - whole.count(THOUSANDS)
    return FIGURE_SPACE * max(missing_digits, 0) + THOUSANDS * max(missing_separators, 0) + figure


def line_figures(quantity: int, unit_price: Decimal, amount: Decimal) -> str:
    """A line's three figures as one text in aligned columns (see above)."""
    return (
        _padded(str(quantity), QUANTITY_DIGITS)
        + FIGURE_SPACE * PRICE_GAP
        + _padded(format_euros(unit_price), PRICE_DIGITS)
        + FIGURE_SPACE * AMOUNT_GAP
        + _padded(format_euros(amount), AMOUNT_DIGITS)
    )


@dataclass(frozen=True, slots=True)
class PdfLine:
    label: str
    figures: str


@dataclass(frozen=True, slots=True)
class PdfChild:
    name: str
    lines: list[PdfLine]
    subtotal: str


def _grouped_lines(invoice: Invoice) -> list[PdfChild]:
    """One block per child (in the order children were first billed), one row per line."""
    lines = (
        InvoiceLine.objects.filter(town_id=invoice.town_id, invoice=invoice)
        .select_related("child", "activity")
        .order_by("child__birth_date", "child_id", "pk")
    )
    blocks: dict[int | None, tuple[str, list[InvoiceLine]]] = {}
    for line in lines:
        name = line.child.full_name if line.child else "Famille"
        blocks.setdefault(line.child_id, (name, []))[1].append(line)
    return [
        PdfChild(
            name=name,
            lines=[
                PdfLine(
                    label=line.label or (line.activity.label if line.activity else ""),
                    figures=line_figures(line.quantity, line.unit_price, line.amount),
                )
                for line in rows
            ],
            subtotal=format_euros(sum((line.amount for line in rows), ZERO)),
        )
        for name, rows in blocks.values()
    ]


def invoice_context(invoice: Invoice) -> dict[str, object]:
    town = invoice.town
    summary = invoice_summary(invoice)
    regie = invoice.regie_name or town.regie_name
    remaining = max(summary.remaining, ZERO)
    town_address = _lines(town.address)
    return {
        "invoice": invoice,
        "town": town,
        "has_town_address": bool(town_address),
        # Multi-line blocks are one text each (lines kept by `white-space: pre-line`), not an element per line:
        # WeasyPrint's cost grows with the boxes of a page (see billing/invoice_pdf.css).
        "issuer_contact": _lines(town.address, f"Tél. {town.phone}" if town.phone else "", town.email),
        "regie": regie,
        "family_number": invoice.family.number,
        "payer_address": _lines(invoice.payer_address),
        "children": _grouped_lines(invoice),
        "figure_columns": FIGURE_COLUMNS,
        "total": format_euros(summary.total),
        "credited": format_euros(summary.credited) if summary.credited else "",
        "paid": format_euros(summary.paid),
        "remaining": format_euros(remaining),
        "is_settled": remaining == Decimal(0),
        "is_cancelled": summary.status == InvoiceStatus.CANCELLED,
        # Cheques are made out to the régie when the town has one, else to the Trésor public.
        "cheque_payee": regie or "Trésor public",
        # How this town takes money besides cheques: its online provider, and direct debit.
        "online_provider": config_for(town).provider,
        "mandate": Mandate.objects.filter(town=town, family_id=invoice.family_id, state=MandateState.ACTIVE).first(),
        "creditor_ics": creditor_ics(town),
    }


def creditor_ics(town: Town) -> str:
    """The town's SEPA creditor identifier, "" when it takes no direct debit (its reference data, cached)."""
    return reference.cached(town, "creditor_ics", _stored_ics)


def _stored_ics(town: Town) -> str:
    creditor = CreditorSettings.objects.using(reference.PRIMARY).filter(town=town)
    return creditor.values_list("ics", flat=True).first() or ""


def _lines(*texts: str) -> str:
    """The non-blank lines of `texts`, one per line."""
    return "\n".join(line.strip() for text in texts for line in text.splitlines() if line.strip())


def render_invoice_html(invoice: Invoice) -> str:
    return render_to_string(TEMPLATE, invoice_context(invoice))


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as a PDF, rendered now by the configured engine. Nothing is saved."""
    return get_renderer().render(render_invoice_html(invoice), stylesheet=STYLESHEET)


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """The stored PDF when there is one (the invoice as issued), else a fresh rendering."""
    if invoice.pdf:
        with invoice.pdf.open("rb") as stored:
            return stored.read()
    return render_invoice_pdf(invoice)
