"""Staff decisions on what families asked: accept or refuse requests, one or many at once.

A decision is all or nothing: every selected request is checked and decided in
one transaction; if any cannot be (already decided, no place left, record
changed since the request…) nothing is written and every problem comes back
with its reason. Deciding again a request already decided is such a problem,
so a double click or a replayed form changes nothing. Each decision is audited;
the families are e-mailed after the commit.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit import actions as audit
from ardoise.bookings import notifications
from ardoise.bookings.models import (
    STATES_HOLDING_A_PLACE,
    Absence,
    Booking,
    BookingState,
    Request,
    RequestKind,
    RequestStatus,
    absence_state,
)
from ardoise.calendars.wording import date_fr
from ardoise.families.record_changes import StaleRecordChange, apply_record_change
from ardoise.towns.models import Town

# Confirmed places: a booking still waiting for staff does not count against
# the capacity when staff decide which of the waiting ones to accept.
CONFIRMED_STATES = STATES_HOLDING_A_PLACE - {BookingState.REQUESTED}
# The states of a day whose absence request may be decided: pending (a document
# to check), or already absent (requests opened before absences could wait).
ABSENT_STATES = frozenset({BookingState.ABSENCE_PENDING, BookingState.ABSENT_EXCUSED, BookingState.ABSENT_BILLED})
MAX_REASON = 300


@dataclass(frozen=True)
class Problem:
    request_id: int | None
    code: str  # empty, not_found, decided, reason_required, not_waiting, full, stale
    message: str


class DecisionRefused(Exception):
    """Nothing was decided; `problems` says why, in French."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems

    @property
    def over_capacity(self) -> bool:
        """Only capacity stood in the way: staff may confirm and accept anyway."""
        return all(problem.code == "full" for problem in self.problems)


def _day(day: datetime.date) -> str:
    return date_fr(day, "l j F Y")


def _lock(town: Town, request_ids: Iterable[int]) -> list[Request]:
    wanted = sorted(set(request_ids))
    if not wanted:
        raise DecisionRefused([Problem(None, "empty", _("Sélectionnez au moins une demande."))])
    found = list(
        Request.objects.select_for_update(of=("self",))
        .filter(town=town, pk__in=wanted)
        .select_related("family", "child", "booking__activity", "booking__child")
        .order_by("pk")
    )
    missing = set(wanted) - {item.pk for item in found}
    problems = [
        Problem(pk, "not_found", _("La demande n° %(id)s n'existe pas.") % {"id": pk}) for pk in sorted(missing)
    ]
    for item in found:
        if item.status != RequestStatus.PENDING:
            decided_on = date_fr(timezone.localtime(item.decided_at), "j F Y") if item.decided_at else ""
            problems.append(
                Problem(
                    item.pk,
                    "decided",
                    _("« %(subject)s » a déjà été %(status)s%(when)s : rien n'a été modifié.")
                    % {
                        "subject": notifications.request_subject(item),
                        "status": item.get_status_display().lower(),
                        "when": _(" le %(day)s") % {"day": decided_on} if decided_on else "",
                    },
                )
            )
    if problems:
        raise DecisionRefused(problems)
    return found


def _bookings_of(items: list[Request]) -> dict[int, Booking]:
    """The requests' bookings by id, locked in one query, with their child, activity and declared absence."""
    return {
        booking.pk: booking
        for booking in Booking.objects.select_for_update(of=("self",))
        .select_related("child", "activity", "absence__reason")
        .filter(pk__in={item.booking_id for item in items if item.booking_id is not None})
        .order_by("pk")
    }


def _absence_of(booking: Booking) -> Absence | None:
    """The absence declared on the booking (read with it by `_bookings_of`), if any."""
    absence: Absence | None = getattr(booking, "absence", None)
    return absence


def _capacity_problems(town: Town, bookings: list[tuple[Request, Booking]]) -> list[Problem]:
    wanted = Counter((booking.activity_id, booking.date) for _item, booking in bookings)
    limited_ids = sorted(
        Activity.objects.filter(
            town=town, pk__in={activity_id for activity_id, _day in wanted}, capacity__isnull=False
        ).values_list("pk", flat=True)
    )
    if not limited_ids:
        return []
    # Counted under a lock on the activity rows, as bookings.actions.apply does.
    activities = {
        activity.pk: activity
        for activity in Activity.objects.select_for_update().filter(pk__in=limited_ids).order_by("pk")
    }
    taken = {
        (row["activity_id"], row["date"]): row["n"]
        for row in Booking.objects.filter(
            town=town,
            activity_id__in=limited_ids,
            date__in={day for _activity_id, day in wanted},
            state__in=CONFIRMED_STATES,
        )
        .values("activity_id", "date")
        .annotate(n=Count("id"))
    }
    problems = []
    for (activity_id, day), count in sorted(wanted.items(), key=lambda entry: (entry[0][1], entry[0][0])):
        activity = activities.get(activity_id)
        if activity is None or activity.capacity is None:
            continue
        already = taken.get((activity_id, day), 0)
        if already + count > activity.capacity:
            first = next(
                item for item, booking in bookings if (booking.activity_id, booking.date) == (activity_id, day)
            )
            problems.append(
                Problem(
                    first.pk,
                    "full",
                    _(
                        "%(activity)s le %(day)s : %(taken)s place(s) déjà prise(s) sur %(capacity)s, "
                        "%(count)s demande(s) à accepter. Cochez « Dépasser la capacité » pour accepter quand même."
                    )
                    % {
                        "activity": activity.label,
                        "day": _day(day),
                        "taken": already,
                        "capacity": activity.capacity,
                        "count": count,
                    },
                )
            )
    return problems


def _finish(
    town: Town,
    decided: list[Request],
    status: str,
    *,
    actor: User,
    reason: str,
    now: datetime.datetime,
    base_url: str,
    details: dict[int, dict[str, list[object]]],
) -> None:
    for item in decided:
        item.status = status
        item.reason = reason
        item.decided_by = actor
        item.decided_at = now
    Request.objects.bulk_update(decided, ["status", "reason", "decided_by", "decided_at"])
    verb = "request.accept" if status == RequestStatus.ACCEPTED else "request.refuse"
    for item in decided:
        changes: dict[str, object] = {"status": [RequestStatus.PENDING.value, status]}
        changes.update(details.get(item.pk, {}))
        if reason:
            changes["reason"] = reason
        audit.record(
            town,
            actor,
            verb,
            item,
            summary=f"{item.family.name} — {item.get_kind_display()} — {notifications.request_subject(item)}",
            changes=changes,
        )
    by_family: dict[int, list[Request]] = defaultdict(list)
    for item in decided:
        by_family[item.family_id].append(item)
    for items in by_family.values():
        notifications.send_request_decisions(items[0].family, items, base_url=base_url)


def accept_requests(
    town: Town,
    request_ids: Iterable[int],
    *,
    actor: User,
    base_url: str,
    override_capacity: bool = False,
    now: datetime.datetime | None = None,
) -> list[Request]:
    """Accept the requests: a booking becomes `booked`, a pending absence takes
    its reason's rule (absent_excused, or absent_billed for a billed reason), a
    record change is applied to the record. Raises DecisionRefused."""
    now = now or timezone.now()
    with transaction.atomic():
        items = _lock(town, request_ids)
        bookings = _bookings_of(items)
        problems: list[Problem] = []
        details: dict[int, dict[str, list[object]]] = {}
        to_book: list[tuple[Request, Booking]] = []
        excused: list[Booking] = []
        for item in items:
            if item.kind == RequestKind.ABSENCE and item.booking_id is not None:
                booking = bookings[item.booking_id]
                absence = _absence_of(booking)
                # A day marked since (present at the roll call…) stays as it is.
                if booking.state == BookingState.ABSENCE_PENDING and absence is not None:
                    booking.state = absence_state(absence.reason, waiting=False)
                    booking.updated_at = now
                    excused.append(booking)
                    details[item.pk] = {"booking_state": [BookingState.ABSENCE_PENDING.value, booking.state]}
            elif item.kind == RequestKind.BOOKING:
                if item.booking_id is None:
                    problems.append(
                        Problem(item.pk, "not_waiting", _("Cette demande ne porte sur aucune réservation."))
                    )
                    continue
                booking = bookings[item.booking_id]
                if booking.state != BookingState.REQUESTED:
                    problems.append(
                        Problem(
                            item.pk,
                            "not_waiting",
                            _("« %(subject)s » n'est plus en attente (état : %(state)s).")
                            % {"subject": notifications.request_subject(item), "state": booking.get_state_display()},
                        )
                    )
                    continue
                to_book.append((item, booking))
            elif item.kind == RequestKind.RECORD_CHANGE:
                try:
                    record, written = apply_record_change(item)
                except StaleRecordChange as stale:
                    problems.append(
                        Problem(item.pk, "stale", f"« {notifications.request_subject(item)} » : {stale.message}")
                    )
                    continue
                details[item.pk] = written  # type: ignore[assignment]
                audit.record(
                    town,
                    actor,
                    "record_change.apply",
                    record,
                    summary=f"{item.family.name} — {notifications.request_subject(item)}",
                    changes=written,
                )
        if not override_capacity:
            problems.extend(_capacity_problems(town, to_book))
        if problems:
            raise DecisionRefused(problems)
        for item, booking in to_book:
            booking.state = BookingState.BOOKED
            booking.refusal_reason = ""
            booking.updated_at = now
            details[item.pk] = {"booking_state": [BookingState.REQUESTED.value, BookingState.BOOKED.value]}
            if override_capacity:
                details[item.pk]["override_capacity"] = [False, True]
        Booking.objects.bulk_update([booking for _item, booking in to_book], ["state", "refusal_reason", "updated_at"])
        Booking.objects.bulk_update(excused, ["state", "updated_at"])
        _finish(
            town,
            items,
            RequestStatus.ACCEPTED,
            actor=actor,
            reason="",
            now=now,
            base_url=base_url,
            details=details,
        )
    return items


def refuse_requests(
    town: Town,
    request_ids: Iterable[int],
    *,
    actor: User,
    reason: str,
    base_url: str,
    now: datetime.datetime | None = None,
) -> list[Request]:
    """Refuse the requests with a reason shown to the family: a booking becomes
    `refused`; a refused absence makes the day `absent_billed` (billed, as the
    family was told when declaring it); a record change leaves the record as it
    is. Raises DecisionRefused."""
    now = now or timezone.now()
    reason = " ".join(reason.split())
    if not reason:
        raise DecisionRefused(
            [Problem(None, "reason_required", _("Indiquez le motif du refus : il est envoyé à la famille."))]
        )
    if len(reason) > MAX_REASON:
        raise DecisionRefused(
            [
                Problem(
                    None,
                    "reason_required",
                    _("Le motif est trop long (%(length)s caractères, %(max)s au plus).")
                    % {"length": len(reason), "max": MAX_REASON},
                )
            ]
        )
    with transaction.atomic():
        items = _lock(town, request_ids)
        bookings = _bookings_of(items)
        problems: list[Problem] = []
        details: dict[int, dict[str, list[object]]] = {}
        changed: list[Booking] = []
        withdrawn: list[int] = []  # the refused absences
        for item in items:
            if item.kind not in (RequestKind.BOOKING, RequestKind.ABSENCE) or item.booking_id is None:
                continue
            booking = bookings[item.booking_id]
            expected = {BookingState.REQUESTED} if item.kind == RequestKind.BOOKING else ABSENT_STATES
            if booking.state not in expected:
                problems.append(
                    Problem(
                        item.pk,
                        "not_waiting",
                        _("« %(subject)s » n'est plus en attente (état : %(state)s).")
                        % {"subject": notifications.request_subject(item), "state": booking.get_state_display()},
                    )
                )
                continue
            new_state = BookingState.REFUSED if item.kind == RequestKind.BOOKING else BookingState.ABSENT_BILLED
            details[item.pk] = {"booking_state": [booking.state, new_state.value]}
            if item.kind == RequestKind.ABSENCE:
                absence = _absence_of(booking)
                if absence is not None:
                    # The day is billed as an undeclared absence; the refused
                    # absence is kept in the audit trail only, so that no later
                    # roll-call correction falls back on its reason's rule.
                    details[item.pk]["absence"] = [
                        f"{absence.reason.label}{' — ' + absence.comment if absence.comment else ''}",
                        None,
                    ]
                    withdrawn.append(absence.pk)
            booking.state = new_state
            booking.refusal_reason = reason
            booking.updated_at = now
            changed.append(booking)
        if problems:
            raise DecisionRefused(problems)
        Absence.objects.filter(town=town, pk__in=withdrawn).delete()
        Booking.objects.bulk_update(changed, ["state", "refusal_reason", "updated_at"])
        _finish(
            town,
            items,
            RequestStatus.REFUSED,
            actor=actor,
            reason=reason,
            now=now,
            base_url=base_url,
            details=details,
        )
    return items
