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

from django.db.models import DecimalField, QuerySet, Subquery, Sum, Value
from django.db.models.expressions import RawSQL
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


def balance_sql(family_id: int, town_id: int, before: datetime.date | None = None) -> RawSQL:
    """The family's balance as one scalar SQL expression: every operation's signed amount, summed once.

    A UNION ALL of the five kinds of operation (each read through its `(town, family)` index), where
    the five correlated subqueries it replaces cost the ORM five compilations and the database five
    plans. Annotate it onto any query of the family (or its guardians) to get the balance in that query.
    """
    invoice, credit_note, payment = Invoice._meta.db_table, CreditNote._meta.db_table, Payment._meta.db_table
    refund, reversal = Refund._meta.db_table, PaymentReversal._meta.db_table
    # (signed amount, table, date column, family join): invoices and refunds and reversals are debits.
    parts = [
        ("i.total", f"{invoice} i", "i.issued_on", "i.family_id = %s AND i.town_id = %s"),
        (
            "-c.amount",
            f"{credit_note} c JOIN {invoice} ci ON ci.id = c.invoice_id",
            "c.issued_on",
            "ci.family_id = %s AND c.town_id = %s",
        ),
        ("-p.amount", f"{payment} p", "p.received_on", "p.family_id = %s AND p.town_id = %s"),
        ("r.amount", f"{refund} r", "r.refunded_on", "r.family_id = %s AND r.town_id = %s"),
        ("v.amount", f"{reversal} v", "v.reversed_on", "v.family_id = %s AND v.town_id = %s"),
    ]
    selects = []
    params: list[object] = []
    for amount, source, dated, where in parts:
        if before is None:
            selects.append(f"SELECT {amount} AS amount FROM {source} WHERE {where}")  # noqa: S608 - our own names
            params += [family_id, town_id]
        else:
            selects.append(f"SELECT {amount} AS amount FROM {source} WHERE {where} AND {dated} < %s")  # noqa: S608
            params += [family_id, town_id, before]
    union = " UNION ALL ".join(selects)
    summed = f"SELECT COALESCE(SUM(o.amount), 0) FROM ({union}) o"  # noqa: S608 - our own table names
    return RawSQL(summed, params, output_field=MONEY)  # noqa: S611 - values are parameters


def family_balance(family: Family, before: datetime.date | None = None) -> Decimal:
    """Euros the family owes (negative: credit), over all time or for operations dated before `before`."""
    balance = (
        Family.objects.filter(pk=family.pk)
        .annotate(balance=balance_sql(family.pk, family.town_id, before))
        .values_list("balance", flat=True)
        .get()
    )
    return round_money(Decimal(balance))
