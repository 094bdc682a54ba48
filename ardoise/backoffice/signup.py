"""Staff's side of online sign-up: the queue of new families, their files, the incomplete files, the switch.

"Nouvelles familles" lists the files waiting for a decision, each with its
possible duplicates; staff accept or refuse them one by one (the file's page)
or ticked in bulk (the list), refusing with a reason (`signup.actions.decide`).
"Dossiers incomplets" lists accepted families whose file lacks something, with
a CSV export. The administrator opens or closes sign-up on the configuration page.
"""

from collections.abc import Sequence

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ardoise.families.access import access_family
from ardoise.families.models import Child, FileStatus, Guardian
from ardoise.signup import actions
from ardoise.signup.duplicates import possible_duplicates
from ardoise.signup.queries import IncompleteFile, incomplete_families, waiting_families
from ardoise.towns import spreadsheets
from ardoise.towns.access import staff_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.ids import parse_id
from ardoise.towns.models import Role


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif du refus (envoyé à la famille)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _decide(request: AuthedRequest, family_ids: Sequence[int]) -> bool:
    """Apply the posted decision ("accept" or "refuse") to `family_ids`; says how it went in a message."""
    form = DecisionForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    accept = request.POST.get("decision") == "accept"
    try:
        decided = actions.decide(
            request.town,
            family_ids,
            accept=accept,
            reason=reason,
            actor=request.user,
            base_url=request.build_absolute_uri("/"),
        )
    except actions.SignupRefused as refused:
        messages.error(request, refused.message)
        return False
    if accept:
        text = ngettext("%(n)d dossier accepté.", "%(n)d dossiers acceptés.", len(decided))
    else:
        text = ngettext("%(n)d dossier refusé.", "%(n)d dossiers refusés.", len(decided))
    messages.success(request, text % {"n": len(decided)} + " " + _("Chaque famille est prévenue par e-mail."))
    return True


@staff_required(Role.FRONT_DESK)
@require_http_methods(["GET", "POST"])
def signup_queue(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        ids = [family_id for value in request.POST.getlist("family") if (family_id := parse_id(value)) is not None]
        _decide(request, ids)
        return redirect("backoffice:signup_queue", request.town.slug)
    families = list(waiting_families(request.town))
    rows = [(family, possible_duplicates(family)) for family in families]
    return render(request, "backoffice/signup/queue.html", {"rows": rows, "form": DecisionForm()})


@staff_required(Role.FRONT_DESK)
@require_http_methods(["GET", "POST"])
def signup_family(request: AuthedRequest, family_id: int) -> HttpResponse:
    family = access_family(request.town, family_id)
    if request.method == "POST":
        if _decide(request, [family.pk]):
            return redirect("backoffice:signup_queue", request.town.slug)
        return redirect("backoffice:signup_family", request.town.slug, family.pk)
    context = {
        "family": family,
        "guardians": list(Guardian.objects.filter(town=request.town, family=family)),
        "children": list(
            Child.objects.filter(town=request.town, family=family)
            .select_related("site")
            .prefetch_related("authorised_people")
        ),
        "duplicates": possible_duplicates(family),
        "missing": actions.missing(family),
        "waiting": family.file_status == FileStatus.SUBMITTED,
        "form": DecisionForm(),
    }
    return render(request, "backoffice/signup/family.html", context)


INCOMPLETE_HEADER = ["n_famille", "nom", "courriel", "telephone", "manque"]


def _incomplete_rows(found: list[IncompleteFile]) -> list[list[str]]:
    rows = []
    for item in found:
        guardians = list(item.family.guardians.all())
        rows.append(
            [
                item.family.number,
                item.family.name,
                next((guardian.email for guardian in guardians if guardian.email), ""),
                next((guardian.phone for guardian in guardians if guardian.phone), ""),
                ", ".join(item.missing),
            ]
        )
    return rows


@staff_required(Role.FRONT_DESK)
@require_GET
def signup_incomplete(request: AuthedRequest) -> HttpResponse:
    found = incomplete_families(request.town)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="dossiers-incomplets.csv"'
        writer = spreadsheets.csv_writer(response, delimiter=";")
        writer.writerow(INCOMPLETE_HEADER)
        for row in _incomplete_rows(found):
            writer.writerow(row)
        return response
    return render(request, "backoffice/signup/incomplete.html", {"found": found})


@staff_required(Role.ADMIN)
@require_POST
def signup_settings(request: AuthedRequest) -> HttpResponse:
    open_ = request.POST.get("signup_open") == "1"
    actions.set_signup_open(request.town, open_, actor=request.user)
    if open_:
        messages.success(request, _("L'inscription en ligne est ouverte : le lien apparaît sur la page de connexion."))
    else:
        messages.success(request, _("L'inscription en ligne est fermée."))
    return redirect("backoffice:config", request.town.slug)
