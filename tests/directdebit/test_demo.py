"""The demo town's direct debit: a valid creditor and mandates for families 2 to 8, none for DUPONT."""

import datetime

from ardoise.demo.builder import build_demo
from ardoise.directdebit.banking import check_bic, check_iban, check_ics
from ardoise.directdebit.models import CreditorSettings, Mandate


def test_it_builds_the_demo_creditor_and_mandates(db):
    town = build_demo(datetime.date(2027, 3, 9))
    creditor = CreditorSettings.objects.get(town=town)
    assert check_ics(creditor.ics) == creditor.ics
    assert check_iban(creditor.iban) == creditor.iban
    mandates = Mandate.objects.filter(town=town, state="active").select_related("family").order_by("family__number")
    assert [mandate.family.number for mandate in mandates] == [str(1000 + n) for n in range(2, 9)]
    for mandate in mandates:
        assert check_iban(mandate.iban) == mandate.iban
        assert check_bic(mandate.bic) == mandate.bic
        assert mandate.signed_on <= datetime.date(2027, 3, 9)
    assert not Mandate.objects.filter(town=town, family__number="1001").exists()
