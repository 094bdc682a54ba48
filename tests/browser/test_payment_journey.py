"""A parent pays an invoice online through the simulator, on a phone, and sees it paid."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.billing.models import Payment
from ardoise.billing.statements import invoice_summary
from tests.factories import PASSWORD
from tests.payments.conftest import make_invoice

pytestmark = pytest.mark.browser


def test_it_pays_an_invoice_through_the_simulator(live_server, phone_page: Page, parent: User, family) -> None:
    town = parent.town
    invoice = make_invoice(family, "120.60", datetime.date(2027, 4, 30))

    page = phone_page
    page.goto(f"{live_server.url}/{town.slug}/login/")
    page.locator("input[name=login]").fill(parent.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(rf"/{town.slug}/$"))

    page.goto(f"{live_server.url}/{town.slug}/factures/")
    # The button stays inside the scrolling table: nothing overflows the 360-pixel screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name=re.compile(f"Payer en ligne la facture {invoice.number}")).click()
    expect(page.get_by_role("heading", name="Paiement par carte bancaire")).to_be_visible()
    expect(page.locator("main")).to_contain_text("120,60")
    page.get_by_role("button", name="Payer", exact=True).click()

    expect(page.get_by_role("heading", name="Paiement accepté")).to_be_visible()
    page.get_by_role("link", name="Voir mes factures").click()
    row = page.locator("tr", has_text=invoice.number)
    expect(row).to_contain_text("Payée")
    expect(row.get_by_role("button", name=re.compile("Payer en ligne"))).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert invoice_summary(invoice).status == "paid"
    assert Payment.objects.get(family=family).amount == Decimal("120.60")
