"""Reads for payments by titres (CESU, chèques-vacances): the town's setting, and the room titres have on a
family's open invoices. A fixed number of queries whatever the number of invoices, lines and days."""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db.models import Sum

from ardoise.billing.models import BilledBooking, InvoiceLine, PaymentAllocation
from ardoise.billing.money import ZERO
from ardoise.billing.statements import InvoiceSummary
from ardoise.payments.models import Voucher, VoucherActivity
from ardoise.payments.vouchers import KINDS, InvoiceRoom, LineFacts, invoice_room


def accepted_activities(town_id: int) -> dict[str, frozenset[int]]:
    """Ids of the activities each kind of titre may pay, by kind. One query."""
    by_kind: dict[str, set[int]] = {kind: set() for kind in KINDS}
    for kind, activity_id in VoucherActivity.objects.filter(town_id=town_id).values_list("kind", "activity_id"):
        by_kind.setdefault(kind, set()).add(activity_id)
    return {kind: frozenset(ids) for kind, ids in by_kind.items()}


def invoice_rooms(town_id: int, open_invoices: Sequence[InvoiceSummary]) -> dict[int, InvoiceRoom]:
    """The room titres have on each open invoice, by invoice id. Four queries (none without invoices)."""
    if not open_invoices:
        return {}
    ids = [summary.id for summary in open_invoices]
    accepted = accepted_activities(town_id)
    days: dict[int, list[datetime.date]] = defaultdict(list)
    for line_id, day in BilledBooking.objects.filter(town_id=town_id, invoice_line__invoice_id__in=ids).values_list(
        "invoice_line_id", "booking__date"
    ):
        days[line_id].append(day)
    period_end = {summary.id: summary.period_end for summary in open_invoices}
    lines: dict[int, list[LineFacts]] = defaultdict(list)
    for line_id, invoice_id, activity_id, amount, birth_date in InvoiceLine.objects.filter(
        town_id=town_id, invoice_id__in=ids
    ).values_list("pk", "invoice_id", "activity_id", "amount", "child__birth_date"):
        lines[invoice_id].append(
            LineFacts(
                activity_id=activity_id,
                amount=amount,
                birth_date=birth_date,
                days=tuple(sorted(days.get(line_id, ()))),
                fallback_day=period_end[invoice_id],
            )
        )
    paid: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for invoice_id, method, amount in (
        PaymentAllocation.objects.filter(town_id=town_id, invoice_id__in=ids, payment__method__in=KINDS)
        .values("invoice_id", "payment__method")
        .annotate(s=Sum("amount"))
        .values_list("invoice_id", "payment__method", "s")
    ):
        paid[invoice_id][method] = amount or ZERO
    return {
        summary.id: invoice_room(lines.get(summary.id, []), accepted, paid.get(summary.id, {}), summary.remaining)
        for summary in open_invoices
    }


def vouchers_by_payment(town_id: int, payment_ids: Iterable[int]) -> dict[int, list[Voucher]]:
    """The titres of each payment, in the order typed. One query (none without payments)."""
    ids = list(payment_ids)
    by_payment: dict[int, list[Voucher]] = defaultdict(list)
    if not ids:
        return by_payment
    for voucher in Voucher.objects.filter(town_id=town_id, payment_id__in=ids).order_by("payment_id", "pk"):
        by_payment[voucher.payment_id].append(voucher)
    return by_payment
