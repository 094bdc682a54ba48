"""E-mails about invoices: "votre facture est disponible" and reminders (relances).

Both are mandatory service messages: they go to every guardian with an e-mail
address, whatever their consent to other messages. They are queued in the
outbox (`ardoise.messaging.notifications.notify`) and sent after the
transaction commits; a failing mail server leaves them queued, not lost.
"""

from django.urls import reverse

from ardoise.billing.models import Invoice
from ardoise.billing.money import format_euros
from ardoise.families.models import Guardian
from ardoise.messaging.notifications import Kind, notify, render_subject


def invoices_url(invoice: Invoice, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("portal:invoices", args=[invoice.town.slug])


def _notify(invoice: Invoice, kind: Kind, template: str, context: dict[str, object]) -> list[str]:
    """Queue `emails/<template>` for the family's guardians; returns the addresses written to."""
    context = {"town": invoice.town, "invoice": invoice, **context}
    subject = render_subject(f"emails/{template}_subject.txt", context)
    guardians = Guardian.objects.filter(town_id=invoice.town_id, family_id=invoice.family_id).order_by("position", "pk")
    emails = notify(invoice.town, guardians, kind, subject, f"emails/{template}", context)
    return [email.to for email in emails]


def send_invoice_available(invoice: Invoice, base_url: str) -> list[str]:
    """Tell the family its invoice is on the portal. Returns the addresses written to."""
    context = {"total": format_euros(invoice.total), "link": invoices_url(invoice, base_url)}
    return _notify(invoice, Kind.INVOICE_AVAILABLE, "invoice_available", context)


def send_reminder(invoice: Invoice, level: int, remaining: str, base_url: str) -> list[str]:
    """Remind the family of what remains due on `invoice`. Returns the addresses written to."""
    context = {"level": level, "remaining": remaining, "link": invoices_url(invoice, base_url)}
    return _notify(invoice, Kind.REMINDER, "reminder", context)
