"""The family's enrolments ("Inscriptions"): each child's enrolments and requests, the waiting-list rank, the
place offered with its deadline (Accepter / Refuser); asking for an enrolment; withdrawing a request.

Every write goes through `admissions.actions`; what they refuse is shown as is, the form kept as typed.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ardoise.admissions import actions, queries
from ardoise.admissions.access import access_family_enrollment, access_family_request
from ardoise.admissions.forms import EnrolmentRequestForm, open_school_years
from ardoise.admissions.models import OPEN_STATUSES, EnrolmentRequest, EnrolmentStatus
from ardoise.admissions.wording import pattern_label, period_label, rank_label
from ardoise.bookings.models import Enrollment
from ardoise.families.models import Child, Family
from ardoise.towns.access import parent_required
from ardoise.towns.http import AuthedRequest


@dataclass(frozen=True)
class RequestRow:
    request: EnrolmentRequest
    period: str
    pattern: str
    rank: str
    is_open: bool
    # The supporting documents still missing for the activity (an open request only).
    missing_documents: list[str] = field(default_factory=list)


@dataclass
class ChildEnrolments:
    child: Child
    enrollments: list[tuple[Enrollment, str]] = field(default_factory=list)
    offers: list[RequestRow] = field(default_factory=list)
    requests: list[RequestRow] = field(default_factory=list)


def _url(request: AuthedRequest) -> str:
    return reverse("portal:enrolments", args=[request.town.slug])


@parent_required
def enrolments(request: AuthedRequest, family: Family) -> HttpResponse:
    today = timezone.localdate()
    children = {
        child.pk: ChildEnrolments(child)
        for child in Child.objects.filter(town_id=family.town_id, family=family).order_by("birth_date", "pk")
    }
    for enrollment in queries.family_enrollments(family, today):
        children[enrollment.child_id].enrollments.append((enrollment, pattern_label(list(enrollment.weekly_pattern))))
    requests = list(queries.family_requests(family))
    ranks = queries.ranks_of(requests)
    missing = queries.missing_documents_of(requests, today)
    for item in requests:
        row = RequestRow(
            item,
            period_label(item),
            pattern_label(list(item.weekly_pattern)),
            rank_label(ranks.get(item.pk)),
            item.status in OPEN_STATUSES,
            missing.get(item.pk, []),
        )
        target = children[item.child_id]
        (target.offers if item.status == EnrolmentStatus.OFFERED else target.requests).append(row)
    return render(request, "portal/enrolments/list.html", {"children": list(children.values())})


@parent_required
@require_http_methods(["GET", "POST"])
def enrolment_new(request: AuthedRequest, family: Family) -> HttpResponse:
    today = timezone.localdate()
    years = open_school_years(family, today)
    initial = {"school_year": years[0].pk} if years else {}
    form = EnrolmentRequestForm(request.POST or None, family=family, today=today, initial=initial)
    child: Child | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        child = data["child"]
        try:
            created = actions.request_enrolment(
                data["child"],
                data["activity"],
                school_year=data["school_year"],
                weekly_pattern=data["weekly_pattern"],
                comment=data["comment"],
                actor=request.user,
            )
        except actions.AdmissionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _submitted_message(created))
            return redirect(_url(request))
    missing = []
    if form.is_bound and form.is_valid():
        missing = queries.missing_documents(form.cleaned_data["child"], form.cleaned_data["activity"], today)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "missing_documents": missing, "child": child, "has_years": bool(years)}
    return render(request, "portal/enrolments/new.html", context, status=status)


def _submitted_message(created: EnrolmentRequest) -> str:
    names = {"child": created.child.first_name, "activity": created.activity.label}
    if created.status == EnrolmentStatus.ACCEPTED:
        return _("%(child)s est inscrit(e) à %(activity)s.") % names
    if created.status == EnrolmentStatus.WAITING:
        rank = queries.rank_of(created)
        return _("%(activity)s est complet : %(child)s est sur la liste d'attente (%(rank)s).") % {
            **names,
            "rank": rank_label(rank),
        }
    return _("Votre demande d'inscription de %(child)s à %(activity)s est envoyée au service.") % names


@parent_required
@require_POST
def offer_accept(request: AuthedRequest, family: Family, request_id: int) -> HttpResponse:
    item = access_family_request(family, request_id)
    try:
        actions.accept_offer(item, actor=request.user)
    except actions.AdmissionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("%(child)s est inscrit(e) à %(activity)s.")
            % {"child": item.child.first_name, "activity": item.activity.label},
        )
    return redirect(_url(request))


@parent_required
@require_POST
def request_withdraw(request: AuthedRequest, family: Family, request_id: int) -> HttpResponse:
    """Withdraw a request, or decline the place offered."""
    item = access_family_request(family, request_id)
    declined = item.status == EnrolmentStatus.OFFERED
    try:
        actions.withdraw_request(item, actor=request.user)
    except actions.AdmissionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Place refusée.") if declined else _("Demande retirée."))
    return redirect(_url(request))


@parent_required
@require_http_methods(["GET", "POST"])
def enrollment_cancel(request: AuthedRequest, family: Family, enrollment_id: int) -> HttpResponse:
    """ "Se désinscrire": a confirmation page saying what it does, then the withdrawal (the freed place is offered
    to the next family on the waiting list)."""
    enrollment = access_family_enrollment(family, enrollment_id)
    if request.method == "POST":
        try:
            cancelled = actions.withdraw_own_enrolment(enrollment, actor=request.user)
        except actions.AdmissionRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _("%(child)s est désinscrit(e) de %(activity)s (%(count)s jour(s) réservé(s) annulé(s)).")
                % {"child": enrollment.child.first_name, "activity": enrollment.activity.label, "count": cancelled},
            )
        return redirect(_url(request))
    return render(request, "portal/enrolments/cancel.html", {"enrollment": enrollment})


urlpatterns = [
    path("", enrolments, name="enrolments"),
    path("demander/", enrolment_new, name="enrolment_new"),
    path("<int:request_id>/accepter/", offer_accept, name="enrolment_offer_accept"),
    path("<int:request_id>/retirer/", request_withdraw, name="enrolment_withdraw"),
    path("inscrit/<int:enrollment_id>/desinscrire/", enrollment_cancel, name="enrollment_cancel"),
]
