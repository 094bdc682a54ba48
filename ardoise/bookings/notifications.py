"""The e-mails about a family's bookings: the confirmation of its changes and staff's decisions on its requests.

Both are optional notifications, queued in the outbox (`ardoise.messaging.notifications.notify`)
within the transaction that saved the changes and sent after it commits (never
for changes that were rolled back), to each guardian of the family who has an
e-mail address, agreed to receive e-mails and did not turn that kind off.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connections, router
from django.urls import reverse

from ardoise.billing.money import format_euros
from ardoise.billing.pricing import total
from ardoise.bookings.calendar import NO_BOOKING
from ardoise.bookings.models import BookingState, Request, RequestKind, RequestStatus
from ardoise.calendars.wording import date_fr
from ardoise.families.models import Child, Family, Guardian
from ardoise.messaging.notifications import Kind, notify
from ardoise.towns.rows import Columns, column_of, written_once

if TYPE_CHECKING:
    # Only a type: `bookings.actions.apply_family` sends the confirmation, so it imports this module.
    from ardoise.bookings.actions import Outcome

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
    first_name: str
    last_name: str
    lines: list[Line]
    subtotal: str


class _GuardiansStatement:
    """`guardians_of`'s statement, written once per process and database (towns.rows): the ORM's
    `Guardian.objects.filter(town_id=…, family=…).select_related("notification_preference")
    .order_by("position", "pk")`, whose building cost more CPU than PostgreSQL takes to run it (issue 14)."""

    def __init__(self, db: str) -> None:
        quote = connections[db].ops.quote_name
        self.preference_rel: Any = Guardian._meta.get_field("notification_preference")
        self.guardian = Columns(Guardian, "g")
        self.preference = Columns(self.preference_rel.related_model, "p")
        on = f"p.{quote(column_of(self.preference_rel.field))} = g.{quote('id')}"
        self.sql = (
            f"SELECT {self.guardian.select(quote)}, {self.preference.select(quote)} "  # noqa: S608 - our own names
            f"FROM {quote(self.guardian.table)} g LEFT OUTER JOIN {quote(self.preference.table)} p ON {on} "
            f"WHERE g.{quote('town_id')} = %s AND g.{quote('family_id')} = %s "
            f"ORDER BY g.{quote('position')}, g.{quote('id')}"
        )

    def read(self, db: str, family: Family) -> list[Guardian]:
        with connections[db].cursor() as cursor:
            cursor.execute(self.sql, [family.town_id, family.pk])
            rows = cursor.fetchall()
        guardians = []
        width = len(self.guardian)
        for row in rows:
            guardian = self.guardian.instance(db, row)
            preference = self.preference.instance(db, row, width)
            self.preference_rel.set_cached_value(guardian, preference)
            if preference is not None:
                self.preference_rel.field.set_cached_value(preference, guardian)
            guardians.append(guardian)
        return guardians


def guardians_of(family: Family) -> list[Guardian]:
    """The family's guardians with their notification preferences (one query), by position."""
    db = router.db_for_read(Guardian)
    return written_once(_GuardiansStatement, db).read(db, family)


def _lines(changed: Sequence[tuple[Child, Sequence["Outcome"]]]) -> tuple[list[ChildLines], Decimal]:
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
                child.first_name,
                child.last_name,
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
    family: Family, changed: Sequence[tuple[Child, Sequence["Outcome"]]], *, base_url: str
) -> int:
    """Queue the confirmation, sent after the commit; returns how many guardians it goes to."""
    children, amount = _lines(changed)
    if not children:
        return 0
    town = family.town
    context = {
        "children": children,
        "total": format_euros(amount),
        "planning_url": base_url.rstrip("/") + reverse("portal:planning", args=[town.slug]),
    }
    subject = f"{town.name} : vos réservations sont enregistrées"
    emails = notify(
        town, guardians_of(family), Kind.BOOKING_CONFIRMATION, subject, "emails/booking_confirmation", context
    )
    return len(emails)


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
        return f"{child} — {item.booking.activity.label}, {date_fr(item.booking.date, 'l j F Y')}"
    return child


@dataclass(frozen=True)
class DecisionLine:
    kind: str
    subject: str
    accepted: bool
    reason: str


def send_request_decisions(family: Family, decided: Sequence[Request], *, base_url: str) -> int:
    """Tell the family staff accepted or refused its requests; sent after the commit.

    One e-mail per guardian who receives decisions, for all the requests decided
    at once; returns how many guardians it goes to.
    """
    if not decided:
        return 0
    town = family.town
    lines = [
        DecisionLine(item.get_kind_display(), request_subject(item), item.status == RequestStatus.ACCEPTED, item.reason)
        for item in decided
    ]
    context = {
        "family": family,
        "lines": lines,
        "requests_url": base_url.rstrip("/") + reverse("portal:requests", args=[town.slug]),
    }
    if len(lines) == 1:
        subject = f"{town.name} : votre demande a été {'acceptée' if lines[0].accepted else 'refusée'}"
    else:
        subject = f"{town.name} : réponse à vos demandes"
    emails = notify(town, guardians_of(family), Kind.REQUEST_DECISION, subject, "emails/request_decision", context)
    return len(emails)
