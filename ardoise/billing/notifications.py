"""E-mails about invoices: "votre facture est disponible" and reminders (relances).

Both are mandatory service messages: they go to every guardian with an e-mail
address, whatever their consent to other messages.
"""

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from ardoise.billing.models import Invoice
from ardoise.billing.money import format_euros
from ardoise.families.models import Guardian


def recipients_of(invoice: Invoice) -> list[str]:
    emails = (
        Guardian.objects.filter(town_id=invoice.town_id, family_id=invoice.family_id)
        .exclude(email="")
        .order_by("position", "pk")
        .values_list("email", flat=True)
    )
    return list(dict.fromkeys(emails))


def invoices_url(invoice: Invoice, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("portal:invoices", args=[invoice.town.slug])


def _send(template: str, context: dict[str, object], to: list[str]) -> None:
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(subject=subject, body=render_to_string(f"emails/{template}.txt", context), to=to)
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    message.send()


def send_invoice_available(invoice: Invoice, base_url: str) -> list[str]:
    """Tell the family its invoice is on the portal. Returns the addresses written to."""
    to = recipients_of(invoice)
    if to:
        context = {
            "town": invoice.town,
            "invoice": invoice,
            "total": format_euros(invoice.total),
            "link": invoices_url(invoice, base_url),
        }
        _send("invoice_available", context, to)
    return to


def send_reminder(invoice: Invoice, level: int, remaining: str, base_url: str, to: list[str]) -> None:
    context = {
        "town": invoice.town,
        "invoice": invoice,
        "level": level,
        "remaining": remaining,
        "link": invoices_url(invoice, base_url),
    }
    _send("reminder", context, to)
