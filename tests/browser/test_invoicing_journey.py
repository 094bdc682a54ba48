"""Issue 5's "Done when", in Chromium on the demo town: finance runs last month's
invoicing, a parent downloads the new invoice and pays it through the simulator,
finance records a cheque, banks it and cancels it when it bounces, and DUPONT's
statement is seed 001's.

The demo is built as `manage.py build_demo` builds it, on the frozen day of
`tests.moment` (Tuesday 9 March 2027): "last month" is February 2027 (the demo
invoiced September to January), DUPONT's seed-001 account is the 2025–2026 school year.
"""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, expect

from ardoise.billing.balance import family_balance
from ardoise.billing.models import Invoice, InvoiceLine, InvoicingRun, Payment
from ardoise.billing.statements import InvoiceStatus, invoice_summary
from ardoise.demo.builder import build_demo
from ardoise.families.models import Family, Guardian
from ardoise.payments.models import DepositSlip, PaymentReversal
from ardoise.towns.models import Town
from tests.billing.test_pdf import pdf_text
from tests.moment import NOW

pytestmark = pytest.mark.browser

STAFF_PASSWORD = "demo-staff"
FEBRUARY = datetime.date(2027, 2, 1)  # last month on the frozen day: the demo leaves it to finance
PARENT_PASSWORD = "demo-parent"
REGIE = "Régie périscolaire de Saint-Exemple"


@pytest.fixture
def demo(transactional_db: None, frozen: time_machine.Traveller) -> Town:
    return build_demo(NOW.date())


def euros(amount: Decimal) -> str:
    """As the pages write amounts under 1,000 €: 58,50."""
    return f"{amount:.2f}".replace(".", ",")


def log_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/demo/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile("/login/"))


def issue_february(page: Page, base: str, demo: Town) -> list[Invoice]:
    """Finance, on a desktop: preview February, look at an anomaly, issue. Returns the invoices."""
    # A family nobody can e-mail: the preview must say so before anything is issued.
    unreachable = Family.objects.get(town=demo, number="1004")
    Guardian.objects.filter(town=demo, family=unreachable).update(email="")

    last_number = int(Invoice.objects.filter(town=demo, number__startswith="2027-").latest("number").number[5:])
    log_in(page, base, "regie@demo.test", STAFF_PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="Facturation").click()
    page.get_by_role("link", name="Nouvelle facturation").click()
    expect(page.get_by_label("Du", exact=True)).to_have_value("2027-02-01")
    expect(page.get_by_label("Au", exact=True)).to_have_value("2027-02-28")
    page.get_by_role("button", name="Voir l'aperçu").click()

    expect(page.get_by_role("heading", name="Facturation du 01/02/2027 au 28/02/2027")).to_be_visible()
    expect(page.get_by_role("heading", name="Aperçu avant émission")).to_be_visible()
    assert not Invoice.objects.filter(town=demo, period_start=FEBRUARY).exists()  # a preview issues nothing
    dupont = page.locator("tbody tr", has_text="1001")
    expect(dupont).to_contain_text("DUPONT")
    expect(dupont).to_contain_text("DUPONT Jean")  # the payer
    anomaly = page.locator(".anomalies li", has_text=unreachable.name)
    expect(anomaly).to_contain_text("Aucun responsable n'a d'adresse électronique")
    anomaly.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile(unreachable.name))).to_be_visible()
    expect(page.locator(".message--warning")).to_contain_text("facture à envoyer par courrier")
    page.go_back()

    confirm = page.get_by_label(re.compile(r"J'émets \d+ factures pour"))
    count = int(re.search(r"J'émets (\d+) factures", confirm.locator("xpath=..").inner_text()).group(1))
    # The confirmation comes before the list of families: no scrolling through the town to issue.
    assert page.get_by_role("button", name="Émettre").bounding_box()["y"] < dupont.bounding_box()["y"]
    confirm.check()
    page.get_by_role("button", name="Émettre").click()

    expect(page.get_by_role("heading", name=f"{count} factures émises")).to_be_visible()
    run = InvoicingRun.objects.get(town=demo, period_start=FEBRUARY)
    invoices = list(Invoice.objects.filter(town=demo, run=run).select_related("family").order_by("number"))
    assert len(invoices) == count
    # Numbered without gaps after the demo's own invoices of the year (December's and January's runs).
    first = last_number + 1
    assert [invoice.number for invoice in invoices] == [f"2027-{n:06d}" for n in range(first, first + count)]
    issued = page.locator(".run-figures").last
    expect(issued).to_contain_text(f"0 / {count}")  # no PDF rendered yet: the worker is not running
    dupont_invoice = next(invoice for invoice in invoices if invoice.family.number == "1001")
    row = page.locator("tbody tr", has_text=dupont_invoice.number)
    expect(row).to_contain_text(f"{euros(dupont_invoice.total)} €")
    row.get_by_role("link", name=dupont_invoice.number).click()
    expect(page.get_by_role("heading", name=f"Facture {dupont_invoice.number}")).to_be_visible()
    for line in InvoiceLine.objects.filter(invoice=dupont_invoice).select_related("child"):
        cells = page.locator("tr", has_text=line.child.full_name).filter(has_text=line.label).locator("td")
        expect(cells).to_have_text(
            [
                line.child.full_name,
                line.label,
                str(line.quantity),
                f"{euros(line.unit_price)} €",
                f"{euros(line.amount)} €",
            ]
        )
    return invoices


def test_finance_issues_february_and_a_parent_downloads_and_pays_on_a_phone(
    live_server, demo: Town, desktop_page: Page, phone_page: Page, tmp_path: Path
) -> None:
    base = live_server.url
    invoices = issue_february(desktop_page, base, demo)
    # Family 10 paid every invoice of the school year (families 2 to 8 have January's still to be debited).
    invoice = next(invoice for invoice in invoices if invoice.family.number == "1010")
    family = invoice.family
    assert family_balance(family) == invoice.total

    page = phone_page
    log_in(page, base, "parent10@demo.test", PARENT_PASSWORD)
    page.get_by_role("button", name="Menu").click()  # on a phone the menu folds behind "Menu"
    page.get_by_role("navigation").get_by_role("link", name="Factures").click()
    row = page.locator("tr", has_text=invoice.number)
    # On a 360-pixel screen, what is owed and the pay button are on screen, not hidden sideways.
    expect(row.get_by_text("À payer", exact=True)).to_be_in_viewport()
    expect(row.get_by_text(f"{euros(invoice.total)} €").last).to_be_in_viewport()
    pay = row.get_by_role("button", name=f"Payer en ligne la facture {invoice.number}")
    pay.scroll_into_view_if_needed()
    expect(pay).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    with page.expect_download() as download:
        row.get_by_role("link", name=re.compile(rf"Facture {invoice.number}")).click()
    assert download.value.suggested_filename == f"facture-{invoice.number}.pdf"
    pdf = tmp_path / "téléchargée.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = pdf_text(pdf.read_bytes(), tmp_path)
    assert invoice.payer_address
    for expected in [
        "Saint-Exemple",
        REGIE,
        invoice.number,
        "N° famille",
        family.number,
        invoice.payer_name,
        *[line.strip() for line in invoice.payer_address.splitlines() if line.strip()],
        "Date de facture",
        "09/03/2027",
        "du 01/02/2027 au 28/02/2027",
        "À payer avant le",
        invoice.due_on.strftime("%d/%m/%Y"),
        "Total de la facture",
        "Déjà réglé",
        "Reste à payer",
        "En ligne",
        f"À l'ordre de « {REGIE} »",
        "Par prélèvement",
        "Page 1 / 1",
    ]:
        assert expected in text, expected
    for line in InvoiceLine.objects.filter(invoice=invoice).select_related("child"):
        assert line.child.full_name in text
        assert f"{line.quantity} {euros(line.unit_price)} € {euros(line.amount)} €" in text, line.label
    assert text.count(f"{euros(invoice.total)} €") >= 2  # the total and what remains to pay

    pay.click()
    expect(page.get_by_role("heading", name="Paiement par carte bancaire")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"{euros(invoice.total)} €")
    page.get_by_role("button", name="Payer", exact=True).click()
    expect(page.get_by_role("heading", name="Paiement accepté")).to_be_visible()
    page.get_by_role("link", name="Voir mes factures").click()
    row = page.locator("tr", has_text=invoice.number)
    expect(row).to_contain_text("Payée")
    expect(row.get_by_role("button")).to_have_count(0)
    assert invoice_summary(invoice).status == InvoiceStatus.PAID
    assert family_balance(family) == Decimal("0.00")

    page.get_by_role("link", name="Relevé de compte par année scolaire").click()
    expect(page.get_by_label("Année scolaire", exact=True)).to_have_value("2026")
    expect(page.locator(".balance")).to_contain_text("0,00 €")
    expect(page.locator(".balance")).to_contain_text("Rien à payer.")
    payment = Payment.objects.get(family=family, allocations__invoice=invoice)
    expect(page.locator("tr", has_text=invoice.number)).to_contain_text(euros(invoice.total))
    expect(page.locator("tr", has_text=payment.number)).to_contain_text("Règlement : Carte bancaire en ligne")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_finance_records_a_cheque_banks_it_and_cancels_it_when_it_bounces(
    live_server, demo: Town, desktop_page: Page
) -> None:
    base = live_server.url
    invoices = issue_february(desktop_page, base, demo)
    invoice = next(invoice for invoice in invoices if invoice.family.number == "1009")
    family = invoice.family
    assert family_balance(family) == invoice.total

    page = desktop_page
    page.get_by_role("navigation").get_by_role("link", name="Règlements").click()
    page.get_by_label("N° famille").fill(family.number)
    page.get_by_label("Mode").select_option("cheque")
    page.get_by_label("Montant (€)").fill(euros(invoice.total))
    page.get_by_label("Référence (n° de chèque…)").fill("8812345")
    page.get_by_label("Banque").fill("Crédit Mutuel")
    page.get_by_role("button", name="Enregistrer").click()

    payment = Payment.objects.get(family=family, reference="8812345")
    expect(page.get_by_role("heading", name=f"Règlement {payment.number}")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        f"Règlement {payment.number} enregistré : {euros(invoice.total)} €."
    )
    expect(page.locator(".page-heading")).to_contain_text("Solde de la famille 0,00 €")
    expect(page.locator("main")).to_contain_text(f"{invoice.number} : {euros(invoice.total)} €")
    assert (payment.method, payment.amount, payment.received_on) == ("cheque", invoice.total, NOW.date())
    assert family_balance(family) == Decimal("0.00")
    assert invoice_summary(invoice).status == InvoiceStatus.PAID

    page.get_by_role("link", name="Bordereaux de remise").click()
    unbanked = page.locator("input[name=payment]")
    for index in range(unbanked.count()):
        unbanked.nth(index).uncheck()
    page.locator("tr", has_text=payment.number).get_by_role("checkbox").check()
    page.get_by_role("button", name="Créer le bordereau").click()

    slip = DepositSlip.objects.get(town=demo, entries__payment=payment)
    expect(page.get_by_role("heading", name=f"Bordereau de remise {slip.number}")).to_be_visible()
    expect(page.locator("tr", has_text=payment.number)).to_contain_text("8812345")
    expect(page.locator("tr", has_text="Total (1 règlement)")).to_contain_text(f"{euros(invoice.total)} €")
    assert slip.total == invoice.total

    # The bank returns the cheque unpaid: finance cancels the payment, the invoice is due again.
    page.get_by_role("link", name="Règlements", exact=True).first.click()
    page.get_by_role("link", name=payment.number).click()
    page.get_by_label("Motif", exact=True).select_option(label="Chèque impayé")
    page.get_by_label("Précision (motif de la banque, n° de lettre…)").fill("Provision insuffisante")
    page.get_by_role("button", name="Annuler le règlement").click()
    reversal = PaymentReversal.objects.get(payment=payment)
    expect(page.get_by_role("main")).to_contain_text(
        f"Règlement {payment.number} annulé ({reversal.number}) : les factures qu'il soldait sont de nouveau dues."
    )
    expect(page.locator(".page-heading")).to_contain_text(f"Solde de la famille {euros(invoice.total)} €")
    assert reversal.reason == "bounced_cheque"
    assert invoice_summary(invoice).status == InvoiceStatus.UNPAID
    assert family_balance(family) == invoice.total


def test_duponts_statement_on_a_phone_is_seed_001s(live_server, demo: Town, phone_page: Page) -> None:
    page = phone_page
    log_in(page, live_server.url, "parent1@demo.test", PARENT_PASSWORD)
    page.goto(f"{live_server.url}/demo/releve/")
    page.get_by_label("Année scolaire", exact=True).select_option("2025")
    expect(page).to_have_url(re.compile(r"annee=2025"))
    balance = page.locator(".balance")
    expect(balance).to_contain_text("120,60 €")
    expect(balance).to_contain_text("Ancien solde 0,00 € · débits 363,80 € · crédits 243,20 €")
    expect(balance).to_be_in_viewport()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Ancien solde")
    for index, (label, amount, running) in enumerate(
        [
            ("Facture : 01/02/2026 - 31/03/2026", "243,20", "243,20"),
            ("Règlement : Chèque", "243,20", "0,00"),
            ("Facture : 01/04/2026 - 30/04/2026", "120,60", "120,60"),
        ],
        start=1,
    ):
        expect(rows.nth(index)).to_contain_text(label)
        expect(rows.nth(index)).to_contain_text(amount)
        expect(rows.nth(index).locator("td").last).to_have_text(running)
        expect(rows.nth(index)).to_contain_text(REGIE)
    expect(page.locator("tfoot")).to_contain_text("363,80")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
