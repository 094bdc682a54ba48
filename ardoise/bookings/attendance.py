"""The roll call (pointage): who came, who did not, for one activity on one day.

The one door for attendance changes, used by the back office's roll-call pages:

- `mark_present` / `mark_absent`: one tap on a child of the list;
- `add_unbooked_child`: a child who came without a booking (present_unbooked,
  billed at the penalty price);
- `close_roll_call`: the children nobody marked become absent, billed or not
  per the town's rule (`Town.bill_undeclared_absences`).

Each is atomic (the booking row is locked), recorded in the audit trail with
the old and new state, and idempotent: asking again for the state a day is
already in changes nothing and records nothing. A day in the past may be
corrected (late correction, audited like the rest); a day to come may not be
marked, since nobody has come yet.

`load_sheet` reads the list of one activity and day in a constant number of
queries, whatever the number of children.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit import actions as audit
from ardoise.bookings.models import (
    Absence,
    Booking,
    BookingState,
    Request,
    RequestKind,
    RequestStatus,
    absence_state,
)
from ardoise.families.models import AuthorisedPerson, Child
from ardoise.towns.models import Town

# The children a roll call expects: booked (or accepted) days, already marked or not
# (a child whose absence waits for staff is expected absent).
EXPECTED_STATES = frozenset(
    {
        BookingState.BOOKED,
        BookingState.PRESENT,
        BookingState.ABSENCE_PENDING,
        BookingState.ABSENT_EXCUSED,
        BookingState.ABSENT_BILLED,
    }
)
# Everyone on the list: the expected children and those who came without a booking.
LISTED_STATES = EXPECTED_STATES | {BookingState.PRESENT_UNBOOKED}
PRESENT_STATES = frozenset({BookingState.PRESENT, BookingState.PRESENT_UNBOOKED})
ABSENT_STATES = frozenset({BookingState.ABSENCE_PENDING, BookingState.ABSENT_EXCUSED, BookingState.ABSENT_BILLED})


class AttendanceRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Marked:
    """What an attendance action did: the booking as it is now, and whether anything changed."""

    booking: Booking
    previous_state: str
    changed: bool


def undeclared_absence_state(town: Town) -> str:
    """The state of a child absent without a declared reason, per the town's rule."""
    return BookingState.ABSENT_BILLED if town.bill_undeclared_absences else BookingState.ABSENT_EXCUSED


def _absent_state(booking: Booking, town: Town) -> str:
    """A declared absence keeps its reason's rule (or still waits for staff); otherwise the town's rule applies."""
    absence = Absence.objects.filter(town_id=booking.town_id, booking=booking).select_related("reason").first()
    if absence is not None:
        waiting = Request.objects.filter(
            town_id=booking.town_id, booking=booking, kind=RequestKind.ABSENCE, status=RequestStatus.PENDING
        ).exists()
        return absence_state(absence.reason, waiting=waiting)
    return undeclared_absence_state(town)


def _refuse_future(day: datetime.date, today: datetime.date) -> None:
    if day > today:
        raise AttendanceRefused(_("On ne peut pas pointer un jour à venir."))


def _locked(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("child", "activity", "town")
        .get(town_id=booking.town_id, pk=booking.pk)
    )


def _summary(booking: Booking, state: str, today: datetime.date) -> str:
    text = f"{booking.child.full_name} — {booking.activity.label} {booking.date:%d/%m/%Y} : {BookingState(state).label}"
    if booking.date < today:
        text += " (correction tardive)"
    return text


def _save(booking: Booking, state: str, actor: User, action: str, today: datetime.date) -> Marked:
    previous = booking.state
    if previous == state:
        return Marked(booking, previous, changed=False)
    booking.state = state
    booking.updated_at = timezone.now()
    booking.save(update_fields=["state", "updated_at"])
    audit.record(
        booking.town,
        actor,
        action,
        booking,
        summary=_summary(booking, state, today),
        changes={"state": [previous, state], "date": booking.date.isoformat()},
    )
    return Marked(booking, previous, changed=True)


def mark_present(booking: Booking, *, actor: User, today: datetime.date | None = None) -> Marked:
    """The child is here. From booked or absent (a correction); a child already present stays so."""
    today = today or timezone.localdate()
    with transaction.atomic():
        booking = _locked(booking)
        _refuse_future(booking.date, today)
        if booking.state not in LISTED_STATES:
            raise AttendanceRefused(
                _("%(child)s n'est pas attendu(e) ce jour-là : ajoutez-le (la) comme enfant venu sans réservation.")
                % {"child": booking.child.full_name}
            )
        if booking.state == BookingState.PRESENT_UNBOOKED:
            return Marked(booking, booking.state, changed=False)
        return _save(booking, BookingState.PRESENT, actor, "attendance.present", today)


def mark_absent(booking: Booking, *, actor: User, today: datetime.date | None = None) -> Marked:
    """The child did not come.

    A declared absence keeps its reason's billing; otherwise the town's rule
    says absent_billed or absent_excused. A child added without a booking and
    marked absent was added by mistake: the day is withdrawn (cancelled, not billed).
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        booking = _locked(booking)
        _refuse_future(booking.date, today)
        if booking.state not in LISTED_STATES:
            raise AttendanceRefused(
                _("%(child)s n'est pas attendu(e) ce jour-là.") % {"child": booking.child.full_name}
            )
        if booking.state == BookingState.PRESENT_UNBOOKED:
            return _save(booking, BookingState.CANCELLED, actor, "attendance.withdraw", today)
        if booking.state in ABSENT_STATES:
            return Marked(booking, booking.state, changed=False)
        return _save(booking, _absent_state(booking, booking.town), actor, "attendance.absent", today)


def add_unbooked_child(
    child: Child, activity: Activity, day: datetime.date, *, actor: User, today: datetime.date | None = None
) -> Marked:
    """A child of the activity's site who came without a booking (enrolled in the activity or not).

    No booking, a cancelled or a refused one: the day becomes present_unbooked.
    A day waiting for staff (requested) is accepted by taking the child: present,
    and its request accepted. A child already on the list is marked present.
    """
    today = today or timezone.localdate()
    if child.town_id != activity.town_id or child.site_id != activity.site_id:
        raise AttendanceRefused(_("Cet enfant n'est pas inscrit dans cette école."))
    _refuse_future(day, today)
    with transaction.atomic():
        # One change at a time per child (as bookings.actions.apply does), so a
        # double tap finds the booking the first one created.
        list(Child.objects.select_for_update().filter(town_id=child.town_id, pk=child.pk).values_list("pk"))
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("child", "activity", "town")
            .filter(town_id=child.town_id, child=child, activity=activity, date=day)
            .first()
        )
        if booking is None:
            booking = Booking.objects.create(
                town_id=child.town_id,
                child=child,
                activity=activity,
                date=day,
                state=BookingState.PRESENT_UNBOOKED,
            )
            audit.record(
                activity.town,
                actor,
                "attendance.unbooked",
                booking,
                summary=_summary(booking, BookingState.PRESENT_UNBOOKED, today),
                changes={"state": ["", BookingState.PRESENT_UNBOOKED], "date": day.isoformat()},
            )
            return Marked(booking, "", changed=True)
        if booking.state in LISTED_STATES:
            if booking.state == BookingState.PRESENT_UNBOOKED:
                return Marked(booking, booking.state, changed=False)
            return _save(booking, BookingState.PRESENT, actor, "attendance.present", today)
        if booking.state == BookingState.REQUESTED:
            Request.objects.filter(
                town_id=child.town_id, booking=booking, kind=RequestKind.BOOKING, status=RequestStatus.PENDING
            ).update(status=RequestStatus.ACCEPTED, decided_by=actor, decided_at=timezone.now())
            return _save(booking, BookingState.PRESENT, actor, "attendance.present", today)
        return _save(booking, BookingState.PRESENT_UNBOOKED, actor, "attendance.unbooked", today)


def close_roll_call(activity: Activity, day: datetime.date, *, actor: User, today: datetime.date | None = None) -> int:
    """Children still `booked` become absent: per their declared absence if any, else per the town's rule.

    Returns how many changed; closing again changes nothing.
    """
    today = today or timezone.localdate()
    _refuse_future(day, today)
    town = activity.town
    with transaction.atomic():
        unmarked = list(
            Booking.objects.select_for_update(of=("self",))
            .select_related("child", "activity", "town", "absence__reason")
            .filter(town_id=activity.town_id, activity=activity, date=day, state=BookingState.BOOKED)
            .order_by("pk")
        )
        for booking in unmarked:
            absence = getattr(booking, "absence", None)
            if absence is not None:
                state = BookingState.ABSENT_BILLED if absence.reason.billed else BookingState.ABSENT_EXCUSED
            else:
                state = undeclared_absence_state(town)
            _save(booking, state, actor, "attendance.absent", today)
        audit.record(
            town,
            actor,
            "attendance.close",
            activity,
            summary=f"{activity.label} ({activity.site}) {day:%d/%m/%Y} : pointage clôturé, {len(unmarked)} absent(s)",
            changes={"date": day.isoformat(), "absent": len(unmarked)},
        )
    return len(unmarked)


# Reading the list


@dataclass
class Counters:
    expected: int = 0  # booked days (marked or not)
    present: int = 0  # present, with or without a booking
    absent: int = 0
    unmarked: int = 0  # booked, not marked yet
    unbooked: int = 0  # came without a booking

    @property
    def closed(self) -> bool:
        """Every expected child is marked."""
        return self.expected > 0 and self.unmarked == 0


@dataclass
class Sheet:
    bookings: list[Booking] = field(default_factory=list)
    counters: Counters = field(default_factory=Counters)


def count(states: Iterable[str]) -> Counters:
    counters = Counters()
    for state in states:
        if state in EXPECTED_STATES:
            counters.expected += 1
        if state in PRESENT_STATES:
            counters.present += 1
        if state in ABSENT_STATES:
            counters.absent += 1
        if state == BookingState.BOOKED:
            counters.unmarked += 1
        if state == BookingState.PRESENT_UNBOOKED:
            counters.unbooked += 1
    return counters


def load_sheet(activity: Activity, day: datetime.date) -> Sheet:
    """The children on the list of `activity` on `day`, sorted by name, in two queries.

    Each booking comes with its child, the child's authorised people
    (`child.pickup_people`) and its declared absence, if any.
    """
    bookings = list(
        Booking.objects.filter(town_id=activity.town_id, activity=activity, date=day, state__in=LISTED_STATES)
        .select_related("child", "absence__reason")
        .prefetch_related(
            Prefetch(
                "child__authorised_people",
                queryset=AuthorisedPerson.objects.filter(town_id=activity.town_id).order_by("last_name", "first_name"),
                to_attr="pickup_people",
            )
        )
        .order_by("child__last_name", "child__first_name", "child_id")
    )
    return Sheet(bookings=bookings, counters=count(booking.state for booking in bookings))


def counters_of(activity: Activity, day: datetime.date) -> Counters:
    """The counters alone, in one query (after a tap, for the top of the page)."""
    states = Booking.objects.filter(
        town_id=activity.town_id, activity=activity, date=day, state__in=LISTED_STATES
    ).values_list("state", flat=True)
    return count(states)
