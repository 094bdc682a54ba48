"""The "paiement reçu" e-mail: a mandatory service message, queued in the outbox
(`ardoise.messaging.notifications.notify`) and sent after the transaction commits."""

from django.template.loader import render_to_string

from ardoise.billing.models import Payment
from ardoise.billing.money import format_euros
from ardoise.families.models import Guardian
from ardoise.messaging.notifications import Kind, notify


def send_payment_received(payment: Payment) -> list[str]:
    """Tell the family its payment was received and what it settled. Returns the addresses written to."""
    town = payment.family.town
    settled = [
        (allocation.invoice.number, format_euros(allocation.amount))
        for allocation in payment.allocations.select_related("invoice").order_by("invoice__issued_on", "pk")
    ]
    context = {"town": town, "payment": payment, "amount": format_euros(payment.amount), "settled": settled}
    subject = " ".join(render_to_string("emails/payment_received_subject.txt", context).split())
    guardians = Guardian.objects.filter(town_id=payment.town_id, family_id=payment.family_id).order_by("position", "pk")
    emails = notify(town, guardians, Kind.PAYMENT_RECEIVED, subject, "emails/payment_received", context)
    return [email.to for email in emails]
