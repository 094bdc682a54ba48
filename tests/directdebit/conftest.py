"""The town as a SEPA creditor, mandates and invoices to debit.

Dates: the tests run frozen on Tuesday 9 March 2027 (tests.moment); the first
possible collection date is Wednesday 10 March.
"""

import datetime
from collections.abc import Callable

import pytest

from ardoise.billing.models import Invoice
from ardoise.directdebit import actions
from ardoise.directdebit.models import CreditorSettings, Mandate
from ardoise.families.models import Family
from ardoise.towns.models import Town
from tests.payments import conftest as payments

TODAY = datetime.date(2027, 3, 9)
COLLECTION_DAY = datetime.date(2027, 3, 10)
# Valid test bank details (check digits and RIB keys right).
TOWN_IBAN = "FR7630006000011234567890189"
FAMILY_IBAN = "FR76 3000 6000 0100 0100 0000 215"
GERMAN_IBAN = "DE89370400440532013000"
ICS = "FR72ZZZ123456"


def make_invoice(family: Family, total: str, issued_on: datetime.date = datetime.date(2027, 2, 15)) -> Invoice:
    """An invoice of mid-February, due (7 March) before the first collection date, by default."""
    return payments.make_invoice(family, total, issued_on)


def sign_mandate(family: Family, name: str = "Marie DUPONT", iban: str = FAMILY_IBAN, bic: str = "") -> Mandate:
    return actions.create_mandate(
        family, None, debtor_name=name, iban=iban, bic=bic, signed_on=datetime.date(2026, 9, 1), today=TODAY
    )


@pytest.fixture
def invoice_for() -> Callable[..., Invoice]:
    return make_invoice


@pytest.fixture
def creditor(town: Town) -> CreditorSettings:
    return actions.save_creditor_settings(
        town, None, ics=ICS, name="Régie périscolaire de Saint-Exemple", iban=TOWN_IBAN, bic=""
    )
