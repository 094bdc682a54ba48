"""Invoice PDFs: the real WeasyPrint rendering read back as text, the fake engine, the stored file."""

import datetime
import re
import shutil
import subprocess
import threading
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import weasyprint
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ardoise.billing import pdf_text_reuse
from ardoise.billing.models import CreditNote, Invoice, InvoiceLine, Payment, PaymentAllocation, PaymentMethod
from ardoise.billing.money import format_euros
from ardoise.billing.pdf import (
    FIGURE_COLUMNS,
    STYLESHEET,
    FakePdfRenderer,
    WeasyPrintRenderer,
    get_renderer,
    invoice_pdf_bytes,
    line_figures,
    minimal_pdf,
    render_invoice_html,
    render_invoice_pdf,
)
from ardoise.directdebit.models import CreditorSettings
from ardoise.families.models import Child, Family
from ardoise.payments.models import ProviderConfig, ProviderKind
from ardoise.towns.models import Site, Town
from tests.directdebit.matrix import mandate_of
from tests.factories import ActivityFactory

D = Decimal
FAKE = "ardoise.billing.pdf.FakePdfRenderer"


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The text of a PDF as Debian's poppler-utils reads it."""
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is missing: apt-get install poppler-utils"
    source = tmp_path / "facture.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603 (a fixed local binary on a file we wrote)
        [pdftotext, "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True
    )
    # Whitespace folded: a phrase may wrap at the end of a line or in a narrow column.
    return " ".join(result.stdout.decode().split())


@pytest.fixture
def invoice(town: Town, site: Site, family: Family) -> Invoice:
    """Seed 001's AL-12: 243.20 € for February and March, two children, meals and morning care."""
    town.address = "Hôtel de ville\n1 place de la République\n31400 Saint-Exemple"
    town.phone = "05 61 00 00 00"
    town.email = "periscolaire@saint-exemple.fr"
    town.save()
    sarah = Child.objects.get(family=family, first_name="Sarah")
    chloe = Child.objects.get(family=family, first_name="Chloé")
    repas = ActivityFactory(site=site)
    garderie = ActivityFactory(site=site, garderie_matin=True)
    invoice = Invoice.objects.create(
        town=town,
        family=family,
        number="2015-000012",
        issued_on=datetime.date(2015, 4, 8),
        due_on=datetime.date(2015, 4, 30),
        period_start=datetime.date(2015, 2, 1),
        period_end=datetime.date(2015, 3, 31),
        total=D("243.20"),
        payer_name="Madame Marie DUPONT",
        payer_address="12 rue des Bonbons\n31400 Saint-Exemple",
        regie_name=town.regie_name,
    )
    for child, activity, quantity, unit_price in [
        (sarah, repas, 28, "4.10"),
        (sarah, garderie, 12, "1.60"),
        (chloe, repas, 26, "1.50"),
    ]:
        InvoiceLine.objects.create(
            town=town,
            invoice=invoice,
            child=child,
            activity=activity,
            label=activity.label,
            quantity=quantity,
            unit_price=D(unit_price),
            amount=quantity * D(unit_price),
        )
    assert sum(line.amount for line in invoice.lines.all()) == D("173.00")
    # A flat Wednesday package completes the total to 243.20.
    InvoiceLine.objects.create(
        town=town,
        invoice=invoice,
        child=sarah,
        activity=None,
        label="Accueil du mercredi — forfait mensuel",
        quantity=2,
        unit_price=D("35.10"),
        amount=D("70.20"),
    )
    return invoice


def test_it_renders_a_real_pdf_with_weasyprint(invoice: Invoice, tmp_path: Path) -> None:
    pdf = render_invoice_pdf(invoice)

    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf, tmp_path)
    for expected in [
        "2015-000012",
        "243,20",
        "Saint-Exemple",
        "Hôtel de ville",
        "Régie périscolaire de Saint-Exemple",
        "Madame Marie DUPONT",
        "12 rue des Bonbons",
        "Sarah DUPONT",
        "Chloé DUPONT",
        "Garderie matin",
        "08/04/2015",
        "30/04/2015",
        "du 01/02/2015 au 31/03/2015",
        "114,80",  # 28 meals at 4,10 €
        "Reste à payer",
        "Trésor public",
        "Page 1 / 1",  # a month for two children fits on one A4 page
    ]:
        assert expected in text, expected


def test_it_shows_what_is_already_paid_and_what_remains(invoice: Invoice, tmp_path: Path) -> None:
    cheque = Payment.objects.create(
        town=invoice.town,
        family=invoice.family,
        number="R-1",
        method=PaymentMethod.CHEQUE,
        received_on=datetime.date(2015, 4, 20),
        amount=D("100.00"),
    )
    PaymentAllocation.objects.create(town=invoice.town, payment=cheque, invoice=invoice, amount=D("100.00"))
    CreditNote.objects.create(
        town=invoice.town,
        invoice=invoice,
        number="AV-1",
        issued_on=datetime.date(2015, 4, 21),
        amount=D("4.10"),
        reason="Repas non pris",
    )

    text = pdf_text(render_invoice_pdf(invoice), tmp_path)

    assert "Déjà réglé − 100,00 €" in text
    assert "Avoirs − 4,10 €" in text
    assert "Reste à payer 139,10 €" in text


def test_it_says_a_settled_invoice_needs_no_payment(invoice: Invoice) -> None:
    CreditNote.objects.create(
        town=invoice.town,
        invoice=invoice,
        number="AV-1",
        issued_on=datetime.date(2015, 4, 21),
        amount=D("243.20"),
        reason="Facture annulée",
    )

    html = render_invoice_html(invoice)

    assert "Facture annulée par avoir" in html
    assert "Comment payer" not in html


def test_it_escapes_what_the_family_typed(invoice: Invoice) -> None:
    invoice.payer_name = "<script>alert(1)</script>"

    assert "<script>alert" not in render_invoice_html(invoice)


def test_it_refuses_to_fetch_anything_remote() -> None:
    fetcher = WeasyPrintRenderer().url_fetcher

    for url in ["https://example.org/logo.png", "http://127.0.0.1/x.css", "ftp://example.org/f"]:
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher(url)
    assert fetcher("data:text/plain,ok").read() == b"ok"


def test_it_renders_with_the_engine_the_settings_choose(invoice: Invoice, settings: Any) -> None:
    settings.ARDOISE_PDF_RENDERER = FAKE

    assert render_invoice_pdf(invoice) == minimal_pdf() == FakePdfRenderer().render("<p>x</p>")


def test_it_makes_a_fake_pdf_that_readers_accept(tmp_path: Path) -> None:
    assert minimal_pdf().startswith(b"%PDF-1.4")
    pdfinfo = shutil.which("pdfinfo")
    assert pdfinfo, "pdfinfo is missing: apt-get install poppler-utils"
    source = tmp_path / "fake.pdf"
    source.write_bytes(minimal_pdf())
    result = subprocess.run([pdfinfo, str(source)], capture_output=True, check=True)  # noqa: S603
    assert re.search(rb"^Pages:\s+1$", result.stdout, re.MULTILINE)
    assert b"Syntax Error" not in result.stderr


def test_it_returns_the_stored_pdf_when_there_is_one(invoice: Invoice, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.ARDOISE_PDF_RENDERER = FAKE
    invoice.pdf.save("2015-000012.pdf", ContentFile(b"%PDF-1.7 as issued"), save=True)

    assert invoice_pdf_bytes(invoice) == b"%PDF-1.7 as issued"


def test_it_renders_without_saving_when_nothing_is_stored(invoice: Invoice, settings: Any) -> None:
    settings.ARDOISE_PDF_RENDERER = FAKE

    assert invoice_pdf_bytes(invoice) == minimal_pdf()
    invoice.refresh_from_db()
    assert not invoice.pdf


def test_it_tells_how_this_town_takes_money(invoice: Invoice, tmp_path: Path) -> None:
    town = invoice.town
    ProviderConfig.objects.create(town=town, provider=ProviderKind.NONE)
    text = pdf_text(render_invoice_pdf(invoice), tmp_path)
    assert "En ligne" not in text
    assert "Par prélèvement" not in text  # The town does not collect by direct debit.

    ProviderConfig.objects.filter(town=town).update(provider=ProviderKind.PAYFIP_WS, numcli="123456")
    CreditorSettings.objects.create(
        town=town, ics="FR72ZZZ123456", name="Régie", iban="FR7630006000010001000000215", bic="AGRIFRPPXXX"
    )
    text = pdf_text(render_invoice_pdf(invoice), tmp_path)
    assert "PayFiP" in text
    assert "Avec un mandat SEPA" in text

    mandate = mandate_of(invoice.family)
    text = pdf_text(render_invoice_pdf(invoice), tmp_path)
    assert f"mandat {mandate.reference}" in text
    assert "Avec un mandat SEPA" not in text


def add_lines(invoice: Invoice, count: int) -> list[str]:
    """`count` more lines for the invoice's first child, each with its own label; their labels."""
    child = invoice.lines.order_by("pk").first().child  # type: ignore[union-attr]
    labels = [f"Sortie n° {number:02d} — musée" for number in range(1, count + 1)]
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            town=invoice.town,
            invoice=invoice,
            child=child,
            activity=None,
            label=label,
            quantity=1,
            unit_price=D("3.00"),
            amount=D("3.00"),
        )
        for label in labels
    )
    return labels


def test_a_long_invoice_runs_over_pages_and_keeps_every_line(invoice: Invoice, tmp_path: Path) -> None:
    labels = add_lines(invoice, 70)

    pdf = render_invoice_pdf(invoice)

    text = pdf_text(pdf, tmp_path)
    pages = re.findall(r"Page (\d+) / (\d+)", text)
    assert len(pages) >= 2
    assert pages[0] == ("1", str(len(pages)))
    assert pages[-1] == (str(len(pages)), str(len(pages)))
    for label in labels:
        assert label in text, label
    for expected in ["Chloé DUPONT", "Sous-total Sarah DUPONT", "Reste à payer", "Talon à joindre", "Trésor public"]:
        assert expected in text, expected
    # Every page carries the footer naming the invoice.
    assert text.count("Facture n° 2015-000012") == len(pages)


def test_its_queries_do_not_grow_with_its_lines(invoice: Invoice) -> None:
    with CaptureQueriesContext(connection) as short:
        render_invoice_html(invoice)
    add_lines(invoice, 70)
    with CaptureQueriesContext(connection) as long:
        html = render_invoice_html(invoice)

    assert "Sortie n° 70" in html
    assert len(long.captured_queries) == len(short.captured_queries) <= 6


def test_each_thread_keeps_one_engine_and_parses_the_stylesheet_once(invoice: Invoice, settings: Any) -> None:
    settings.ARDOISE_PDF_RENDERER = "ardoise.billing.pdf.WeasyPrintRenderer"
    renderer = get_renderer()
    render_invoice_pdf(invoice)
    stylesheet = renderer._stylesheets[STYLESHEET]  # type: ignore[attr-defined]
    render_invoice_pdf(invoice)

    assert get_renderer() is renderer
    assert renderer._stylesheets[STYLESHEET] is stylesheet  # type: ignore[attr-defined]
    elsewhere: list[object] = []
    thread = threading.Thread(target=lambda: elsewhere.append(get_renderer()))
    thread.start()
    thread.join()
    (other,) = elsewhere
    assert other is not renderer  # WeasyPrint's font map is not shared across threads
    settings.ARDOISE_PDF_RENDERER = FAKE
    assert isinstance(get_renderer(), FakePdfRenderer)


def advances_em(text: str) -> list[Fraction]:
    """Each character's advance in DejaVu Sans (the PDFs' regular face, as fontconfig finds it), in exact em."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    fc_match = shutil.which("fc-match")
    assert fc_match, "fc-match is missing: apt-get install fontconfig"
    path = subprocess.run([fc_match, "-f", "%{file}", "DejaVu Sans"], capture_output=True, check=True).stdout  # noqa: S603
    font = TTFont(path.decode())
    cmap, metrics, units = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    return [Fraction(metrics[cmap[ord(char)]][0], units) for char in text]


def test_a_lines_figures_stand_in_columns_under_the_header() -> None:
    lines = [(6, D("1.80"), D("10.80")), (28, D("4.10"), D("114.80")), (120, D("1234.50"), D("12345.60"))]
    # Where the quantity and the unit price end, measured from the text's end (the amount's end, right-aligned).
    ends = []
    for quantity, unit_price, amount in lines:
        figures = line_figures(quantity, unit_price, amount)
        advances = advances_em(figures)
        price = format_euros(unit_price)
        price_end = figures.index(price, len(str(quantity))) + len(price)
        quantity_end = figures.index(str(quantity)) + len(str(quantity))
        assert figures.endswith(format_euros(amount))
        ends.append((sum(advances[price_end:], Fraction(0)), sum(advances[quantity_end:], Fraction(0))))
    assert ends[0] == ends[1] == ends[2]
    # The header's columns are as wide as the figures under them, with the gap before each.
    price_end_em, quantity_end_em = ends[0]
    assert abs(css_em(FIGURE_COLUMNS["amount"]) - price_end_em) <= Fraction(1, 1000)
    assert abs(css_em(FIGURE_COLUMNS["price"]) - (quantity_end_em - price_end_em)) <= Fraction(1, 1000)


def css_em(length: str) -> Fraction:
    """A CSS length in em ("12.345em") as an exact fraction."""
    return Fraction(Decimal(length.removesuffix("em")))


def test_its_lines_read_in_order_in_the_pdf(invoice: Invoice, tmp_path: Path) -> None:
    text = pdf_text(render_invoice_pdf(invoice), tmp_path)

    assert "Repas 28 4,10 € 114,80 €" in text
    assert "Accueil du mercredi — forfait mensuel 2 35,10 € 70,20 €" in text


def test_its_html_is_well_formed_and_an_ill_formed_one_still_renders(invoice: Invoice, tmp_path: Path) -> None:
    # Well-formed: the engine reads it with the XML parser (billing.pdf._lean_html).
    assert ElementTree.fromstring(render_invoice_html(invoice)).tag == "html"  # noqa: S314 (our own output)
    invoice.payer_name = "Marie\x0bDUPONT"  # a vertical tab pasted into a form: not allowed in XML

    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(render_invoice_html(invoice))  # noqa: S314
    assert "Marie DUPONT" in pdf_text(render_invoice_pdf(invoice), tmp_path)


def test_text_layouts_are_reused_only_on_the_pinned_weasyprint() -> None:
    # billing.pdf_text_reuse patches WeasyPrint's internals: it must have been checked against the version
    # installed, which is the one requirements.lock pins. A WeasyPrint upgrade fails here until it has been.
    pinned = re.search(r"^weasyprint==(\S+)$", Path("requirements.lock").read_text(), re.MULTILINE)
    assert pinned is not None
    assert weasyprint.__version__ == pinned.group(1) == pdf_text_reuse.WEASYPRINT_VERSION
    WeasyPrintRenderer()
    assert pdf_text_reuse.installed


@pytest.mark.parametrize("extra_lines", [0, 70])
def test_drawing_with_the_kept_text_layouts_gives_the_same_pdf(
    invoice: Invoice, extra_lines: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One page, or three with a wrapped label (and pre-line cells, letter-spaced headings, a bold lead-in).
    add_lines(invoice, extra_lines)
    invoice.lines.filter(activity=None).update(label="Accueil du mercredi — forfait mensuel " * 4)
    renderer = WeasyPrintRenderer()
    html = render_invoice_html(invoice)
    reused = pdf_text_reuse.reused

    kept = renderer.render(html, stylesheet=STYLESHEET)

    assert pdf_text_reuse.reused - reused > 40 * (1 + extra_lines // 35)
    monkeypatch.setattr(pdf_text_reuse, "enabled", False)
    assert renderer.render(html, stylesheet=STYLESHEET) == kept


def test_the_kept_text_layouts_give_the_same_pdf_for_any_text(monkeypatch: pytest.MonkeyPatch) -> None:
    # The other documents (certificates, reports, exports) use the same engine: justified, ellipsed, preformatted,
    # tabbed, underlined, letter-spaced, right-to-left and hyphenated texts are drawn as by WeasyPrint alone.
    words = "Restauration scolaire et accueil périscolaire de la commune, facturation mensuelle " * 6
    html = f"""<html lang="fr"><body>
      <p style="text-align: justify">{words}</p>
      <p style="width: 30mm; overflow: hidden; white-space: nowrap; text-overflow: ellipsis">{words}</p>
      <pre>ligne 1\n\tligne 2 avec une tabulation\nligne 3</pre>
      <p style="text-decoration: underline; letter-spacing: 0.1em; word-spacing: 2pt">{words}</p>
      <p dir="rtl" lang="ar">مرحبا بكم في المطعم المدرسي</p>
      <p style="hyphens: auto; width: 25mm">anticonstitutionnellement périscolaire</p>
      <p style="white-space: pre-line">un\ndeux\u2029trois</p>
    </body></html>"""
    renderer = WeasyPrintRenderer()
    reused = pdf_text_reuse.reused

    kept = renderer.render(html)

    assert pdf_text_reuse.reused > reused
    monkeypatch.setattr(pdf_text_reuse, "enabled", False)
    assert renderer.render(html) == kept
