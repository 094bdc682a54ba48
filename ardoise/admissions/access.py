"""Who may reach which enrolment request: a family its own, staff their town's (a site agent: their sites);
and the town's registration periods and re-enrolment campaigns (staff, parents through their own pages).

Each answers 404 for anything outside the caller's reach (`towns.access.object_or_404`).
"""

from collections.abc import Iterable

from django.db.models import QuerySet

from ardoise.admissions.models import EnrolmentRequest, ReenrolmentCampaign, RegistrationPeriod
from ardoise.bookings.models import Enrollment
from ardoise.families.models import Family
from ardoise.towns.access import object_or_404
from ardoise.towns.models import Town


def _requests(town_id: int) -> QuerySet[EnrolmentRequest]:
    return EnrolmentRequest.objects.filter(town_id=town_id).select_related(
        "town", "family", "child", "activity", "activity__site", "school_year", "registration_period"
    )


def access_family_request(family: Family, request_id: int) -> EnrolmentRequest:
    """One of this family's requests, or 404."""
    return object_or_404(_requests(family.town_id).filter(family=family), pk=request_id)


def access_family_enrollment(family: Family, enrollment_id: int) -> Enrollment:
    """One of this family's children's enrolments, or 404."""
    enrollments = Enrollment.objects.filter(town_id=family.town_id, child__family=family).select_related(
        "town", "child", "activity", "school_year"
    )
    return object_or_404(enrollments, pk=enrollment_id)


def access_request(town: Town, request_id: int, site_ids: Iterable[int] | None = None) -> EnrolmentRequest:
    """A request of this town (`site_ids`: only at those sites), or 404."""
    requests = _requests(town.pk)
    if site_ids is not None:
        requests = requests.filter(activity__site_id__in=list(site_ids))
    return object_or_404(requests, pk=request_id)


def access_requests(town: Town, request_ids: Iterable[int]) -> list[EnrolmentRequest]:
    """The requests of this town among `request_ids` (others are left out, never reached)."""
    return list(_requests(town.pk).filter(pk__in=list(request_ids)).order_by("created_at", "pk"))


def access_registration_period(town: Town, period_id: object) -> RegistrationPeriod:
    """A registration period of this town (with its activity and site), or 404."""
    return object_or_404(
        RegistrationPeriod.objects.filter(town=town).select_related("activity", "activity__site"), pk=period_id
    )


def access_campaign(town: Town, campaign_id: int) -> ReenrolmentCampaign:
    """A re-enrolment campaign of this town, or 404."""
    return object_or_404(
        ReenrolmentCampaign.objects.filter(town=town).select_related("school_year", "town"), pk=campaign_id
    )
