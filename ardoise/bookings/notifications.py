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
from django.utils import formats

from ardoise.billing.money import format_euros
from ardoise.billing.pricing import total
from ardoise.bookings.actions import Outcome
from ardoise.bookings.calendar import NO_BOOKING
from ardoise.bookings.models import BookingState, Request, RequestKind, RequestStatus
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


# What one decision on a family's request says, in the e-mail and the audit trail.
TARGET_SUBJECTS = {
    "family": "Informations de la famille",
    "guardian": "Coordonnées d'un responsable",
}


def request_subject(item: Request) -> str:
    """A request in a few words: the child, the activity and the day, or the record it changes."""
    child = item.child.full_name if item.child else ""
    if item.kind == RequestKind.RECORD_CHANGE:
        if item.target == "child":
            return f"Dossier de {child}"
        if item.target == "authorised_person":
            verb = "Nouvelle personne autorisée" if item.target_id is None else "Personne autorisée"
            return f"{verb} pour {child}"
        return TARGET_SUBJECTS.get(item.target, "Dossier de la famille")
    if item.booking is not None:
        return f"{child} — {item.booking.activity.label}, {formats.date_format(item.booking.date, 'l j F Y')}"
    return child


@dataclass(frozen=True)
class DecisionLine:
    kind: str
    subject: str
    accepted: bool
    reason: str


def send_request_decisions(family: Family, decided: Sequence[Request], *, base_url: str) -> int:
    """Tell the family staff accepted or refused its requests, after the commit.

    One e-mail per guardian (with an address and consent) for all the requests
    decided at once; returns how many guardians it goes to.
    """
    to = recipients(family) if decided else []
    if not to:
        return 0
    town = family.town
    lines = [
        DecisionLine(item.get_kind_display(), request_subject(item), item.status == RequestStatus.ACCEPTED, item.reason)
        for item in decided
    ]
    context = {
        "town": town,
        "family": family,
        "lines": lines,
        "requests_url": base_url.rstrip("/") + reverse("portal:requests", args=[town.slug]),
    }
    if len(lines) == 1:
        subject = f"{town.name} : votre demande a été {'acceptée' if lines[0].accepted else 'refusée'}"
    else:
        subject = f"{town.name} : réponse à vos demandes"

    def send() -> None:
        for guardian in to:
            personal = {**context, "guardian": guardian}
            message = EmailMultiAlternatives(
                subject=subject, body=render_to_string("emails/request_decision.txt", personal), to=[guardian.email]
            )
            message.attach_alternative(render_to_string("emails/request_decision.html", personal), "text/html")
            message.send()

    # robust: the decisions are saved whatever happens to the mail; a failure is logged.
    transaction.on_commit(send, robust=True)
    return len(to)
