"""The e-mail that confirms a family's booking changes.

Sent after the transaction that saved the changes commits (never for changes
that were rolled back), to each guardian of the family who has an e-mail
address and agreed to receive e-mails.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from ardoise.billing.money import format_euros
from ardoise.billing.pricing import total
from ardoise.bookings.actions import Outcome
from ardoise.bookings.calendar import NO_BOOKING
from ardoise.bookings.models import BookingState
from ardoise.families.models import Child, Family, Guardian

STATE_WORDS = {
    BookingState.BOOKED: "Réservé",
    BookingState.REQUESTED: "Demande envoyée (à valider par le service)",
    NO_BOOKING: "Annulé",
}


@dataclass(frozen=True)
class Line:
    date: datetime.date
    activity: str
    state: str
    price: str  # formatted, empty for a cancellation


@dataclass(frozen=True)
class ChildLines:
    child: Child
    lines: list[Line]
    subtotal: str


def recipients(family: Family) -> list[Guardian]:
    return [
        guardian
        for guardian in Guardian.objects.filter(town_id=family.town_id, family=family).order_by("position", "pk")
        if guardian.email and guardian.email_consent
    ]


def _lines(changed: Sequence[tuple[Child, Sequence[Outcome]]]) -> tuple[list[ChildLines], Decimal]:
    children = []
    amounts = []
    for child, outcomes in changed:
        outcomes = sorted(
            (outcome for outcome in outcomes if outcome.changes_something),
            key=lambda outcome: (outcome.change.date, outcome.activity.label),
        )
        if not outcomes:
            continue
        booked = [outcome.unit_price for outcome in outcomes if outcome.change.book]
        amounts.extend(booked)
        children.append(
            ChildLines(
                child,
                [
                    Line(
                        outcome.change.date,
                        outcome.activity.label,
                        STATE_WORDS.get(outcome.state, outcome.state),
                        format_euros(outcome.unit_price) if outcome.change.book else "",
                    )
                    for outcome in outcomes
                ],
                format_euros(total(booked)),
            )
        )
    return children, total(amounts)


def send_booking_confirmation(
    family: Family, changed: Sequence[tuple[Child, Sequence[Outcome]]], *, base_url: str
) -> int:
    """Queue the confirmation for after the commit; returns how many guardians it goes to."""
    children, amount = _lines(changed)
    to = recipients(family) if children else []
    if not to:
        return 0
    town = family.town
    context = {
        "town": town,
        "family": family,
        "children": children,
        "total": format_euros(amount),
        "planning_url": base_url.rstrip("/") + reverse("portal:planning", args=[town.slug]),
    }

    subject = f"{town.name} : vos réservations sont enregistrées"

    def send() -> None:
        for guardian in to:
            personal = {**context, "guardian": guardian}
            message = EmailMultiAlternatives(
                subject=subject,
                body=render_to_string("emails/booking_confirmation.txt", personal),
                to=[guardian.email],
            )
            message.attach_alternative(render_to_string("emails/booking_confirmation.html", personal), "text/html")
            message.send()

    # robust: the bookings are saved whatever happens to the mail; a failure is logged.
    transaction.on_commit(send, robust=True)
    return len(to)
