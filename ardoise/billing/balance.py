"""A family's balance: what it owes (positive) or has in credit (negative).

balance = invoices − credit notes − payments + refunds + reversals (DESIGN.md,
"Money is never lost"; a refund gives back part of a credit and a reversal
cancels a payment that never came through, so both count as debits),
in euros, two places, in one query whatever the number of operations. The
statement's opening balance is the same rule applied to the operations dated
before the school year.
"""

import datetime
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ardoise.billing.models import CreditNote, Invoice, Payment
from ardoise.billing.money import ZERO, round_money
from ardoise.families.models import Family
from ardoise.payments.models import PaymentReversal, Refund

MONEY = DecimalField(max_digits=12, decimal_places=2)


def sum_of(grouped: QuerySet, field: str) -> Coalesce:  # type: ignore[type-arg]
    """A correlated subquery summing `field` over `grouped` (one group), 0.00 when empty."""
    summed = grouped.order_by().annotate(s=Sum(field)).values("s")
    return Coalesce(Subquery(summed, output_field=MONEY), Value(ZERO), output_field=MONEY)


def family_balance(family: Family, before: datetime.date | None = None) -> Decimal:
    """Euros the family owes (negative: credit), over all time or for operations dated before `before`."""
    town_id = family.town_id
    invoices = Invoice.objects.filter(town_id=town_id, family=OuterRef("pk"))
    credit_notes = CreditNote.objects.filter(town_id=town_id, invoice__family=OuterRef("pk"))
    payments = Payment.objects.filter(town_id=town_id, family=OuterRef("pk"))
    refunds = Refund.objects.filter(town_id=town_id, family=OuterRef("pk"))
    reversals = PaymentReversal.objects.filter(town_id=town_id, family=OuterRef("pk"))
    if before is not None:
        invoices = invoices.filter(issued_on__lt=before)
        credit_notes = credit_notes.filter(issued_on__lt=before)
        payments = payments.filter(received_on__lt=before)
        refunds = refunds.filter(refunded_on__lt=before)
        reversals = reversals.filter(reversed_on__lt=before)
    sums = (
        Family.objects.filter(pk=family.pk)
        .annotate(
            invoiced=sum_of(invoices.values("family"), "total"),
            credited=sum_of(credit_notes.values("invoice__family"), "amount"),
            paid=sum_of(payments.values("family"), "amount"),
            refunded=sum_of(refunds.values("family"), "amount"),
            reversed=sum_of(reversals.values("family"), "amount"),
        )
        .values("invoiced", "credited", "paid", "refunded", "reversed")
        .get()
    )
    return round_money(
        Decimal(sums["invoiced"])
        - Decimal(sums["credited"])
        - Decimal(sums["paid"])
        + Decimal(sums["refunded"])
        + Decimal(sums["reversed"])
    )
