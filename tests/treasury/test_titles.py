"""Invoices as titles: plain data for the PES and the finance exports, in a constant number of queries."""

import datetime
from decimal import Decimal
from typing import Any

from ardoise.activities.models import Activity
from ardoise.billing.models import CreditNote, Invoice, Payment, PaymentAllocation
from ardoise.families.models import Family
from ardoise.towns.models import Town
from ardoise.treasury.titles import load_titles
from tests.directdebit.conftest import sign_mandate
from tests.factories import ChildFactory, FamilyFactory, GuardianFactory
from tests.treasury.conftest import make_invoice


def test_it_gives_lines_their_product_code_or_the_default(
    town: Town, family: Family, parent: Any, canteen: Activity, evening_care: Activity, product_codes: Any
) -> None:
    invoice = make_invoice(family, [(canteen, 10, "3.50"), (evening_care, 4, "2.10")])

    [title] = load_titles(town, Invoice.objects.filter(pk=invoice.pk))

    assert title.number == invoice.number
    assert title.total == Decimal("43.40")
    assert [(line.imputation.code, line.imputation.nature) for line in title.lines if line.imputation] == [
        ("CANT", "7067"),
        ("PERI", "7066"),
    ]
    assert title.debtor.last_name == "DUPONT"
    assert title.debtor.first_name == "Marie"
    assert title.debtor.civility == "Mme"
    assert title.direct_debit is None


def test_it_leaves_lines_without_imputation_when_the_town_has_none(
    town: Town, family: Family, canteen: Activity
) -> None:
    invoice = make_invoice(family, [(canteen, 2, "3.50")])

    [title] = load_titles(town, Invoice.objects.filter(pk=invoice.pk))

    assert title.lines[0].imputation is None
    # No guardian: the payer copied on the invoice.
    assert title.debtor.last_name == "M. DUPONT"
    assert title.debtor.address.postcode == "12345"
    assert title.debtor.address.city == "Saint-Exemple"


def test_it_subtracts_credit_notes_and_payments(town: Town, family: Family, parent: Any, canteen: Activity) -> None:
    invoice = make_invoice(family, [(canteen, 10, "3.50")])
    CreditNote.objects.create(
        town=town, invoice=invoice, number="AV-1", issued_on=datetime.date(2027, 3, 1), amount=Decimal("7"), reason="x"
    )
    payment = Payment.objects.create(
        town=town, family=family, number="R-1", method="cash", received_on=datetime.date(2027, 3, 2), amount=Decimal(8)
    )
    PaymentAllocation.objects.create(town=town, payment=payment, invoice=invoice, amount=Decimal("8.00"))

    [title] = load_titles(town, Invoice.objects.filter(pk=invoice.pk))

    assert (title.credited, title.paid, title.amount_due) == (Decimal("7.00"), Decimal("8.00"), Decimal("20.00"))


def test_it_carries_the_active_mandate(town: Town, family: Family, parent: Any, canteen: Activity) -> None:
    sign_mandate(family)
    invoice = make_invoice(family, [(canteen, 1, "3.50")])

    [title] = load_titles(town, Invoice.objects.filter(pk=invoice.pk))

    assert title.direct_debit is not None
    assert title.direct_debit.iban.startswith("FR76")


def test_it_reads_only_the_towns_invoices(town: Town, other_town: Town, family: Family, canteen: Activity) -> None:
    invoice = make_invoice(family, [(canteen, 1, "3.50")])

    assert load_titles(other_town, Invoice.objects.filter(pk=invoice.pk)) == []


def test_it_reads_in_a_constant_number_of_queries(
    town: Town,
    family: Family,
    parent: Any,
    canteen: Activity,
    evening_care: Activity,
    product_codes: Any,
    django_assert_num_queries: Any,
) -> None:
    for n in range(5):
        other = FamilyFactory(town=town, number=f"F{n}", name=f"FAMILLE{n}")
        ChildFactory(family=other, site=canteen.site)
        GuardianFactory(family=other)
        sign_mandate(other, iban="FR7630006000011234567890189")
        make_invoice(other, [(canteen, 3, "3.50"), (evening_care, 2, "2.00")])
    make_invoice(family, [(canteen, 3, "3.50")])

    with django_assert_num_queries(6):
        titles = load_titles(town, Invoice.objects.filter(town=town).order_by("number"))

    assert len(titles) == 6
    assert all(len(title.lines) in (1, 2) for title in titles)
