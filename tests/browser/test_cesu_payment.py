"""At the régie's desk, in Chromium: the agent records a CESU of two titres for a family with a child under 6 in
evening care (refused first when the titres are worth more than that care), then puts it on a CESU deposit slip
for the CRCESU, listing both titres.

The desk payment pages are the régie's (Role.FINANCE, as every payment page of the back office)."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.billing.models import Payment
from ardoise.billing.statements import InvoiceStatus, invoice_summary
from ardoise.payments.models import DepositSlip, Voucher
from ardoise.towns.models import Site, Town
from tests.factories import PASSWORD
from tests.payments.voucher_fixtures import JANUARY, billed_invoice, voucher_setting

pytestmark = pytest.mark.browser


def test_the_desk_records_a_cesu_of_two_titres_and_puts_it_on_a_slip(
    live_server, desktop_page: Page, town: Town, site: Site, finance_agent: User
) -> None:
    setting = voucher_setting(town, site)
    # 24 € of Léo's evening care (CESU's), 30 € of meals (not CESU's).
    invoice = billed_invoice(
        setting.family,
        [(setting.young, setting.care, "24.00", JANUARY), (setting.young, setting.canteen, "30.00", JANUARY)],
    )
    base = f"{live_server.url}/{town.slug}"
    page = desktop_page
    page.goto(f"{base}/login/")
    page.locator("input[name=login]").fill(finance_agent.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile("/login/"))

    page.goto(f"{base}/staff/reglements/")
    page.get_by_label("N° famille").fill(setting.family.number)
    page.get_by_label("Mode").select_option(label="CESU")
    page.get_by_label("Montant (€)").fill("30,00")
    page.get_by_label("Titres CESU ou chèques-vacances").fill("1234 5678 20,00\n12345679 10,00")
    page.get_by_role("button", name="Enregistrer").click()
    # Worth more than Léo's care: refused, with why, and nothing recorded.
    alert = page.locator(".form-errors, .errorlist").first
    expect(alert).to_contain_text("moins de 6 ans")
    expect(alert).to_contain_text("au plus 24,00")
    assert not Payment.objects.filter(town=town).exists()

    page.get_by_label("Montant (€)").fill("24,00")
    page.get_by_label("Titres CESU ou chèques-vacances").fill("1234 5678 14,00\n12345679 10,00")
    page.get_by_role("button", name="Enregistrer").click()
    payment = Payment.objects.get(town=town)
    expect(page.get_by_role("heading", name=f"Règlement {payment.number}")).to_be_visible()
    expect(page.locator("main")).to_contain_text("n° 12345678 : 14,00 €")
    expect(page.locator("main")).to_contain_text("n° 12345679 : 10,00 €")
    assert (payment.method, payment.amount) == ("cesu", Decimal("24.00"))
    summary = invoice_summary(invoice)
    assert (summary.paid, summary.status) == (Decimal("24.00"), InvoiceStatus.PARTIALLY_PAID)

    page.get_by_role("link", name="Bordereaux de remise").click()
    page.get_by_label("Nature").select_option(label="CESU (remise au CRCESU)")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_role("heading", name="À remettre au CRCESU")).to_be_visible()
    row = page.locator("tr", has_text=payment.number)
    expect(row).to_contain_text("12345678")
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Créer le bordereau").click()

    slip = DepositSlip.objects.get(town=town, entries__payment=payment)
    expect(page.get_by_role("heading", name=f"Bordereau de remise {slip.number}")).to_be_visible()
    expect(page.locator(".page-heading")).to_contain_text("Centre de remboursement du CESU (CRCESU)")
    expect(page.locator("tr", has_text=payment.number)).to_contain_text("12345678 : 14,00 €")
    expect(page.locator("tr", has_text=payment.number)).to_contain_text("12345679 : 10,00 €")
    expect(page.locator("tfoot")).to_contain_text("2 titres")
    assert (slip.method, slip.total) == ("cesu", Decimal("24.00"))
    assert set(Voucher.objects.filter(payment=payment).values_list("number", flat=True)) == {"12345678", "12345679"}
