"""Reads of admissions: places taken, waiting lists in order and ranks, what a family's requests show.

The rules themselves are `places` (pure); these load what they read.
"""

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ardoise.activities.models import Activity
from ardoise.admissions import places
from ardoise.admissions.models import (
    OPEN_STATUSES,
    AdmissionSettings,
    EnrolmentRequest,
    EnrolmentStatus,
    PriorityRule,
    RegistrationPeriod,
)
from ardoise.bookings.models import STATES_HOLDING_A_PLACE, Booking, Enrollment
from ardoise.calendars.models import SchoolYear
from ardoise.documents.requirements import missing_by_change, missing_for
from ardoise.families.models import Child, Family
from ardoise.towns.models import Town


def admission_settings(town: Town) -> AdmissionSettings:
    """The town's settings, or the defaults (request date, 72 hours) when it has none."""
    return AdmissionSettings.objects.filter(town=town).first() or AdmissionSettings(town=town)


def needed_slots(request: EnrolmentRequest) -> list[places.Slot]:
    """The slots a request holds once offered or accepted: its weekdays, or its days."""
    if request.registration_period_id is not None:
        return [datetime.date.fromisoformat(day) for day in request.days]
    return list(request.weekly_pattern)


def taken_slots(
    activity: Activity,
    school_year: SchoolYear,
    registration_period: RegistrationPeriod | None,
    *,
    excluding: int | None = None,
) -> Counter[places.Slot]:
    """The places taken in `activity` for a school year (per weekday) or a registration period (per day):
    accepted enrolments or bookings holding a place, and the offers in progress (but `excluding`'s)."""
    offered = EnrolmentRequest.objects.filter(
        town_id=activity.town_id, activity=activity, status=EnrolmentStatus.OFFERED
    )
    if excluding is not None:
        offered = offered.exclude(pk=excluding)
    if registration_period is None:
        enrolled = Enrollment.objects.filter(
            town_id=activity.town_id, activity=activity, school_year=school_year
        ).values_list("weekly_pattern", flat=True)
        offers = offered.filter(school_year=school_year, registration_period=None).values_list(
            "weekly_pattern", flat=True
        )
        return places.taken_slots([*enrolled, *offers])
    first, last = registration_period.first_day, registration_period.last_day
    booked = Booking.objects.filter(
        town_id=activity.town_id,
        activity=activity,
        date__gte=first,
        date__lte=last,
        state__in=STATES_HOLDING_A_PLACE,
    ).values_list("date", flat=True)
    taken: Counter[places.Slot] = Counter(booked)
    for days in offered.filter(registration_period__isnull=False).values_list("days", flat=True):
        taken.update(day for day in (datetime.date.fromisoformat(value) for value in set(days)) if first <= day <= last)
    return taken


def _candidates(requests: Iterable[EnrolmentRequest], rule: str) -> list["WaitingCandidate"]:
    requests = list(requests)
    with_sibling: set[int] = set()
    if rule == PriorityRule.SIBLINGS_FIRST and requests:
        # A brother or sister already enrolled in that activity and year.
        rows = Enrollment.objects.filter(
            town_id=requests[0].town_id,
            activity_id__in={request.activity_id for request in requests},
            child__family_id__in={request.family_id for request in requests},
        ).values_list("activity_id", "school_year_id", "child__family_id", "child_id")
        enrolled = {(activity, year, family): child for activity, year, family, child in rows}
        with_sibling = {
            request.pk
            for request in requests
            if enrolled.get((request.activity_id, request.school_year_id, request.family_id), request.child_id)
            != request.child_id
        }
    return [
        WaitingCandidate(
            pk=request.pk,
            waiting_since=request.waiting_since or request.created_at,
            has_sibling=request.pk in with_sibling,
            resident=request.family.resident,
            waiting_position=request.waiting_position,
            request=request,
        )
        for request in requests
    ]


@dataclass(frozen=True)
class WaitingCandidate(places.Candidate):
    request: EnrolmentRequest | None = None


def waiting_list(
    activity: Activity, school_year: SchoolYear, registration_period: RegistrationPeriod | None
) -> list[EnrolmentRequest]:
    """The `waiting` requests of one activity and period, in the list's order."""
    requests = (
        EnrolmentRequest.objects.filter(
            town_id=activity.town_id,
            activity=activity,
            school_year=school_year,
            registration_period=registration_period,
            status=EnrolmentStatus.WAITING,
        )
        .select_related("family", "child", "activity", "school_year", "registration_period")
        .order_by("pk")
    )
    rule = admission_settings(activity.town).priority_rule
    ordered = places.waiting_order(_candidates(requests, rule), rule)
    return [candidate.request for candidate in ordered if candidate.request is not None]


def ranks_of(requests: Sequence[EnrolmentRequest]) -> dict[int, int]:
    """The rank of each `waiting` request among `requests` (1-based), read list by list."""
    lists = {
        (request.activity_id, request.school_year_id, request.registration_period_id): request
        for request in requests
        if request.status == EnrolmentStatus.WAITING
    }
    result: dict[int, int] = {}
    for request in lists.values():
        ordered = waiting_list(request.activity, request.school_year, request.registration_period)
        result.update({item.pk: rank for rank, item in enumerate(ordered, start=1)})
    return result


def rank_of(request: EnrolmentRequest) -> int | None:
    """A `waiting` request's 1-based rank on its list; None for any other status."""
    return ranks_of([request]).get(request.pk)


def open_request_exists(
    child: Child, activity: Activity, school_year: SchoolYear, registration_period: RegistrationPeriod | None
) -> bool:
    return EnrolmentRequest.objects.filter(
        town_id=child.town_id,
        child=child,
        activity=activity,
        school_year=school_year,
        registration_period=registration_period,
        status__in=OPEN_STATUSES,
    ).exists()


def family_enrollments(family: Family, today: datetime.date) -> QuerySet[Enrollment]:
    """A family's enrolments in school years not over on `today`, by year then activity."""
    return (
        Enrollment.objects.filter(town_id=family.town_id, child__family=family, school_year__ends_on__gte=today)
        .select_related("activity", "school_year")
        .order_by("school_year__starts_on", "activity__label", "pk")
    )


def family_requests(family: Family) -> QuerySet[EnrolmentRequest]:
    """A family's requests, the newest first."""
    return (
        EnrolmentRequest.objects.filter(town_id=family.town_id, family=family)
        .select_related("child", "activity", "activity__site", "school_year", "registration_period", "town")
        .order_by("-created_at", "-pk")
    )


def pending_queue(town: Town, site_ids: Iterable[int] | None = None) -> QuerySet[EnrolmentRequest]:
    """Requests waiting for staff's decision, the oldest first (`site_ids`: only those sites)."""
    requests = EnrolmentRequest.objects.filter(town=town, status=EnrolmentStatus.PENDING)
    if site_ids is not None:
        requests = requests.filter(activity__site_id__in=list(site_ids))
    return requests.select_related(
        "family", "child", "activity", "activity__site", "school_year", "registration_period"
    ).order_by("created_at", "pk")


def waiting_lists(town: Town, site_ids: Iterable[int] | None = None) -> list[tuple[EnrolmentRequest, int]]:
    """One row per list with someone waiting or an offer in progress: (a request of the list, how many wait)."""
    requests = EnrolmentRequest.objects.filter(
        town=town, status__in=(EnrolmentStatus.WAITING, EnrolmentStatus.OFFERED)
    ).select_related("activity", "activity__site", "school_year", "registration_period")
    if site_ids is not None:
        requests = requests.filter(activity__site_id__in=list(site_ids))
    lists: dict[tuple[int, int, int | None], tuple[EnrolmentRequest, int]] = {}
    for request in requests.order_by("activity__site__name", "activity__label", "school_year__starts_on", "pk"):
        key = (request.activity_id, request.school_year_id, request.registration_period_id)
        first, count = lists.get(key, (request, 0))
        lists[key] = (first, count + (request.status == EnrolmentStatus.WAITING))
    return list(lists.values())


def offers_in_progress(
    activity: Activity, school_year: SchoolYear, registration_period: RegistrationPeriod | None
) -> QuerySet[EnrolmentRequest]:
    return (
        EnrolmentRequest.objects.filter(
            town_id=activity.town_id,
            activity=activity,
            school_year=school_year,
            registration_period=registration_period,
            status=EnrolmentStatus.OFFERED,
        )
        .select_related("child", "family")
        .order_by("offer_expires_at", "pk")
    )


def expired_offers(now: datetime.datetime) -> QuerySet[EnrolmentRequest]:
    return EnrolmentRequest.objects.filter(status=EnrolmentStatus.OFFERED).filter(
        Q(offer_expires_at__lte=now) | Q(offer_expires_at__isnull=True)
    )


def missing_documents(child: Child, activity: Activity, on: datetime.date) -> list[str]:
    """The documents the child still lacks for `activity` on `on` (none valid then), shown with a request: the
    booking door will ask for them once the child is enrolled."""
    return [document_type.label for document_type in missing_for(child, activity, on)]


def missing_documents_of(requests: Iterable[EnrolmentRequest], today: datetime.date) -> dict[int, list[str]]:
    """Request id → the documents its child still lacks for its activity on the first day it would come (today,
    or the school year's first day), for the open requests only: one look-up per child, not per request."""
    by_child: dict[int, list[EnrolmentRequest]] = {}
    for request in requests:
        if request.status in OPEN_STATUSES:
            by_child.setdefault(request.child_id, []).append(request)
    missing: dict[int, list[str]] = {}
    for child_requests in by_child.values():
        wanted = {item.pk: (item.activity_id, max(today, item.school_year.starts_on)) for item in child_requests}
        lacking = missing_by_change(child_requests[0].child, wanted.values())
        for request_id, key in wanted.items():
            if key in lacking:
                missing[request_id] = [document_type.label for document_type in lacking[key]]
    return missing
