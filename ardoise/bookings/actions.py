"""The one door for booking changes: quote, book, cancel — for parents and staff.

`apply_family` saves a family's changes (every child's batch at once) and
e-mails the confirmation; the portal, the back office, the prepayment
checkout and the JSON API all call it.

A batch of changes is all-or-nothing: every change is checked first (deadline,
closed day, enrollment, capacity); if any is refused nothing is written and
every refusal comes back with its reason. Sending the same batch twice changes
nothing the second time.
"""

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, connections, router, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ardoise.accounts.models import User
from ardoise.activities import reference as activity_reference
from ardoise.activities.models import AbsenceReason, Activity
from ardoise.audit import actions as audit
from ardoise.billing.pricing import total
from ardoise.bookings import notifications
from ardoise.bookings.calendar import NEEDS_CONSENT, NEEDS_DOCUMENT, NO_BOOKING, FamilyCalendar, visible_state
from ardoise.bookings.models import (
    STATES_HOLDING_A_PLACE,
    Absence,
    Booking,
    BookingState,
    Enrollment,
    Request,
    RequestKind,
    RequestStatus,
    absence_state,
)
from ardoise.calendars.wording import date_fr
from ardoise.consents import queries as consent_queries
from ardoise.documents.requirements import missing_by_change, missing_message
from ardoise.families.models import Child, Family
from ardoise.towns.bulk import insert_instances
from ardoise.towns.models import Town
from ardoise.towns.rows import column_of

# Why a family whose file is not accepted yet books nothing; the portal's pages say the same (portal.signup).
FILE_NOT_ACCEPTED = gettext_lazy(
    "Votre dossier est en cours d'examen par le service : vous pourrez réserver dès qu'il sera accepté."
)

# The longest span one batch may touch: a school year and a bit.
MAX_BATCH_DAYS = 400


@dataclass(frozen=True)
class Change:
    date: datetime.date
    activity_id: int
    book: bool


@dataclass(frozen=True)
class Refusal:
    date: datetime.date
    activity_id: int
    code: str  # deadline_passed, closed, full, not_enrolled, not_booked, invalid
    message: str


@dataclass(frozen=True)
class Outcome:
    """What a change does: the state the day ends in, and what it costs."""

    change: Change
    child: Child
    activity: Activity
    state: str
    unit_price: Decimal
    previous_state: str
    # False when the day is already in the asked state (a repeated batch).
    changes_something: bool
    # A booked day under a flat package: the package and its price ("Forfait semaine 45,00 €").
    price_wording: str = ""
    # The day's stored row as the review read it (None: no row yet); under the batch's lock, what `_write` changes.
    booking: Booking | None = None


@dataclass
class Review:
    outcomes: list[Outcome] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    # With override_capacity: the days booked beyond their capacity (code "full"), audited when saved.
    over_capacity: list[Refusal] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return total(outcome.unit_price for outcome in self.outcomes if outcome.change.book)

    @property
    def accepted(self) -> bool:
        return not self.refusals


class BatchRefused(Exception):
    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__(f"{len(refusals)} change(s) refused")
        self.refusals = refusals


def _date_label(day: datetime.date) -> str:
    return date_fr(day, "l j F Y")


def review(
    child: Child,
    changes: Sequence[Change],
    *,
    now: datetime.datetime,
    as_staff: bool = False,
    override_capacity: bool = False,
    calendar: FamilyCalendar | None = None,
) -> Review:
    """Check a batch for one child without writing anything."""
    result = Review()
    if not changes:
        return result
    days = [change.date for change in changes]
    start, end = min(days), max(days)
    if (end - start).days > MAX_BATCH_DAYS:
        result.refusals.append(Refusal(end, changes[-1].activity_id, "invalid", _("Période trop longue.")))
        return result
    if calendar is None:
        calendar = FamilyCalendar.load(child.family, start, end, children=[child], requirements=True)
    if not calendar.family.is_accepted:
        # A family that signed up online books nothing until staff accept its file (ardoise.signup).
        first = changes[0]
        result.refusals.append(Refusal(first.date, first.activity_id, "not_enrolled", str(FILE_NOT_ACCEPTED)))
        return result
    activities = {activity.pk: activity for activity in calendar.activities_of(child)}
    seen = Counter((change.date, change.activity_id) for change in changes)
    booked_here: Counter[tuple[int, datetime.date]] = Counter()
    for change in changes:
        activity = activities.get(change.activity_id)
        if seen[(change.date, change.activity_id)] > 1:
            result.refusals.append(
                Refusal(change.date, change.activity_id, "invalid", _("Ce jour figure deux fois dans la demande."))
            )
            continue
        if activity is None or not calendar.is_enrolled(child, change.activity_id, change.date):
            result.refusals.append(
                Refusal(
                    change.date,
                    change.activity_id,
                    "not_enrolled",
                    _("%(child)s n'est pas inscrit(e) à cette activité le %(day)s.")
                    % {"child": child.first_name, "day": _date_label(change.date)},
                )
            )
            continue
        entry = calendar.entry(child, activity, change.date, now)
        if not entry.status.open:
            result.refusals.append(
                Refusal(
                    change.date,
                    activity.pk,
                    "closed",
                    _("%(activity)s n'a pas lieu le %(day)s (%(reason)s).")
                    % {
                        "activity": activity.label,
                        "day": _date_label(change.date),
                        "reason": entry.status.closed_reason.label if entry.status.closed_reason else "",
                    },
                )
            )
            continue
        wanted = _target_state(entry.state, entry.stored_state, change.book, activity.needs_validation and not as_staff)
        if wanted is None:
            result.refusals.append(
                Refusal(
                    change.date,
                    activity.pk,
                    "not_booked",
                    _("Rien n'est réservé le %(day)s pour %(activity)s.")
                    % {"day": _date_label(change.date), "activity": activity.label},
                )
            )
            continue
        changes_something = wanted != entry.state
        if changes_something and not as_staff and not entry.status.changeable:
            assert entry.status.deadline is not None
            result.refusals.append(
                Refusal(
                    change.date,
                    activity.pk,
                    "deadline_passed",
                    _("La date limite pour le %(day)s est dépassée (%(deadline)s).")
                    % {
                        "day": _date_label(change.date),
                        "deadline": date_fr(timezone.localtime(entry.status.deadline), "l j F Y à H\\hi"),
                    },
                )
            )
            continue
        if changes_something and change.book and entry.state not in STATES_HOLDING_A_PLACE:
            booked_here[(activity.pk, change.date)] += 1
        result.outcomes.append(
            Outcome(
                change,
                child,
                activity,
                wanted,
                entry.unit_price if change.book else Decimal("0.00"),
                entry.state,
                changes_something,
                price_wording=entry.price_wording if change.book else "",
                booking=calendar.bookings.get((child.pk, activity.pk, change.date)),
            )
        )
    _refuse_unmet_requirements(child, result, booked_here, calendar)
    full = _capacity_refusals(child, activities, booked_here)
    (result.over_capacity if override_capacity else result.refusals).extend(full)
    return result


def _refuse_unmet_requirements(
    child: Child, result: Review, booked_here: Counter[tuple[int, datetime.date]], calendar: FamilyCalendar
) -> None:
    """Days newly booked of an activity whose needs the child does not meet on that day are refused ("invalid"),
    naming what is missing: a consent not given (a withdrawal counts at once), else a supporting document
    without a valid one. One look-up each for the whole batch, and none when nothing is newly booked or
    when the calendar's enrollments say that no activity booked needs one (`calendar.requirement_flags`)."""
    new_days = [
        (outcome.activity.pk, outcome.change.date)
        for outcome in result.outcomes
        if outcome.change.book and outcome.changes_something
    ]
    if not new_days:
        return
    flags = {
        enrollment.activity_id: enrollment
        for enrollment in calendar.enrollments.get(child.pk, [])
        if hasattr(enrollment, NEEDS_CONSENT)
    }

    def needs(activity_id: int, flag: str) -> bool:
        # Unknown (a calendar loaded without the flags): looked up.
        return activity_id not in flags or bool(getattr(flags[activity_id], flag))

    consent_ids = {activity_id for activity_id, _day in new_days if needs(activity_id, NEEDS_CONSENT)}
    document_days = [(activity_id, day) for activity_id, day in new_days if needs(activity_id, NEEDS_DOCUMENT)]
    missing_consents = consent_queries.missing_for_booking(child, consent_ids)
    missing_documents = missing_by_change(child, document_days) if document_days else {}
    if not missing_consents and not missing_documents:
        return
    kept = []
    for outcome in result.outcomes:
        key = (outcome.activity.pk, outcome.change.date)
        message = ""
        if outcome.change.book and outcome.changes_something:
            if outcome.activity.pk in missing_consents:
                message = _("L'autorisation « %(kind)s » n'a pas été donnée pour %(child)s.") % {
                    "kind": missing_consents[outcome.activity.pk][0],
                    "child": child.first_name,
                }
            elif key in missing_documents:
                message = missing_message(child, missing_documents[key])
        if not message:
            kept.append(outcome)
            continue
        result.refusals.append(Refusal(outcome.change.date, outcome.activity.pk, "invalid", message))
        if booked_here[key]:
            booked_here[key] -= 1
    result.outcomes = kept


def _target_state(current: str, stored: str | None, book: bool, needs_validation: bool) -> str | None:
    """The state a day ends in; None when cancelling a day that was never booked."""
    if book:
        if current in (BookingState.BOOKED, BookingState.REQUESTED):
            return current
        if current in (NO_BOOKING, BookingState.REFUSED):
            return BookingState.REQUESTED if needs_validation else BookingState.BOOKED
        return current  # present, absent…: the day has happened; nothing to book.
    if current in (BookingState.BOOKED, BookingState.REQUESTED):
        return NO_BOOKING
    if stored == BookingState.CANCELLED:
        return NO_BOOKING
    return None


def _capacity_refusals(
    child: Child, activities: dict[int, Activity], booked_here: Counter[tuple[int, datetime.date]]
) -> list[Refusal]:
    limited = {key: count for key, count in booked_here.items() if activities[key[0]].capacity is not None}
    if not limited:
        return []
    taken = {
        (row["activity_id"], row["date"]): row["n"]
        for row in Booking.objects.filter(
            town_id=child.town_id,
            activity_id__in={activity_id for activity_id, _ in limited},
            date__in={day for _, day in limited},
            state__in=STATES_HOLDING_A_PLACE,
        )
        .values("activity_id", "date")
        .annotate(n=Count("id"))
    }
    refusals = []
    for (activity_id, day), wanted in sorted(limited.items(), key=lambda item: item[0][1]):
        activity = activities[activity_id]
        assert activity.capacity is not None
        if taken.get((activity_id, day), 0) + wanted > activity.capacity:
            refusals.append(
                Refusal(
                    day,
                    activity_id,
                    "full",
                    _("Plus de place en %(activity)s le %(day)s.")
                    % {"activity": activity.label, "day": _date_label(day)},
                )
            )
    return refusals


def _lock(town: Town, child_ids: set[int], changes: Sequence[Change]) -> None:
    """Take the locks a batch needs, always in the same order (children, then activities, by id)."""
    if not connection.features.has_select_for_update:
        # SQLite: the transaction's BEGIN IMMEDIATE already holds the database's one write lock until its end.
        return
    # One batch at a time per child: a double click or a retry sent while
    # the first is still running waits, then finds the days already booked.
    if child_ids:
        list(Child.objects.select_for_update().filter(pk__in=child_ids).order_by("pk").values_list("pk"))
    # Bookings of activities with a capacity are counted then written under
    # a lock on the activity row, so that two families racing for the last
    # place cannot both get it. Which activities have one: the town's cached
    # activities, the same the review counts places with.
    activities = activity_reference.activities(town, {change.activity_id for change in changes})
    limited_ids = sorted(pk for pk, activity in activities.items() if activity.capacity is not None)
    if limited_ids:
        list(Activity.objects.select_for_update().filter(pk__in=limited_ids).order_by("pk").values_list("pk"))


def apply(
    child: Child,
    changes: Sequence[Change],
    *,
    actor: User,
    as_staff: bool = False,
    override_capacity: bool = False,
    now: datetime.datetime | None = None,
) -> Review:
    """Check and apply a batch for one child, all or nothing. Raises BatchRefused.

    Sends nothing: a family's changes go through `apply_family`, which confirms
    them by e-mail; this is its building block, and the prepayment's (which books
    a paid basket day by day and keeps what cannot be booked as credit).
    """
    now = now or timezone.now()
    with transaction.atomic():
        _lock(child.town, {child.pk}, changes)
        result = review(child, changes, now=now, as_staff=as_staff, override_capacity=override_capacity)
        if result.refusals:
            raise BatchRefused(result.refusals)
        _save(child, result, actor, as_staff, now)
    return result


@dataclass(frozen=True)
class WeeklyPattern:
    """A regular registration to record: the weekdays of one child in one activity (`set_weekly_pattern`)."""

    child: Child
    activity_id: int
    weekdays: list[int]


def apply_family(
    family: Family,
    batches: Sequence[tuple[Child, Sequence[Change]]],
    *,
    actor: User,
    as_staff: bool = False,
    override_capacity: bool = False,
    now: datetime.datetime | None = None,
    weekly_patterns: Sequence[WeeklyPattern] = (),
    notify: bool = True,
    base_url: str = "",
    children_locked: bool = False,
) -> list[tuple[Child, Review]]:
    """The one door for a family's booking changes: every child's batch in one transaction, all or nothing.

    The parents' planning, the back office's bookings on behalf, the prepayment
    checkout and the JSON API all come here. Raises BatchRefused with every
    refusal found; nothing is written then. `weekly_patterns` are recorded in the
    same transaction (Enrollment.DoesNotExist when the child is not enrolled).
    With `notify`, the guardians get the booking confirmation once the
    transaction commits, its links under `base_url` (the site's root, as
    `request.build_absolute_uri("/")` gives it).

    `children_locked`: the caller has opened the transaction and read the batches' children with their lock
    (`families.access.access_child(..., for_update=True)`, the JSON API): the changes are applied in that
    transaction, without a savepoint, and the children are not locked again (a BatchRefused then leaves
    the caller's transaction to roll back).
    """
    now = now or timezone.now()
    batches = [(child, list(changes)) for child, changes in batches]
    children = [child for child, _changes in batches] + [pattern.child for pattern in weekly_patterns]
    if any(child.family_id != family.pk or child.town_id != family.town_id for child in children):
        raise ValueError("Every child of a family batch must be of that family.")
    if children_locked and not transaction.get_connection().in_atomic_block:
        raise ValueError("Children locked by the caller: the caller's transaction must be open.")
    results: list[tuple[Child, Review]] = []
    with transaction.atomic(savepoint=not children_locked):
        _lock(
            family.town,
            set() if children_locked else {child.pk for child, _changes in batches},
            [change for _child, changes in batches for change in changes],
        )
        refusals: list[Refusal] = []
        for child, changes in batches:
            # Child after child, so that a sibling's new bookings count against the capacity.
            result = review(child, changes, now=now, as_staff=as_staff, override_capacity=override_capacity)
            refusals.extend(result.refusals)
            if not refusals:
                _save(child, result, actor, as_staff, now)
            results.append((child, result))
        if refusals:
            raise BatchRefused(refusals)
        for pattern in weekly_patterns:
            set_weekly_pattern(pattern.child, pattern.activity_id, pattern.weekdays, on=timezone.localdate(now))
        if notify:
            # Queued in the outbox here, sent after the commit (never for changes rolled back).
            notifications.send_booking_confirmation(
                family, [(child, result.outcomes) for child, result in results], base_url=base_url
            )
    return results


def _save(child: Child, result: Review, actor: User, as_staff: bool, now: datetime.datetime) -> None:
    """Write what a reviewed batch changes; staff's changes and the places they added beyond capacity are audited."""
    _write(child, [outcome for outcome in result.outcomes if outcome.changes_something], actor, as_staff, now)
    if not as_staff:
        return
    activities = {outcome.activity.pk: outcome.activity for outcome in result.outcomes}
    for refusal in result.over_capacity:
        activity = activities[refusal.activity_id]
        audit.record(
            child.town,
            actor,
            "booking.override_capacity",
            child,
            summary=f"{child.full_name} — {activity.label} {refusal.date:%d/%m/%Y}: "
            f"capacité de {activity.capacity} places dépassée",
            changes={"date": refusal.date.isoformat(), "activity": activity.label, "capacity": activity.capacity},
        )


def _write(child: Child, outcomes: list[Outcome], actor: User, as_staff: bool, now: datetime.datetime) -> None:
    if not outcomes:
        return
    # The rows as the review read them, under the batch's lock: not read again.
    to_create: list[Booking] = []
    to_update: dict[str, list[Booking]] = {}  # new state -> the existing bookings that take it
    for outcome in outcomes:
        state = BookingState.CANCELLED if outcome.state == NO_BOOKING else outcome.state
        booking = outcome.booking
        if booking is None:
            to_create.append(
                Booking(
                    town_id=child.town_id,
                    child=child,
                    activity=outcome.activity,
                    date=outcome.change.date,
                    state=state,
                    created_at=now,
                    updated_at=now,
                )
            )
        else:
            booking.state = state
            booking.refusal_reason = ""
            booking.updated_at = now
            to_update.setdefault(state, []).append(booking)
    # In one statement from column arrays (towns.bulk): every value is set (`updated_at` is `auto_now`).
    insert_instances(to_create)
    # One plain UPDATE per new state (a batch rarely has more than one), where bulk_update would build a
    # CASE over every row: the same rows and values, written without the ORM's work of building it.
    for state, bookings in to_update.items():
        _update_state([booking.pk for booking in bookings], state, now)
    written = to_create + [booking for bookings in to_update.values() for booking in bookings]
    requested = [booking for booking in written if booking.state == BookingState.REQUESTED]
    Request.objects.bulk_create(
        Request(
            town_id=child.town_id,
            family_id=child.family_id,
            kind=RequestKind.BOOKING,
            child=child,
            booking=booking,
            created_by=actor,
            created_at=now,
        )
        for booking in requested
    )
    # A parent withdrawing a booking that waited for staff withdraws the request too.
    cancelled_ids = [booking.pk for booking in written if booking.state == BookingState.CANCELLED]
    if cancelled_ids:
        Request.objects.filter(
            town_id=child.town_id, booking_id__in=cancelled_ids, status=RequestStatus.PENDING
        ).delete()
    if as_staff:
        for outcome in outcomes:
            audit.record(
                child.town,
                actor,
                "booking.change",
                child,
                summary=f"{child.full_name} — {outcome.activity.label} {outcome.change.date:%d/%m/%Y}: {outcome.state}",
                changes={"state": [outcome.previous_state, outcome.state], "date": outcome.change.date.isoformat()},
            )


def _update_state(booking_ids: list[int], state: str, now: datetime.datetime) -> None:
    """`Booking.objects.filter(pk__in=booking_ids).update(state=state, refusal_reason="", updated_at=now)`,
    the statement written from the model's names rather than built by the ORM on every booking (issue 14)."""
    db = router.db_for_write(Booking)
    ops = connections[db].ops
    quote = ops.quote_name
    meta = Booking._meta
    names = ("state", "refusal_reason", "updated_at")
    state_, reason, updated = (quote(column_of(meta.get_field(name))) for name in names)
    ids = ", ".join(["%s"] * len(booking_ids))
    with connections[db].cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {state_} = %s, {reason} = %s, {updated} = %s "  # noqa: S608 - names from the model
            f"WHERE {quote(column_of(meta.pk))} IN ({ids})",
            [state, "", ops.adapt_datetimefield_value(now), *booking_ids],
        )


def set_weekly_pattern(child: Child, activity_id: int, weekdays: Sequence[int], *, on: datetime.date) -> Enrollment:
    """Record the child's regular weekdays (inscription régulière) for the school year containing `on`.

    The days themselves are booked through `apply`; this keeps the choice so
    that it can be shown again. Raises Enrollment.DoesNotExist when the child
    is not enrolled in the activity that year.
    """
    with transaction.atomic():
        enrollment = Enrollment.objects.select_for_update().get(
            town_id=child.town_id,
            child=child,
            activity_id=activity_id,
            school_year__starts_on__lte=on,
            school_year__ends_on__gte=on,
        )
        enrollment.weekly_pattern = sorted(set(weekdays))
        enrollment.save(update_fields=["weekly_pattern"])
    return enrollment


class AbsenceRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DeclaredAbsence:
    """What declaring an absence did: the day as it is now, and the absence recorded."""

    booking: Booking
    # None when the day could still be cancelled: the absence was a free cancellation.
    absence: Absence | None

    @property
    def cancelled(self) -> bool:
        return self.absence is None

    @property
    def state(self) -> str:
        """The day's state as the family sees it (API.md's ENTRY `state`)."""
        return visible_state(self.booking)


def free_cancellation_deadline(booking: Booking, *, now: datetime.datetime) -> datetime.datetime | None:
    """Until when declaring an absence on `booking` cancels it for free; None once the deadline has passed."""
    child = booking.child
    calendar = FamilyCalendar.load(child.family, booking.date, booking.date, children=[child])
    status = calendar.entry(child, booking.activity, booking.date, now).status
    return status.deadline if status.changeable else None


def declare_absence(
    booking: Booking,
    reason: AbsenceReason,
    *,
    actor: User,
    comment: str = "",
    document: UploadedFile | None = None,
    as_staff: bool = False,
    now: datetime.datetime | None = None,
) -> DeclaredAbsence:
    """Declare an absence on a booked day (seed 001 "Déclarer une absence"), for parents and staff alike.

    Before the day's deadline the absence is a cancellation: the day is
    cancelled (through `apply`, so it is free and can be booked again), whatever
    the reason, and no absence is recorded; a family never pays for a day it
    could still cancel. After the deadline the reason's rule applies: the day
    becomes absent_excused or absent_billed, or absence_pending when the reason
    asks for a document, with a request for staff to check it (accepted: the
    reason's rule; refused: absent_billed, see `decisions.refuse_requests`).
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The child first, then the booking: the order `apply` locks them in.
        list(Child.objects.select_for_update().filter(pk=booking.child_id).values_list("pk"))
        booking = Booking.objects.select_for_update(of=("self",)).select_related("child", "activity").get(pk=booking.pk)
        if booking.state != BookingState.BOOKED:
            raise AbsenceRefused(
                _("On ne peut déclarer une absence que sur un jour réservé (ce jour est : %(state)s).")
                % {"state": booking.get_state_display()}
            )
        if reason.town_id != booking.town_id:
            raise AbsenceRefused(_("Motif d'absence inconnu."))
        if free_cancellation_deadline(booking, now=now) is not None:
            try:
                apply(
                    booking.child,
                    [Change(booking.date, booking.activity_id, book=False)],
                    actor=actor,
                    as_staff=as_staff,
                    now=now,
                )
            except BatchRefused as refused:
                # A cancellation the rules refuse (the child no longer enrolled…): nothing changed.
                raise AbsenceRefused(" ".join(refusal.message for refusal in refused.refusals)) from None
            booking.refresh_from_db(fields=["state", "updated_at"])
            return DeclaredAbsence(booking, None)
        previous = booking.state
        # A reason that asks for a document waits for staff (the request below).
        booking.state = absence_state(reason, waiting=reason.document_required)
        booking.save(update_fields=["state", "updated_at"])
        absence = Absence.objects.create(
            town_id=booking.town_id,
            booking=booking,
            reason=reason,
            comment=comment,
            document=document or "",
            declared_by=actor,
            declared_at=now,
        )
        if reason.document_required or not as_staff:
            Request.objects.create(
                town_id=booking.town_id,
                family_id=booking.child.family_id,
                kind=RequestKind.ABSENCE,
                child=booking.child,
                booking=booking,
                comment=comment,
                created_by=actor,
                created_at=now,
                # An absence is recorded at once; staff only need to act when a
                # document has to be checked.
                status=RequestStatus.PENDING if reason.document_required else RequestStatus.ACCEPTED,
                decided_at=None if reason.document_required else now,
            )
        if as_staff:
            audit.record(
                booking.town,
                actor,
                "absence.declare",
                booking,
                summary=f"{booking.child.full_name} — {booking.activity.label} {booking.date:%d/%m/%Y}: {reason.label}",
                changes={"state": [previous, booking.state]},
            )
    return DeclaredAbsence(booking, absence)
