"""The "prélèvement rejeté" e-mail: a mandatory service message to the family's
guardians, queued in the outbox (`messaging.notifications.notify`) and sent after
the transaction commits."""

from typing import TYPE_CHECKING

from django.urls import reverse

from ardoise.billing.money import format_euros
from ardoise.families.models import Guardian
from ardoise.messaging.notifications import Kind, notify, render_subject

if TYPE_CHECKING:
    from .models import CollectionItem


def send_debit_rejected(item: "CollectionItem", base_url: str = "") -> list[str]:
    """Tell the family its debit was returned by the bank and the invoice is to pay again."""
    town = item.family.town
    link = base_url.rstrip("/") + reverse("portal:direct_debits", args=[town.slug]) if base_url else ""
    context = {
        "item": item,
        "invoice": item.invoice,
        "amount": format_euros(item.amount),
        "reason": item.get_reject_reason_display(),
        "collection_date": item.collection.collection_date,
        "link": link,
    }
    subject = render_subject("emails/direct_debit_rejected_subject.txt", {**context, "town": town})
    guardians = Guardian.objects.filter(town_id=item.town_id, family_id=item.family_id).order_by("position", "pk")
    emails = notify(town, guardians, Kind.DIRECT_DEBIT_REJECTED, subject, "emails/direct_debit_rejected", context)
    return [email.to for email in emails]
