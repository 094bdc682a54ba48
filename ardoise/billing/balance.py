"""A family's balance: what it owes (positive) or has in credit (negative).

balance = invoices − credit notes − payments + refunds + reversals (DESIGN.md,
"Money is never lost"; a refund gives back part of a credit and a reversal
cancels a payment that never came through, so both count as debits),
in euros, two places, in one query whatever the number of operations. The
statement's opening balance is the same rule applied to the operations dated
before the school year.
"""

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, QuerySet, Subquery, Sum, Value
from django.db.models.expressions import Expression
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


class Balance(Expression):
    """A family's balance as one scalar SQL expression: every operation's signed amount, summed once.

    A UNION ALL of the five kinds of operation (each read through its `(town, family)` index), where
    five correlated subqueries would cost the ORM five compilations and the database five plans.
    `family` and `town` are ids or expressions: `Balance(family.pk, family.town_id)` is one family's
    balance, to annotate onto any query of the family (or its guardians); `Balance(F("pk"), town.pk)`
    annotated onto a query of families is each row's balance, correlated with the row, in the same
    query (the family list, the retention list). One rule for one family and for a set of them.
    """

    output_field = MONEY

    def __init__(
        self,
        family: int | Expression | F,
        town: int | Expression | F,
        before: datetime.date | None = None,
    ) -> None:
        super().__init__(output_field=MONEY)
        self.family = family if hasattr(family, "resolve_expression") else Value(family)
        self.town = town if hasattr(town, "resolve_expression") else Value(town)
        self.before = before

    def get_source_expressions(self) -> list[Any]:
        return [self.family, self.town]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.family, self.town = exprs

    def get_db_converters(self, connection: Any) -> list[Any]:
        return [*super().get_db_converters(connection), self.in_cents]

    @staticmethod
    def in_cents(value: Any, expression: Any, connection: Any) -> Decimal:
        """Euros to the cent on every database: SQLite sums decimals as floats (0.1 + 0.2 − 0.3 is
        not 0 there), and a float's dust must not read as -0.00."""
        amount = round_money(Decimal(value))
        return amount if amount else ZERO

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        family_sql, family_params = compiler.compile(self.family)
        town_sql, town_params = compiler.compile(self.town)
        invoice, credit_note, payment = Invoice._meta.db_table, CreditNote._meta.db_table, Payment._meta.db_table
        refund, reversal = Refund._meta.db_table, PaymentReversal._meta.db_table
        # (signed amount, table, date column, family column, town column): invoices, refunds and
        # reversals are debits.
        parts = [
            ("i.total", f"{invoice} i", "i.issued_on", "i.family_id", "i.town_id"),
            (
                "-c.amount",
                f"{credit_note} c JOIN {invoice} ci ON ci.id = c.invoice_id",
                "c.issued_on",
                "ci.family_id",
                "c.town_id",
            ),
            ("-p.amount", f"{payment} p", "p.received_on", "p.family_id", "p.town_id"),
            ("r.amount", f"{refund} r", "r.refunded_on", "r.family_id", "r.town_id"),
            ("v.amount", f"{reversal} v", "v.reversed_on", "v.family_id", "v.town_id"),
        ]
        selects = []
        params: list[Any] = []
        for amount, source, dated, family_column, town_column in parts:
            where = f"{family_column} = {family_sql} AND {town_column} = {town_sql}"
            params += [*family_params, *town_params]
            if self.before is not None:
                where += f" AND {dated} < %s"
                params.append(self.before)
            selects.append(f"SELECT {amount} AS amount FROM {source} WHERE {where}")  # noqa: S608 - our own names
        union = " UNION ALL ".join(selects)
        return f"(SELECT COALESCE(SUM(o.amount), 0) FROM ({union}) o)", tuple(params)  # noqa: S608 - our own names


def family_balance(family: Family, before: datetime.date | None = None) -> Decimal:
    """Euros the family owes (negative: credit), over all time or for operations dated before `before`."""
    return (
        Family.objects.filter(pk=family.pk)
        .annotate(balance=Balance(family.pk, family.town_id, before))
        .values_list("balance", flat=True)
        .get()
    )
