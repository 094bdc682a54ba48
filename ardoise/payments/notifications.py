"""The "paiement reçu" e-mail: a mandatory service message, queued in the outbox
(`ardoise.messaging.notifications.notify`) and sent after the transaction commits."""

from decimal import Decimal

from ardoise.billing.models import Payment
from ardoise.billing.money import format_euros
from ardoise.families.models import Guardian
from ardoise.messaging.notifications import Kind, notify, render_subject


def send_payment_received(payment: Payment) -> list[str]:
    """Tell the family its payment was received and what it settled. Returns the addresses written to."""
    town = payment.family.town
    allocations = list(payment.allocations.select_related("invoice").order_by("invoice__issued_on", "pk"))
    settled = [(allocation.invoice.number, format_euros(allocation.amount)) for allocation in allocations]
    # What no invoice took stays as the family's credit, deducted from the next invoices.
    credit = payment.amount - sum((allocation.amount for allocation in allocations), Decimal(0))
    context = {
        "town": town,
        "payment": payment,
        "amount": format_euros(payment.amount),
        "settled": settled,
        "credit": format_euros(credit) if credit > 0 else "",
    }
    subject = render_subject("emails/payment_received_subject.txt", context)
    guardians = Guardian.objects.filter(town_id=payment.town_id, family_id=payment.family_id).order_by("position", "pk")
    emails = notify(town, guardians, Kind.PAYMENT_RECEIVED, subject, "emails/payment_received", context)
    return [email.to for email in emails]
