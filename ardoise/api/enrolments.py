"""API v1: the family's enrolment requests (list with status, reason, waiting-list rank and the offer's
deadline; create; accept the place offered; withdraw or decline).

A router attached to `api` (api.py): bearer authentication and exception handlers shared; another family's
or town's ids answer 404. Refusals of the rules are 409 with the French `detail` of `AdmissionRefused`.
"""

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from ardoise.activities.models import Activity
from ardoise.admissions import actions, queries
from ardoise.admissions.access import access_family_enrollment, access_family_request
from ardoise.admissions.models import EnrolmentRequest
from ardoise.api.schemas import Id
from ardoise.calendars.models import SchoolYear
from ardoise.families.access import access_child
from ardoise.families.models import Family
from ardoise.towns.access import family_of

router = Router(tags=["inscriptions"])


class EnrolmentRequestOut(Schema):
    id: int
    child_id: int
    activity_id: int
    school_year: int
    registration_period_id: int | None
    weekly_pattern: list[int]
    days: list[datetime.date]
    status: str
    reason: str
    rank: int | None
    offer_expires_at: datetime.datetime | None
    created_at: datetime.datetime
    decided_at: datetime.datetime | None


class EnrolmentRequestIn(Schema):
    model_config = ConfigDict(extra="forbid")

    child_id: Id
    activity_id: Id
    # The year the school year starts (2026 for 2026–2027), as `statement?school_year=`.
    school_year: int = Field(ge=2000, le=2100)
    weekly_pattern: list[int] = Field(default_factory=list, max_length=7)
    comment: str = Field(default="", max_length=2000)


class ErrorOut(Schema):
    detail: str


def _family(request: HttpRequest) -> Family:
    family = family_of(request.auth)  # type: ignore[attr-defined]
    if family is None:
        raise Http404
    return family


def _out(item: EnrolmentRequest, rank: int | None) -> dict[str, Any]:
    local = timezone.localtime
    return {
        "id": item.pk,
        "child_id": item.child_id,
        "activity_id": item.activity_id,
        "school_year": item.school_year.start_year,
        "registration_period_id": item.registration_period_id,
        "weekly_pattern": list(item.weekly_pattern),
        "days": [datetime.date.fromisoformat(day) for day in item.days],
        "status": item.status,
        "reason": item.reason,
        "rank": rank,
        "offer_expires_at": local(item.offer_expires_at) if item.offer_expires_at else None,
        "created_at": local(item.created_at),
        "decided_at": local(item.decided_at) if item.decided_at else None,
    }


@router.get(
    "enrolment-requests",
    response=list[EnrolmentRequestOut],
    summary="Les demandes d'inscription de la famille, avec le rang sur la liste d'attente",
)
def list_enrolment_requests(request: HttpRequest) -> Any:
    requests = list(queries.family_requests(_family(request)))
    ranks = queries.ranks_of(requests)
    return [_out(item, ranks.get(item.pk)) for item in requests]


@router.post(
    "enrolment-requests",
    response={201: EnrolmentRequestOut, 409: ErrorOut, 422: ErrorOut},
    summary="Demander l'inscription d'un enfant à une activité pour une année scolaire",
)
def create_enrolment_request(request: HttpRequest, payload: EnrolmentRequestIn) -> Any:
    family = _family(request)
    child = access_child(family, payload.child_id)
    activity = Activity.objects.filter(town_id=family.town_id, pk=payload.activity_id).first()
    if activity is None:
        return Status(422, {"detail": _("Activité inconnue.")})
    year = SchoolYear.objects.filter(town_id=family.town_id, start_year=payload.school_year).first()
    if year is None:
        return Status(422, {"detail": _("Année scolaire inconnue.")})
    if any(not 0 <= day <= 6 for day in payload.weekly_pattern):
        return Status(422, {"detail": _("Les jours doivent aller de 0 (lundi) à 6 (dimanche).")})
    try:
        created = actions.request_enrolment(
            child,
            activity,
            school_year=year,
            weekly_pattern=payload.weekly_pattern,
            comment=payload.comment,
            actor=request.auth,  # type: ignore[attr-defined]
        )
    except actions.AdmissionRefused as refused:
        return Status(409, {"detail": refused.message})
    return Status(201, _out(created, queries.rank_of(created)))


@router.post(
    "enrolment-requests/{request_id}/accept-offer",
    response={200: EnrolmentRequestOut, 409: ErrorOut},
    summary="Accepter la place proposée (avant son échéance)",
)
def accept_offer(request: HttpRequest, request_id: Id) -> Any:
    item = access_family_request(_family(request), request_id)
    try:
        accepted = actions.accept_offer(item, actor=request.auth)  # type: ignore[attr-defined]
    except actions.AdmissionRefused as refused:
        return Status(409, {"detail": refused.message})
    return Status(200, _out(accepted, None))


@router.post(
    "enrolment-requests/{request_id}/withdraw",
    response={200: EnrolmentRequestOut, 409: ErrorOut},
    summary="Retirer une demande en cours, ou refuser la place proposée",
)
def withdraw(request: HttpRequest, request_id: Id) -> Any:
    family = _family(request)
    item = access_family_request(family, request_id)
    try:
        actions.withdraw_request(item, actor=request.auth)  # type: ignore[attr-defined]
    except actions.AdmissionRefused as refused:
        return Status(409, {"detail": refused.message})
    return Status(200, _out(access_family_request(family, request_id), None))


class EnrollmentOut(Schema):
    id: int
    child_id: int
    activity_id: int
    # The year the school year starts (2026 for 2026–2027), as in `statement`.
    school_year: int
    weekly_pattern: list[int]


@router.get(
    "enrollments",
    response=list[EnrollmentOut],
    summary="Les inscriptions de la famille pour les années scolaires en cours et à venir",
)
def list_enrollments(request: HttpRequest) -> Any:
    return [
        {
            "id": enrollment.pk,
            "child_id": enrollment.child_id,
            "activity_id": enrollment.activity_id,
            "school_year": enrollment.school_year.start_year,
            "weekly_pattern": list(enrollment.weekly_pattern),
        }
        for enrollment in queries.family_enrollments(_family(request), timezone.localdate())
    ]


class EnrollmentWithdrawnOut(Schema):
    # How many coming booked days were cancelled.
    cancelled_bookings: int


@router.post(
    "enrollments/{enrollment_id}/withdraw",
    response={200: EnrollmentWithdrawnOut, 409: ErrorOut},
    summary="Désinscrire un enfant d'une activité (les jours réservés à venir sont annulés, la place est proposée)",
)
def withdraw_enrollment(request: HttpRequest, enrollment_id: Id) -> Any:
    enrollment = access_family_enrollment(_family(request), enrollment_id)
    try:
        cancelled = actions.withdraw_own_enrolment(enrollment, actor=request.auth)  # type: ignore[attr-defined]
    except actions.AdmissionRefused as refused:
        return Status(409, {"detail": refused.message})
    return Status(200, {"cancelled_bookings": cancelled})
