"""The demo town's Trésor public: valid settings, a product code for every invoice line, and a month's unpaid
invoices (January: the demo leaves February to finance) can be handed over, their debtors' addresses complete,
in a file that follows the PES rules."""

import datetime

from ardoise.billing.models import Invoice
from ardoise.demo.builder import build_demo
from ardoise.treasury import actions, pes
from ardoise.treasury.models import TreasurySettings
from ardoise.treasury.titles import load_titles


def test_the_demo_town_can_hand_over_last_months_unpaid_invoices(db, settings):
    settings.ARDOISE_PDF_RENDERER = "ardoise.billing.pdf.FakePdfRenderer"
    today = datetime.date(2027, 3, 9)
    town = build_demo(today)
    treasury = TreasurySettings.objects.get(town=town)
    treasury.full_clean()
    titles = load_titles(town, Invoice.objects.filter(town=town))
    assert titles
    assert all(line.imputation for title in titles for line in title.lines)
    assert actions.missing_data(titles) == []

    # The demo leaves February to finance; January is invoiced, and some of it is still due.
    handover = actions.hand_over(town, None, year=2027, month=1, today=today)

    assert handover.invoice_count > 0
    assert pes.check(bytes(handover.pes)) == []
