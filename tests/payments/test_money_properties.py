"""For any sequence of invoices, credit notes, payments, re-allocations and refunds: allocations never exceed
an invoice's total nor a payment's amount, and balance = invoices − credit notes − payments + refunds."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ardoise.billing.balance import family_balance
from ardoise.billing.models import CreditNote, Invoice, Payment, PaymentAllocation
from ardoise.payments import actions
from ardoise.towns.models import Town
from tests.factories import FamilyFactory
from tests.payments.conftest import make_invoice

D = Decimal
AMOUNTS = st.decimals(min_value=D("0.01"), max_value=D("500.00"), places=2)
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["invoice", "credit_note", "payment", "reallocate", "refund"]), AMOUNTS, st.integers(0, 30)
    ),
    max_size=12,
)
DAY = datetime.date(2027, 3, 9)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_it_never_over_allocates_and_keeps_the_balance_rule(town: Town, steps: list[tuple[str, Decimal, int]]) -> None:
    family = FamilyFactory(town=town)
    expected = D("0.00")
    for number, (kind, amount, pick) in enumerate(steps):
        invoices = list(Invoice.objects.filter(family=family).order_by("pk"))
        payments = list(Payment.objects.filter(family=family).order_by("pk"))
        if kind == "invoice":
            make_invoice(family, str(amount), DAY - datetime.timedelta(days=pick))
            expected += amount
        elif kind == "payment":
            actions.record_payment(family, None, method="cash", received_on=DAY, amount=amount)
            expected -= amount
        elif kind == "credit_note" and invoices:
            invoice = invoices[pick % len(invoices)]
            credited = invoice.credit_notes.aggregate(s=Sum("amount"))["s"] or D("0")
            credit = min(amount, invoice.total - credited)
            if credit > 0:
                CreditNote.objects.create(
                    town=town, invoice=invoice, number=f"AV-{family.pk}-{number}", issued_on=DAY, amount=credit
                )
                expected -= credit
        elif kind == "reallocate" and payments:
            target = invoices[pick % len(invoices)] if invoices and pick % 2 else None
            actions.reallocate(payments[pick % len(payments)], None, target)
        elif kind == "refund":
            try:
                actions.refund(family, None, amount=amount, refunded_on=DAY, method="transfer", reason="Trop-perçu")
            except actions.PaymentRefused:
                assert amount > -expected
            else:
                expected += amount
        for invoice in Invoice.objects.filter(family=family):
            allocated = invoice.allocations.aggregate(s=Sum("amount"))["s"] or D("0")
            assert allocated <= invoice.total
        for payment in Payment.objects.filter(family=family):
            allocated = payment.allocations.aggregate(s=Sum("amount"))["s"] or D("0")
            assert allocated <= payment.amount
        assert family_balance(family) == expected
    assert PaymentAllocation.objects.filter(payment__family=family).exclude(invoice__family=family).count() == 0
