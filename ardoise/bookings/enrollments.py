"""Enrolling a child in an activity for a school year (inscription), and withdrawing them.

Staff actions: atomic and audited. An enrollment may carry a weekly pattern
(inscription régulière: the weekdays the child comes every week); the days
themselves are booked through `bookings.actions.apply`, as for parents.
Withdrawing a child cancels their bookings still to come; days gone by stay.
"""

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit import actions as audit
from ardoise.bookings.models import Booking, BookingState, Enrollment, Request, RequestStatus
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import Child


class EnrollmentRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _pattern(activity: Activity, weekly_pattern: Sequence[int]) -> list[int]:
    pattern = sorted(set(weekly_pattern))
    not_running = [day for day in pattern if day not in activity.weekdays]
    if not_running:
        raise EnrollmentRefused(
            _("%(activity)s n'a pas lieu certains des jours choisis : choisissez parmi ses jours d'ouverture.")
            % {"activity": activity.label}
        )
    return pattern


def enrol(
    child: Child, activity: Activity, school_year: SchoolYear, weekly_pattern: Sequence[int], *, actor: User
) -> Enrollment:
    """Enrol `child` in `activity` for `school_year`, or change the weekly pattern of an existing enrollment."""
    if not (child.town_id == activity.town_id == school_year.town_id):
        raise EnrollmentRefused(_("Activité ou année scolaire inconnue."))
    pattern = _pattern(activity, weekly_pattern)
    with transaction.atomic():
        enrollment, created = Enrollment.objects.select_for_update().get_or_create(
            town_id=child.town_id,
            child=child,
            activity=activity,
            school_year=school_year,
            defaults={"weekly_pattern": pattern},
        )
        summary = f"{child.full_name} — {activity.label} {school_year}"
        if created:
            audit.record(
                child.town,
                actor,
                "enrollment.create",
                enrollment,
                summary=summary,
                changes={"activity": [None, activity.label], "school_year": [None, str(school_year)]}
                | ({"weekly_pattern": [None, pattern]} if pattern else {}),
            )
        elif enrollment.weekly_pattern != pattern:
            previous = list(enrollment.weekly_pattern)
            enrollment.weekly_pattern = pattern
            enrollment.save(update_fields=["weekly_pattern"])
            audit.record(
                child.town,
                actor,
                "enrollment.update",
                enrollment,
                summary=summary,
                changes={"weekly_pattern": [previous, pattern]},
            )
    return enrollment


def unenrol(enrollment: Enrollment, *, actor: User, today: datetime.date | None = None) -> int:
    """Withdraw a child from an activity for a school year; returns how many coming bookings were cancelled.

    Bookings from `today` on (booked or waiting) are cancelled; past days and
    their attendance are kept.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update()
            .select_related("child", "activity", "school_year")
            .get(town_id=enrollment.town_id, pk=enrollment.pk)
        )
        year = enrollment.school_year
        coming = Booking.objects.filter(
            town_id=enrollment.town_id,
            child_id=enrollment.child_id,
            activity_id=enrollment.activity_id,
            date__gte=max(today, year.starts_on),
            date__lte=year.ends_on,
            state__in=(BookingState.BOOKED, BookingState.REQUESTED),
        )
        booking_ids = list(coming.values_list("pk", flat=True))
        Booking.objects.filter(pk__in=booking_ids).update(state=BookingState.CANCELLED, updated_at=timezone.now())
        Request.objects.filter(
            town_id=enrollment.town_id, booking_id__in=booking_ids, status=RequestStatus.PENDING
        ).delete()
        audit.record(
            enrollment.town,
            actor,
            "enrollment.delete",
            enrollment,
            summary=f"{enrollment.child.full_name} — {enrollment.activity.label} {year} : désinscription",
            changes={
                "activity": [enrollment.activity.label, None],
                "school_year": [str(year), None],
                "weekly_pattern": [list(enrollment.weekly_pattern), None],
                "cancelled_bookings": len(booking_ids),
            },
        )
        enrollment.delete()
    return len(booking_ids)
