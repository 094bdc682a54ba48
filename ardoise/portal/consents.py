"""The parents' "Autorisations" page: each consent of the town (per child where it concerns a child), its
text, the current answer, and giving or withdrawing it. `ConsentGate` brings a parent here before anything
else while the family has a current version to answer (new family, or a new version published)."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ardoise.consents import actions as consent_actions
from ardoise.consents import queries as consent_queries
from ardoise.consents.access import access_kind
from ardoise.families.access import access_child
from ardoise.families.models import Family
from ardoise.towns.access import family_of, parent_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.ids import parse_id

# Portal pages a parent reaches while consents await: this page itself; the account pages (logout,
# password) are outside the portal and never gated, nor is the API. The right of access (RGPD) is owed
# whatever the family consented to: "Mes données" and its downloads are never gated either.
UNGATED_PAGES = frozenset({"consents", "ical", "my_data", "my_data_json", "my_data_pdf"})


def _next_page(request: HttpRequest) -> str:
    """Where the parent was going when the gate stopped them (a page of this site), or ""."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return ""


@parent_required
@require_http_methods(["GET", "POST"])
def consents(request: AuthedRequest, family: Family) -> HttpResponse:
    if request.method == "POST":
        return _answer(request, family)
    lines = consent_queries.family_lines(family)
    awaiting = any(line.answer is None for line in lines)
    context = {
        "family_lines": [line for line in lines if line.child is None],
        "child_lines": [line for line in lines if line.child is not None],
        "awaiting": awaiting,
        "next": _next_page(request),
    }
    return render(request, "portal/consents.html", context)


def _answer(request: AuthedRequest, family: Family) -> HttpResponse:
    kind_id = parse_id(request.POST.get("kind"))
    given = request.POST.get("given")
    if kind_id is None or given not in ("oui", "non"):
        raise Http404
    kind = access_kind(request.town, kind_id)
    child = None
    if request.POST.get("child"):
        child_id = parse_id(request.POST["child"])
        if child_id is None:
            raise Http404
        child = access_child(family, child_id)
    try:
        consent_actions.answer(family, kind, child, given == "oui", by=request.user)
    except consent_actions.AnswerRefused as refusal:
        messages.error(request, str(refusal))
    else:
        who = child.first_name if child else _("la famille")
        if given == "oui":
            messages.success(request, _("« %(kind)s » : accordé pour %(who)s.") % {"kind": kind.label, "who": who})
        else:
            messages.success(request, _("« %(kind)s » : refusé pour %(who)s.") % {"kind": kind.label, "who": who})
    target = _next_page(request)
    if target and not consent_queries.awaiting(family):
        return redirect(target)
    url = reverse("portal:consents", args=[request.town.slug])
    return redirect(f"{url}?{urlencode({'next': target})}" if target else url)


class ConsentGate:
    """A parent whose family has consents to answer is taken to "Autorisations" from any portal page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or "portal" not in match.namespaces or match.url_name in UNGATED_PAGES:
            return None
        town = getattr(request, "town", None)
        if town is None or not request.user.is_authenticated:
            return None
        family = family_of(request.user)
        if family is None or family.town_id != town.pk or not consent_queries.awaiting(family):
            return None
        url = reverse("portal:consents", args=[town.slug])
        return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}" if request.method == "GET" else url)
