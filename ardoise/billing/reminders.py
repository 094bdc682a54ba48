"""Overdue invoices, reminders (relances) and the export of unpaid invoices for the treasury.

An invoice is overdue when its due date has passed and something remains due
(total − credit notes − payments allocated to it). The first reminder goes
`first_reminder_days` after the due date, the second `second_reminder_days`
after it (and only after the first); each is sent once (`Reminder`, unique per
invoice and level).
"""

import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ardoise.accounts.models import User
from ardoise.audit import actions as audit
from ardoise.billing import notifications
from ardoise.billing.models import BillingSettings, CreditNote, Invoice, PaymentAllocation, Reminder
from ardoise.billing.money import ZERO, format_euros, round_money
from ardoise.towns import spreadsheets
from ardoise.towns.models import Town

MONEY = DecimalField(max_digits=12, decimal_places=2)


@dataclass(frozen=True, slots=True)
class Overdue:
    invoice: Invoice
    # Euros still due: total − credit notes − payments.
    remaining: Decimal
    days_late: int
    # Highest reminder level already sent (0: none).
    reminded: int
    # The reminder level due today (1 or 2), or None when none is due yet.
    due_level: int | None


def _sum(queryset: object) -> Coalesce:
    summed = queryset.order_by().values("invoice").annotate(s=Sum("amount")).values("s")  # type: ignore[attr-defined]
    return Coalesce(Subquery(summed, output_field=MONEY), Value(ZERO), output_field=MONEY)


def due_level(days_late: int, reminded: int, settings: BillingSettings) -> int | None:
    """The reminder due for an invoice `days_late` days past due, having had reminders up to `reminded`."""
    if reminded == 0 and days_late >= settings.first_reminder_days:
        return 1
    if reminded == 1 and days_late >= settings.second_reminder_days:
        return 2
    return None


def overdue_invoices(town: Town, today: datetime.date, settings: BillingSettings) -> list[Overdue]:
    """The town's overdue invoices, oldest due date first. One query."""
    town_id = town.pk
    credited = _sum(CreditNote.objects.filter(town_id=town_id, invoice=OuterRef("pk")))
    paid = _sum(PaymentAllocation.objects.filter(town_id=town_id, invoice=OuterRef("pk")))
    reminded = Subquery(
        Reminder.objects.filter(town_id=town_id, invoice=OuterRef("pk")).order_by("-level").values("level")[:1]
    )
    invoices = (
        # The comptable public chases the invoices handed over to it (treasury), not the régie.
        Invoice.objects.filter(town_id=town_id, due_on__lt=today, handed_over_at__isnull=True)
        .select_related("family")
        .annotate(credited=credited, paid=paid, reminded=reminded)
        .order_by("due_on", "number")
    )
    overdue = []
    for invoice in invoices:
        # Exact Decimals here rather than in SQL (SQLite subtracts in floating point).
        remaining = round_money(invoice.total) - round_money(invoice.credited) - round_money(invoice.paid)
        if remaining <= ZERO:
            continue
        days_late = (today - invoice.due_on).days
        level = invoice.reminded or 0
        overdue.append(Overdue(invoice, remaining, days_late, level, due_level(days_late, level, settings)))
    return overdue


def send_due_reminders(
    town: Town, actor: User | None, *, today: datetime.date, settings: BillingSettings, base_url: str
) -> list[Reminder]:
    """Send every reminder due today, once each; its e-mails are queued with it and sent after the commit."""
    sent = []
    for item in overdue_invoices(town, today, settings):
        if item.due_level is None:
            continue
        try:
            with transaction.atomic():
                to = notifications.send_reminder(item.invoice, item.due_level, format_euros(item.remaining), base_url)
                reminder = Reminder.objects.create(
                    town=town,
                    invoice=item.invoice,
                    level=item.due_level,
                    sent_on=today,
                    remaining=item.remaining,
                    recipients=", ".join(to)[:500],
                    sent_by=actor,
                )
                audit.record(
                    town,
                    actor,
                    "invoice.remind",
                    item.invoice,
                    summary=f"Relance {item.due_level} de la facture {item.invoice.number} ({item.remaining} €)",
                )
        except IntegrityError:
            # Sent meanwhile by someone else: once is enough (and its e-mails, rolled back, are not queued).
            continue
        sent.append(reminder)
    return sent


UNPAID_CSV_HEADER = [
    "numero_facture",
    "date_facture",
    "date_echeance",
    "jours_de_retard",
    "numero_famille",
    "payeur",
    "adresse",
    "montant_facture",
    "reste_a_payer",
    "relances",
]


def unpaid_csv(items: Iterable[Overdue]) -> str:
    """The overdue invoices as CSV (semicolons, decimal commas: opens as is in a French spreadsheet)."""
    out = io.StringIO()
    writer = spreadsheets.csv_writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(UNPAID_CSV_HEADER)
    for item in items:
        invoice = item.invoice
        writer.writerow(
            [
                invoice.number,
                invoice.issued_on.isoformat(),
                invoice.due_on.isoformat(),
                item.days_late,
                invoice.family.number,
                invoice.payer_name,
                " ".join(invoice.payer_address.split()),
                f"{invoice.total:.2f}".replace(".", ","),
                f"{item.remaining:.2f}".replace(".", ","),
                item.reminded,
            ]
        )
    return out.getvalue()
