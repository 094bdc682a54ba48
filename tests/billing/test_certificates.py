"""The tax certificate: childcare (not meals) paid in the year, for children under 7 on 31 December."""

import datetime
from decimal import Decimal

import pytest

from ardoise.billing.certificates import counts, tax_certificate
from ardoise.billing.models import Invoice, InvoiceLine, Payment, PaymentAllocation
from ardoise.families.models import Family
from ardoise.towns.models import Site, Town
from tests.factories import ActivityFactory, ChildFactory, FamilyFactory

D = Decimal


def test_it_counts_children_under_7_on_31_december() -> None:
    assert counts(datetime.date(2020, 1, 1), 2026)
    assert not counts(datetime.date(2019, 12, 31), 2026)


@pytest.mark.django_db
def test_it_certifies_childcare_paid_in_the_year_for_young_children_only(town: Town, site: Site) -> None:
    family = FamilyFactory(town=town, name="LEROY")
    young = ChildFactory(family=family, site=site, first_name="Lou", birth_date=datetime.date(2021, 5, 1))
    older = ChildFactory(family=family, site=site, first_name="Max", birth_date=datetime.date(2018, 5, 1))
    morning = ActivityFactory(town=town, site=site, garderie_matin=True)
    centre = ActivityFactory(town=town, site=site, mercredi=True)
    meals = ActivityFactory(town=town, site=site)

    def invoice(number: str, lines: list[tuple[object, object, str]]) -> Invoice:
        total = sum((D(amount) for _c, _a, amount in lines), D("0.00"))
        issued = Invoice.objects.create(
            town=town,
            family=family,
            number=number,
            issued_on=datetime.date(2026, 12, 1),
            due_on=datetime.date(2026, 12, 31),
            period_start=datetime.date(2026, 11, 1),
            period_end=datetime.date(2026, 11, 30),
            total=total,
            payer_name="LEROY",
        )
        for child, activity, amount in lines:
            InvoiceLine.objects.create(
                town=town,
                invoice=issued,
                child=child,
                activity=activity,
                label="x",
                quantity=1,
                unit_price=D(amount),
                amount=D(amount),
            )
        return issued

    def pay(on: datetime.date, allocations: list[tuple[Invoice, str]]) -> None:
        payment = Payment.objects.create(
            town=town,
            family=family,
            number=f"R-{on}",
            method="cheque",
            received_on=on,
            amount=sum((D(a) for _i, a in allocations), D("0.00")),
        )
        for target, amount in allocations:
            PaymentAllocation.objects.create(town=town, payment=payment, invoice=target, amount=D(amount))

    november = invoice("2026-000001", [(young, morning, "18.00"), (young, meals, "30.00"), (older, centre, "12.00")])
    december = invoice("2026-000002", [(young, centre, "27.00"), (young, meals, "13.00")])
    pay(datetime.date(2026, 12, 10), [(november, "60.00")])
    # Half of December's invoice paid in 2026, the rest in January 2027.
    pay(datetime.date(2026, 12, 28), [(december, "20.00")])
    pay(datetime.date(2027, 1, 5), [(december, "20.00")])

    certificate = tax_certificate(family, 2026)
    # Lou: morning care 18.00 + half of 27.00 (13.50); meals never count; Max is 8 at the end of 2026.
    assert [(child.name, child.amount) for child in certificate.children] == [("Lou LEROY", D("31.50"))]
    assert certificate.total == D("31.50")
    assert tax_certificate(family, 2027).total == D("13.50")
    assert tax_certificate(family, 2025).children == []


@pytest.mark.django_db
def test_it_certifies_only_the_family_asked(family: Family, town: Town) -> None:
    assert tax_certificate(family, 2026).children == []
