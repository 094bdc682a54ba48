"""Staff's enrolment pages: the queue "Demandes d'inscription" (pending, with the places left; accept or refuse
one by one or ticked in bulk, a reason required to refuse) and "Listes d'attente" (per activity and period, in
order, with each one's rank and since when, the offers in progress with their deadline; the administrator
reorders them). Front desk and administrators decide; site agents read their sites' lists.
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ardoise.admissions import actions, places, queries
from ardoise.admissions.access import access_request, access_requests
from ardoise.admissions.models import EnrolmentRequest
from ardoise.admissions.wording import pattern_label, period_label
from ardoise.towns.access import roles_of, site_ids_of, staff_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Role

DECIDERS = (Role.FRONT_DESK, Role.ADMIN)
READERS = (Role.FRONT_DESK, Role.ADMIN, Role.SITE_AGENT)


class DecideForm(forms.Form):
    request = forms.TypedMultipleChoiceField(coerce=int, choices=[], required=True)
    decision = forms.ChoiceField(choices=[("accept", "accept"), ("refuse", "refuse")])
    reason = forms.CharField(label=gettext_lazy("Motif du refus"), max_length=300, required=False)

    def __init__(self, *args: object, ids: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["request"].choices = [(pk, pk) for pk in ids]  # type: ignore[attr-defined]
        self.fields["request"].error_messages["required"] = _("Cochez au moins une demande.")


@dataclass(frozen=True)
class QueueRow:
    request: EnrolmentRequest
    period: str
    pattern: str
    places_left: int | None


def _site_ids(request: AuthedRequest) -> set[int] | None:
    """None for every site (front desk, administrator); a site agent's own sites otherwise."""
    if roles_of(request.user, request.town).intersection({Role.ADMIN, Role.FRONT_DESK}):
        return None
    return site_ids_of(request.user, request.town)


def _queue_rows(requests: list[EnrolmentRequest]) -> list[QueueRow]:
    rows = []
    for item in requests:
        taken = queries.taken_slots(item.activity, item.school_year, item.registration_period)
        needed = queries.needed_slots(item)
        rows.append(
            QueueRow(
                item,
                period_label(item),
                pattern_label(list(item.weekly_pattern)),
                places.places_left(needed, taken, item.activity.capacity),
            )
        )
    return rows


def _queue(request: AuthedRequest, form: DecideForm | None = None, status: int = 200) -> HttpResponse:
    requests = list(queries.pending_queue(request.town, _site_ids(request)))
    context = {
        "rows": _queue_rows(requests),
        "form": form,
        "may_decide": bool(roles_of(request.user, request.town).intersection(DECIDERS)),
    }
    return render(request, "backoffice/enrolments/queue.html", context, status=status)


@require_GET
@staff_required(*READERS)
def enrolment_queue(request: AuthedRequest) -> HttpResponse:
    return _queue(request)


@require_POST
@staff_required(*DECIDERS)
def enrolment_decide(request: AuthedRequest) -> HttpResponse:
    ids = [item.pk for item in queries.pending_queue(request.town)]
    form = DecideForm(request.POST, ids=ids)
    if not form.is_valid():
        return _queue(request, form, status=422)
    chosen = access_requests(request.town, form.cleaned_data["request"])
    try:
        if form.cleaned_data["decision"] == "accept":
            decision = actions.accept_requests(chosen, actor=request.user)
        else:
            decision = actions.refuse_requests(chosen, form.cleaned_data["reason"], actor=request.user)
    except actions.AdmissionRefused as refused:
        form.add_error("reason", refused.message)
        return _queue(request, form, status=422)
    if decision.accepted:
        messages.success(request, _("%(n)d demande(s) acceptée(s).") % {"n": len(decision.accepted)})
    if decision.refused:
        messages.success(request, _("%(n)d demande(s) refusée(s).") % {"n": len(decision.refused)})
    for item in decision.waiting:
        messages.warning(
            request,
            _("Plus de place pour %(child)s en %(activity)s : la demande est passée sur la liste d'attente.")
            % {"child": item.child.full_name, "activity": item.activity.label},
        )
    for item, message in decision.failed:
        messages.error(request, f"{item.child.full_name} : {message}")
    return redirect(reverse("backoffice:enrolments", args=[request.town.slug]))


@dataclass(frozen=True)
class WaitingList:
    key: str
    activity_label: str
    site: str
    period: str
    waiting: list[EnrolmentRequest]
    offers: list[EnrolmentRequest]


@require_GET
@staff_required(*READERS)
def waiting_lists(request: AuthedRequest) -> HttpResponse:
    lists = []
    for first, _count in queries.waiting_lists(request.town, _site_ids(request)):
        activity, year, period = first.activity, first.school_year, first.registration_period
        lists.append(
            WaitingList(
                key=f"{activity.pk}-{year.pk}-{period.pk if period else 0}",
                activity_label=activity.label,
                site=activity.site.name,
                period=period_label(first),
                waiting=queries.waiting_list(activity, year, period),
                offers=list(queries.offers_in_progress(activity, year, period)),
            )
        )
    context = {"lists": lists, "may_reorder": Role.ADMIN in roles_of(request.user, request.town)}
    return render(request, "backoffice/enrolments/waiting_lists.html", context)


@require_POST
@staff_required(Role.ADMIN)
def waiting_move(request: AuthedRequest, request_id: int) -> HttpResponse:
    item = access_request(request.town, request_id)
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        messages.error(request, _("Indiquez un rang (un nombre)."))
    else:
        try:
            actions.move_on_waiting_list(item, position, actor=request.user)
        except actions.AdmissionRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(request, _("Liste d'attente réordonnée."))
    return redirect(reverse("backoffice:waiting_lists", args=[request.town.slug]))


urlpatterns = [
    path("", enrolment_queue, name="enrolments"),
    path("decider/", enrolment_decide, name="enrolments_decide"),
    path("listes-d-attente/", waiting_lists, name="waiting_lists"),
    path("listes-d-attente/<int:request_id>/rang/", waiting_move, name="waiting_move"),
]
