"""The demo's waiting list (DEMO.md): "Accueil du mercredi" at École Jules Ferry full for the current school year
(its 24 places taken by Wednesday enrolments), four children on its waiting list and one place offered to the
family at the head of it; a few requests waiting for the staff's decision at École Marie Curie.

Made through `admissions.actions` (the same doors as the portal), at 9:00 on the demo's dates.
"""

import datetime
from collections import Counter
from zoneinfo import ZoneInfo

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.admissions import actions
from ardoise.admissions.models import AdmissionSettings, PriorityRule
from ardoise.bookings.models import Enrollment
from ardoise.calendars.models import SchoolYear
from ardoise.demo import spec
from ardoise.families.models import Child
from ardoise.towns.models import Town

PARIS = ZoneInfo("Europe/Paris")
WAITING = 5  # One of them is offered the place freed at the end, four stay on the list.
PENDING = 3


def _at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=PARIS)


def _candidates(activity: Activity, year: SchoolYear, count: int) -> list[Child]:
    """Children of the activity's school, family 1 aside, not enrolled in it that year."""
    enrolled = Enrollment.objects.filter(activity=activity, school_year=year).values_list("child_id", flat=True)
    return list(
        Child.objects.filter(town_id=activity.town_id, site_id=activity.site_id)
        .exclude(family__number="1")
        .exclude(pk__in=enrolled)
        .select_related("family")
        .order_by("pk")[:count]
    )


def _guardian_user(child: Child) -> User | None:
    guardian = child.family.guardians.exclude(user=None).order_by("position").first()
    return guardian.user if guardian else None


def create_waiting_list(
    town: Town,
    today: datetime.date,
    years: list[SchoolYear],
    activities: dict[tuple[int, str], Activity],
    staff: dict[str, User],
    counts: Counter[str],
) -> None:
    AdmissionSettings.objects.create(town=town, priority_rule=PriorityRule.SIBLINGS_FIRST, offer_delay_hours=72)
    # The current school year; in the summer break, the coming one.
    year = min((year for year in years if year.ends_on >= today), key=lambda year: year.starts_on, default=None)
    if year is None:
        return
    by_site = {activity.site.name: activity for (_site, code), activity in activities.items() if code == "mercredi"}
    wednesdays = by_site[spec.JULES_FERRY]
    assert wednesdays.capacity is not None
    patterns = Enrollment.objects.filter(activity=wednesdays, school_year=year).values_list("weekly_pattern", flat=True)
    taken = sum(spec.WED in pattern for pattern in patterns)
    extra = _candidates(wednesdays, year, max(wednesdays.capacity - taken, 0) + WAITING)
    fillers, waiting = extra[: len(extra) - WAITING], extra[len(extra) - WAITING :]
    added = Enrollment.objects.bulk_create(
        Enrollment(town=town, child=child, activity=wednesdays, school_year=year, weekly_pattern=[spec.WED])
        for child in fillers
    )
    counts["enrollments (waiting list)"] += len(added)
    for days_ago, child in zip(range(len(waiting) * 3, 0, -3), waiting, strict=False):
        actor = _guardian_user(child)
        if actor is not None:
            actions.request_enrolment(
                child,
                wednesdays,
                school_year=year,
                weekly_pattern=[spec.WED],
                actor=actor,
                now=_at(today - datetime.timedelta(days=days_ago)),
            )
            counts["enrolment requests"] += 1
    # A family withdrew yesterday: the place is offered to the first on the list.
    if added:
        actions.withdraw_enrolment(
            added[-1], actor=staff["accueil@demo.test"], now=_at(today - datetime.timedelta(days=1))
        )
    other = by_site.get(spec.MARIE_CURIE)
    if other is None:
        return
    for child in _candidates(other, year, PENDING):
        actor = _guardian_user(child)
        if actor is not None:
            actions.request_enrolment(
                child, other, school_year=year, weekly_pattern=[spec.WED], actor=actor, now=_at(today)
            )
            counts["enrolment requests"] += 1
