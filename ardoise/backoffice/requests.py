"""The queue of what waits for staff: booking requests, absences to check,
record changes (old → new values). Accept or refuse one or many at once.

The list is built with a fixed number of queries whatever its length; the
decisions go through `bookings.decisions` (atomic, audited, idempotent).
"""

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from ardoise.backoffice.decision_forms import SelectionDecisionForm, refusal_reason
from ardoise.bookings import decisions
from ardoise.bookings.models import Absence, Request, RequestKind, RequestStatus
from ardoise.bookings.uploads import sniff
from ardoise.families.models import Guardian
from ardoise.portal.requests import Change, describe_changes, record_subject
from ardoise.towns.access import staff_required
from ardoise.towns.models import Role, Site

PAGE_SIZE = 50
ROLES = (Role.FRONT_DESK,)  # and the administrator, always


class QueueFilters(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"), required=False, choices=[("", gettext_lazy("Tous")), *RequestKind.choices]
    )
    site = forms.TypedChoiceField(label=gettext_lazy("École"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=gettext_lazy("Statut"),
        required=False,
        choices=[*RequestStatus.choices, ("all", gettext_lazy("Toutes"))],
    )

    def __init__(self, data: QueryDict, *, sites: list[Site]) -> None:
        super().__init__(data)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.TypedChoiceField)
        site_field.choices = [("", _("Toutes"))] + [(str(site.pk), site.name) for site in sites]

    def value(self, name: str) -> Any:
        """The filter's value, or its default when missing or invalid (a filter never fails the page)."""
        if self.is_valid():
            return self.cleaned_data[name]
        return self.cleaned_data.get(name) if name not in self.errors else None

    def query_string(self) -> str:
        """The filters as a query string, to come back to the same view after a decision."""
        query = QueryDict(mutable=True)
        for name in ("kind", "site", "status"):
            value = self.value(name)
            if value:
                query[name] = str(value)
        return query.urlencode()


class DecisionForm(SelectionDecisionForm):
    selection = "request"
    nothing_selected = gettext_lazy("Sélectionnez au moins une demande.")
    reason = refusal_reason(decisions.MAX_REASON)
    override_capacity = forms.BooleanField(label=gettext_lazy("Dépasser la capacité"), required=False)
    back = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)


@dataclass
class Row:
    request: Request
    subject: str
    site: str = ""
    changes: list[Change] = field(default_factory=list)
    absence: Absence | None = None


def rows_of(items: list[Request], guardians: dict[int, Guardian]) -> list[Row]:
    rows = []
    for item in items:
        site = item.child.site.name if item.child else ""
        if item.kind == RequestKind.RECORD_CHANGE:
            subject = record_subject(item, guardians)
            if item.target == "child" and item.child:
                subject = _("Enfant : %(name)s") % {"name": item.child.full_name}
            rows.append(Row(item, subject, site, describe_changes(item.target, item.changes)))
            continue
        booking = item.booking
        subject = f"{item.child.full_name if item.child else ''}"
        if booking is not None:
            subject = f"{subject} · {booking.activity.label}"
        absence = getattr(booking, "absence", None) if booking is not None else None
        rows.append(Row(item, subject, site, absence=absence))
    return rows


def _queue(request: HttpRequest, data: QueryDict) -> dict[str, Any]:
    town = request.town  # type: ignore[attr-defined]
    sites = list(Site.objects.filter(town=town))
    filters = QueueFilters(data, sites=sites)
    found = Request.objects.filter(town=town).select_related(
        "family", "child__site", "booking__activity", "booking__absence__reason"
    )
    status = filters.value("status") or RequestStatus.PENDING
    if status != "all":
        found = found.filter(status=status)
    if kind := filters.value("kind"):
        found = found.filter(kind=kind)
    if site := filters.value("site"):
        found = found.filter(child__site_id=site)
    # The oldest waiting first: it has waited longest.
    ordering = ("created_at", "pk") if status == RequestStatus.PENDING else ("-created_at", "-pk")
    page = Paginator(found.order_by(*ordering), PAGE_SIZE).get_page(data.get("page"))
    items = list(page.object_list)
    guardian_ids = {item.target_id for item in items if item.target == "guardian" and item.target_id}
    guardians = {g.pk: g for g in Guardian.objects.filter(town=town, pk__in=guardian_ids)} if guardian_ids else {}
    return {
        "filters": filters,
        "status": status,
        "rows": rows_of(items, guardians),
        "page": page,
        "back": filters.query_string(),
    }


@staff_required(*ROLES)
@require_GET
def request_queue(request: HttpRequest) -> HttpResponse:
    context = _queue(request, request.GET)
    context["form"] = DecisionForm(initial={"back": context["back"]})
    return render(request, "backoffice/requests.html", context)


def _back_to_queue(request: HttpRequest, back: str) -> HttpResponse:
    url = reverse("backoffice:requests", args=[request.town.slug])  # type: ignore[attr-defined]
    # Only the filters are kept from what the form sends back.
    kept = QueueFilters(QueryDict(back), sites=list(Site.objects.filter(town=request.town))).query_string()  # type: ignore[attr-defined]
    return redirect(f"{url}?{kept}" if kept else url)


@staff_required(*ROLES)
@require_POST
def request_decide(request: HttpRequest) -> HttpResponse:
    form = DecisionForm(request.POST)
    problems: list[decisions.Problem] = []
    over_capacity = False
    if form.is_valid():
        ids = form.cleaned_data["selected"]
        base_url = request.build_absolute_uri("/")
        try:
            if form.cleaned_data["decision"] == "accept":
                decided = decisions.accept_requests(
                    request.town,  # type: ignore[attr-defined]
                    ids,
                    actor=request.user,  # type: ignore[arg-type]
                    base_url=base_url,
                    override_capacity=form.cleaned_data["override_capacity"],
                )
                text = ngettext("%(count)d demande acceptée.", "%(count)d demandes acceptées.", len(decided))
            else:
                decided = decisions.refuse_requests(
                    request.town,  # type: ignore[attr-defined]
                    ids,
                    actor=request.user,  # type: ignore[arg-type]
                    reason=form.cleaned_data["reason"],
                    base_url=base_url,
                )
                text = ngettext("%(count)d demande refusée.", "%(count)d demandes refusées.", len(decided))
        except decisions.DecisionRefused as refused:
            problems = refused.problems
            over_capacity = refused.over_capacity
        else:
            messages.success(request, text % {"count": len(decided)})
            return _back_to_queue(request, form.cleaned_data["back"])
    context = _queue(request, QueryDict(form.data.get("back", "")))
    selected = set(form.data.getlist("request"))
    context.update(form=form, problems=problems, over_capacity=over_capacity, selected=selected)
    return render(request, "backoffice/requests.html", context, status=422)


@staff_required(*ROLES)
@require_GET
def absence_document(request: HttpRequest, absence_id: int) -> HttpResponse:
    """An absence's uploaded document, to staff who decide on absences only (never a public URL)."""
    absence = Absence.objects.filter(town=request.town, pk=absence_id).first()  # type: ignore[attr-defined]
    if absence is None or not absence.document:
        raise Http404
    try:
        handle = absence.document.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    head = handle.read(16)
    handle.seek(0)
    kind = sniff(head)
    name = PurePath(absence.document.name).name
    # Never a type guessed from the name: a file that is not a checked PDF or
    # image is only offered for download.
    content_type = kind.content_type if kind else "application/octet-stream"
    response = FileResponse(handle, content_type=content_type, as_attachment=kind is None, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
