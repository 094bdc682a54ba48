"""What a family owes and has paid: invoice summaries, the statement (relevé de compte), last movements.

Reads only. Every function runs a fixed number of aggregate queries, whatever the
number of invoices, credit notes and payments. The balance follows the one rule
of DESIGN.md: balance = invoices − credit notes − payments + refunds + reversals;
positive means the family owes the town, negative is a credit in the family's
favour. A refund gives money back out of a credit, a reversal cancels a payment
that never came through (bounced cheque, rejected debit): both are debits.
"""

import datetime
from collections.abc import Collection
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from django.db import models
from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ardoise.billing.balance import family_balance
from ardoise.billing.models import CreditNote, Invoice, Payment, PaymentAllocation, PaymentMethod
from ardoise.billing.money import ZERO, round_money
from ardoise.families.models import Family
from ardoise.payments.models import PaymentReversal, Refund, RefundMethod, ReversalReason
from ardoise.towns.models import Town

# Sums are computed by the database; this output field keeps them Decimal (never float).
MONEY = DecimalField(max_digits=12, decimal_places=2)


class InvoiceStatus(models.TextChoices):
    """Values of `status` in API.md's `invoices` call, with their French labels."""

    UNPAID = "unpaid", _("À payer")
    PARTIALLY_PAID = "partially_paid", _("Partiellement payée")
    PAID = "paid", _("Payée")
    CANCELLED = "cancelled", _("Annulée par avoir")


@dataclass(frozen=True, slots=True)
class InvoiceSummary:
    id: int
    number: str
    issued_on: datetime.date
    due_on: datetime.date
    period_start: datetime.date
    period_end: datetime.date
    # Euros, two places.
    total: Decimal
    # Sum of the credit notes (avoirs) on this invoice.
    credited: Decimal
    # Sum of the payment allocations that settle this invoice.
    paid: Decimal
    # total − credited − paid: what is still due on this invoice.
    remaining: Decimal
    status: InvoiceStatus
    # Handed over to the comptable public (treasury): paid at the Trésor public, never at the régie.
    handed_over: bool = False


OperationKind = Literal["invoice", "credit_note", "payment", "refund", "reversal"]

# Within a day, invoices come before the credit notes and payments that settle
# them, then insertion order: the running balance reads naturally and the order
# never changes from one display to the next.
_KIND_RANK: dict[OperationKind, int] = {"invoice": 0, "credit_note": 1, "payment": 2, "refund": 3, "reversal": 4}


@dataclass(frozen=True, slots=True)
class Operation:
    """One line of a statement: an invoice or a refund (debit), a credit note or a payment (credit)."""

    kind: OperationKind
    id: int
    date: datetime.date
    # The invoice, credit note or payment number.
    reference: str
    # French, as in seed 001: "Facture : 01/04/2015 - 30/04/2015", "Règlement : Chèque".
    label: str
    regie: str
    # Euros, two places; 0.00 on the side that does not apply.
    debit: Decimal
    credit: Decimal
    # The account balance just after this operation (positive: the family owes).
    balance: Decimal
    # The invoice to link to (its PDF): the invoice itself, or the one a credit note corrects.
    invoice_id: int | None = None
    # An invoice handed over to the comptable public (treasury): paid at the Trésor public.
    handed_over: bool = False

    @property
    def amount(self) -> Decimal:
        """Effect on the balance: + for a debit, − for a credit."""
        return self.debit - self.credit


@dataclass(frozen=True, slots=True)
class Statement:
    """Relevé de compte of a family for one school year."""

    family_id: int
    # The year the school year starts: 2026 for 2026–2027 (API.md `school_year`).
    school_year: int
    starts_on: datetime.date
    ends_on: datetime.date
    # Balance of every operation dated before `starts_on` (ancien solde).
    opening_balance: Decimal
    operations: tuple[Operation, ...]
    total_debit: Decimal
    total_credit: Decimal
    # opening_balance + total_debit − total_credit (solde du compte).
    balance: Decimal


# Invoice summaries


def _invoices_with_sums(town_id: int, **filters: object) -> QuerySet[Invoice]:
    """Invoices of a town annotated with what was credited and paid: one query."""
    credited = (
        CreditNote.objects.filter(town_id=town_id, invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    paid = (
        PaymentAllocation.objects.filter(town_id=town_id, invoice=OuterRef("pk"))
        .order_by()
        .values("invoice")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return (
        Invoice.objects.filter(town_id=town_id, **filters)
        .annotate(
            credited=Coalesce(Subquery(credited, output_field=MONEY), Value(ZERO), output_field=MONEY),
            paid=Coalesce(Subquery(paid, output_field=MONEY), Value(ZERO), output_field=MONEY),
        )
        .only("id", "number", "issued_on", "due_on", "period_start", "period_end", "total", "handed_over_at")
    )


def invoice_status(total: Decimal, credited: Decimal, paid: Decimal) -> InvoiceStatus:
    """API.md's status of an invoice from its total, credit notes and payments."""
    if credited > ZERO and credited >= total:
        return InvoiceStatus.CANCELLED
    if total - credited - paid <= ZERO:
        return InvoiceStatus.PAID
    if paid + credited > ZERO:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.UNPAID


def _summary(invoice: Invoice) -> InvoiceSummary:
    total = round_money(invoice.total)
    credited = round_money(invoice.credited)  # type: ignore[attr-defined]
    paid = round_money(invoice.paid)  # type: ignore[attr-defined]
    return InvoiceSummary(
        id=invoice.pk,
        number=invoice.number,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        total=total,
        credited=credited,
        paid=paid,
        remaining=total - credited - paid,
        status=invoice_status(total, credited, paid),
        handed_over=invoice.handed_over_at is not None,
    )


def invoice_summaries(family: Family) -> list[InvoiceSummary]:
    """Every invoice of the family, newest first, with what was credited and paid. One query."""
    return [
        _summary(invoice)
        for invoice in _invoices_with_sums(family.town_id, family=family).order_by("-issued_on", "-pk")
    ]


def unpaid_invoices(family: Family) -> list[InvoiceSummary]:
    """Invoices with something still due, oldest first (home page, "Factures impayées"). One query."""
    return unpaid_invoices_by_family(family.town_id, [family.pk]).get(family.pk, [])


def unpaid_invoices_by_family(town_id: int, family_ids: Collection[int]) -> dict[int, list[InvoiceSummary]]:
    """The unpaid invoices of several families, oldest first, by family id (families with none left out).
    One query.

    Filtered here on exact Decimals, not in SQL: SQLite computes total − credited − paid
    in binary floating point, where 0.07 − 0.01 − 0.06 is a little above zero.
    """
    oldest_first = (
        _invoices_with_sums(town_id, family_id__in=list(family_ids))
        .only(
            "id", "family_id", "number", "issued_on", "due_on", "period_start", "period_end", "total", "handed_over_at"
        )
        .order_by("issued_on", "pk")
    )
    by_family: dict[int, list[InvoiceSummary]] = {}
    for invoice in oldest_first:
        summary = _summary(invoice)
        if summary.remaining > ZERO:
            by_family.setdefault(invoice.family_id, []).append(summary)
    return by_family


def invoice_summary(invoice: Invoice) -> InvoiceSummary:
    """The summary of one invoice (amount already paid and remaining, for its PDF). One query."""
    return _summary(_invoices_with_sums(invoice.town_id, pk=invoice.pk).get())


# Balance and operations


def _period(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


# (sort key, operation): the key is (date, kind rank, id), see _KIND_RANK.
type _Keyed = list[tuple[tuple[datetime.date, int, int], Operation]]


# Kinds whose amount the family owes (debit); the others are credits.
_DEBITS: frozenset[OperationKind] = frozenset({"invoice", "refund", "reversal"})


def _keyed(
    kind: OperationKind,
    pk: int,
    day: datetime.date,
    reference: str,
    label: str,
    regie: str,
    amount: Decimal,
    invoice_id: int | None = None,
) -> tuple[tuple[datetime.date, int, int], Operation]:
    """One operation with its sort key; its amount on the debit or credit side by kind."""
    amount = round_money(amount)
    debit, credit = (amount, ZERO) if kind in _DEBITS else (ZERO, amount)
    operation = Operation(
        kind=kind,
        id=pk,
        date=day,
        reference=reference,
        label=label,
        regie=regie,
        debit=debit,
        credit=credit,
        balance=ZERO,
        invoice_id=invoice_id,
    )
    return (day, _KIND_RANK[kind], pk), operation


def _between_or_latest[Q: QuerySet](  # type: ignore[type-arg]
    queryset: Q, date_field: str, between: tuple[datetime.date, datetime.date] | None, latest: int | None
) -> Q:
    if between is not None:
        queryset = queryset.filter(**{f"{date_field}__gte": between[0], f"{date_field}__lte": between[1]})
    if latest is not None:
        return queryset.order_by(f"-{date_field}", "-pk")[:latest]
    return queryset.order_by()


def _invoice_operations(
    family: Family,
    regie: str,
    between: tuple[datetime.date, datetime.date] | None = None,
    latest: int | None = None,
) -> _Keyed:
    queryset = Invoice.objects.filter(town_id=family.town_id, family=family)
    rows = _between_or_latest(queryset, "issued_on", between, latest).values_list(
        "pk", "number", "issued_on", "period_start", "period_end", "total", "regie_name", "handed_over_at"
    )
    keyed = []
    for pk, number, issued_on, start, end, total, regie_name, handed_over_at in rows:
        label = f"Facture : {_period(start)} - {_period(end)}"
        if handed_over_at is not None:
            label += " (transmise au Trésor public)"
        key, operation = _keyed("invoice", pk, issued_on, number, label, regie_name or regie, total, pk)
        keyed.append((key, replace(operation, handed_over=handed_over_at is not None)))
    return keyed


def _credit_note_operations(
    family: Family,
    regie: str,
    between: tuple[datetime.date, datetime.date] | None = None,
    latest: int | None = None,
) -> _Keyed:
    queryset = CreditNote.objects.filter(town_id=family.town_id, invoice__family=family)
    rows = _between_or_latest(queryset, "issued_on", between, latest).values_list(
        "pk", "number", "issued_on", "amount", "invoice_id", "invoice__number", "invoice__regie_name"
    )
    return [
        _keyed(
            "credit_note",
            pk,
            issued_on,
            number,
            f"Avoir sur facture {invoice_number}",
            regie_name or regie,
            amount,
            invoice_id,
        )
        for pk, number, issued_on, amount, invoice_id, invoice_number, regie_name in rows
    ]


def _payment_operations(
    family: Family,
    regie: str,
    between: tuple[datetime.date, datetime.date] | None = None,
    latest: int | None = None,
) -> _Keyed:
    queryset = Payment.objects.filter(town_id=family.town_id, family=family)
    rows = _between_or_latest(queryset, "received_on", between, latest).values_list(
        "pk", "number", "received_on", "amount", "method"
    )
    return [
        _keyed("payment", pk, received_on, number, f"Règlement : {PaymentMethod(method).label}", regie, amount)
        for pk, number, received_on, amount, method in rows
    ]


def _refund_operations(
    family: Family,
    regie: str,
    between: tuple[datetime.date, datetime.date] | None = None,
    latest: int | None = None,
) -> _Keyed:
    queryset = Refund.objects.filter(town_id=family.town_id, family=family)
    rows = _between_or_latest(queryset, "refunded_on", between, latest).values_list(
        "pk", "number", "refunded_on", "amount", "method"
    )
    return [
        _keyed("refund", pk, refunded_on, number, f"Remboursement : {RefundMethod(method).label}", regie, amount)
        for pk, number, refunded_on, amount, method in rows
    ]


def _reversal_operations(
    family: Family,
    regie: str,
    between: tuple[datetime.date, datetime.date] | None = None,
    latest: int | None = None,
) -> _Keyed:
    queryset = PaymentReversal.objects.filter(town_id=family.town_id, family=family)
    rows = _between_or_latest(queryset, "reversed_on", between, latest).values_list(
        "pk", "number", "reversed_on", "amount", "reason", "payment__number"
    )
    return [
        _keyed(
            "reversal",
            pk,
            reversed_on,
            number,
            f"{ReversalReason(reason).label} : règlement {payment_number}",
            regie,
            amount,
        )
        for pk, number, reversed_on, amount, reason, payment_number in rows
    ]


def _operations(
    family: Family,
    regie: str,
    between: tuple[datetime.date, datetime.date] | None = None,
    latest: int | None = None,
) -> _Keyed:
    """Every kind of operation of the family in a window (`between` dates, or the `latest` of each kind), unsorted."""
    return [
        pair
        for kind in (
            _invoice_operations,
            _credit_note_operations,
            _payment_operations,
            _refund_operations,
            _reversal_operations,
        )
        for pair in kind(family, regie, between, latest)
    ]


# Statement


def school_year_bounds(school_year_start: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a school year for accounting: 1 September Y to 31 August Y+1.

    The statement uses the whole accounting year rather than the town's SchoolYear
    teaching dates (early September to early July): consecutive statements must
    tile time without gaps, so that an invoice issued in July or August for the
    last weeks of school belongs to exactly one year and each year's closing
    balance is the next year's opening balance.
    """
    return datetime.date(school_year_start, 9, 1), datetime.date(school_year_start + 1, 8, 31)


def school_year_of(day: datetime.date) -> int:
    """The school year (the year it starts) an operation dated `day` belongs to."""
    return day.year if day.month >= 9 else day.year - 1


def statement(family: Family, school_year_start: int, town: Town | None = None) -> Statement:
    """The family's relevé de compte for the school year starting in `school_year_start`.

    `town` is the town of the request (its régie labels the operations); it must be
    the family's own town.
    """
    if town is None:
        town = family.town
    if town.pk != family.town_id:
        raise ValueError("The family belongs to another town.")
    starts_on, ends_on = school_year_bounds(school_year_start)
    regie = town.regie_name
    opening = family_balance(family, before=starts_on)
    year = (starts_on, ends_on)
    keyed = _operations(family, regie, between=year)
    keyed.sort(key=lambda pair: pair[0])
    operations = []
    balance = opening
    for _key, operation in keyed:
        balance += operation.amount
        operations.append(replace(operation, balance=balance))
    total_debit = sum((operation.debit for operation in operations), ZERO)
    total_credit = sum((operation.credit for operation in operations), ZERO)
    return Statement(
        family_id=family.pk,
        school_year=school_year_start,
        starts_on=starts_on,
        ends_on=ends_on,
        opening_balance=opening,
        operations=tuple(operations),
        total_debit=total_debit,
        total_credit=total_credit,
        balance=opening + total_debit - total_credit,
    )


def last_movements(family: Family, n: int = 5) -> list[Operation]:
    """The family's `n` latest operations, across school years, newest first (home page, seed 003).

    Each carries the balance just after it, counted back from the current balance.
    """
    if n <= 0:
        return []
    regie = family.town.regie_name
    # The n latest of each kind hold the n latest overall.
    keyed = _operations(family, regie, latest=n)
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    newest_first = [operation for _, operation in keyed[:n]]
    result = []
    balance = family_balance(family)
    for operation in newest_first:
        result.append(replace(operation, balance=balance))
        balance -= operation.amount
    return result
