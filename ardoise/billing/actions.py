"""Changes to invoices, one door each: credit notes, billing settings.

Invoices themselves are issued by `billing.runs.issue_run`; an issued invoice
is never edited, a credit note (avoir) corrects it. Every change is audited.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.audit import actions as audit
from ardoise.billing.models import BillingSettings, CreditNote, CreditNoteCounter, Invoice
from ardoise.billing.money import ZERO, format_euros, round_money
from ardoise.payments.actions import release_excess
from ardoise.towns.models import take_number


class CreditNoteRefused(ValueError):
    """Why a credit note cannot be issued, in French for the person who asked."""


def credited_on(invoice: Invoice) -> Decimal:
    """Euros already credited on the invoice."""
    credited = CreditNote.objects.filter(town_id=invoice.town_id, invoice=invoice).aggregate(s=Sum("amount"))["s"]
    return round_money(credited or ZERO)


def uncredited(invoice: Invoice) -> Decimal:
    """Euros of the invoice no credit note has corrected yet: the most a new credit note may be."""
    return round_money(invoice.total) - credited_on(invoice)


def next_credit_note_number(town_id: int, year: int) -> str:
    """AV-2027-000001: gapless per town and year, the counter locked until the caller's transaction ends."""
    return f"AV-{year}-{take_number(CreditNoteCounter, town_id=town_id, year=year):06d}"


def issue_credit_note(
    invoice: Invoice, amount: Decimal | str, reason: str, *, actor: User, today: datetime.date | None = None
) -> CreditNote:
    """Correct `invoice` by `amount` euros (all or part of what is not credited yet)."""
    reason = reason.strip()
    if not reason:
        raise CreditNoteRefused(_("Indiquez le motif de l'avoir."))
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise CreditNoteRefused(_("Montant invalide.")) from None
    if not value.is_finite() or value <= ZERO or value != round_money(value):
        raise CreditNoteRefused(_("Le montant doit être positif, en euros et centimes."))
    today = today or timezone.localdate()
    with transaction.atomic():
        # The invoice row is the lock: two credit notes on one invoice queue, and their sum stays bounded.
        locked = Invoice.objects.select_for_update().get(town_id=invoice.town_id, pk=invoice.pk)
        most = uncredited(locked)
        if value > most:
            raise CreditNoteRefused(
                _("L'avoir ne peut dépasser ce qui reste à créditer sur la facture : %(most)s.")
                % {"most": format_euros(most)}
            )
        note = CreditNote.objects.create(
            town_id=locked.town_id,
            invoice=locked,
            number=next_credit_note_number(locked.town_id, today.year),
            issued_on=today,
            amount=value,
            reason=reason[:300],
            created_by=actor,
        )
        # A paid invoice credited: what was paid beyond its new amount becomes the family's credit.
        released = release_excess(locked)
        audit.record(
            locked.town,
            actor,
            "credit_note.issue",
            note,
            summary=f"Avoir {note.number} de {value} € sur la facture {locked.number} : {reason}"[:300],
            changes={"amount": [None, str(value)], "invoice": [None, locked.number], "released": released},
        )
    return note


def update_billing_settings(settings: BillingSettings, *, actor: User, **values: int) -> BillingSettings:
    """Change the payment term and reminder schedule of a town."""
    with transaction.atomic():
        changes = {
            name: [getattr(settings, name), value] for name, value in values.items() if getattr(settings, name) != value
        }
        for name, value in values.items():
            setattr(settings, name, value)
        settings.save()
        if changes:
            audit.record(
                settings.town, actor, "billing_settings.update", settings, "Paramètres de facturation", changes
            )
    return settings
