"""Staff pages of consents: the list "Autorisations" (counts per kind, the families' answers, CSV export)
and the administrator's configuration (create or change a kind, publish a new version of its text)."""

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ardoise.activities.models import Activity
from ardoise.audit import actions as audit
from ardoise.backoffice.exports import spreadsheet_response
from ardoise.backoffice.families import RECORD_KEEPERS
from ardoise.calendars.wording import date_fr
from ardoise.consents import actions as consent_actions
from ardoise.consents import queries as consent_queries
from ardoise.consents.access import access_kind
from ardoise.consents.actions import KIND_FIELDS
from ardoise.consents.models import Concerns, ConsentKind
from ardoise.towns.access import roles_of, staff_required
from ardoise.towns.actions import ConfigurationRefused
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Role, Town

admin_required = staff_required(Role.ADMIN)


class ActivityChoices(forms.ModelMultipleChoiceField[Activity]):
    """Activities named with their school: two schools may each have a "Mercredi"."""

    def label_from_instance(self, obj: Activity) -> str:
        return f"{obj.label} ({obj.site.name})"


class ConsentKindForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Libellé"), max_length=200)
    code = forms.SlugField(
        label=gettext_lazy("Code"), max_length=50, help_text=gettext_lazy("Pour l'API : lettres, chiffres et tirets.")
    )
    short_label = forms.CharField(
        label=gettext_lazy("Libellé court"),
        max_length=40,
        help_text=gettext_lazy("Sur les feuilles d'appel : « Photo » donne « Photo : non »."),
    )
    text = forms.CharField(label=gettext_lazy("Texte présenté aux familles"), widget=forms.Textarea, max_length=20000)
    concerns = forms.ChoiceField(label=gettext_lazy("Concerne"), choices=Concerns.choices)
    on_roll_call = forms.BooleanField(label=gettext_lazy("Afficher un refus sur les feuilles d'appel"), required=False)
    needed_by = ActivityChoices(
        label=gettext_lazy("Nécessaire pour réserver"),
        queryset=Activity.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    position = forms.IntegerField(label=gettext_lazy("Ordre"), min_value=0, max_value=1000, initial=0)
    active = forms.BooleanField(label=gettext_lazy("Demandée aux familles"), required=False, initial=True)

    def __init__(self, *args: Any, town: Town, kind: ConsentKind | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        needed_by: ActivityChoices = self.fields["needed_by"]  # type: ignore[assignment]
        needed_by.queryset = Activity.objects.filter(town=town).select_related("site").order_by("site", "label")
        if kind is not None:
            # A change of text that families must see again is a new version ("Publier une nouvelle version").
            del self.fields["text"]


class PublishForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Nouveau texte"), widget=forms.Textarea, max_length=20000)


@staff_required(*RECORD_KEEPERS)
@require_GET
def consent_list(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "backoffice/consents.html",
        {
            "counts": consent_queries.town_counts(request.town),
            "is_admin": Role.ADMIN in roles_of(request.user, request.town),
        },
    )


@staff_required(*RECORD_KEEPERS)
@require_GET
def consent_answers(request: AuthedRequest, kind_id: int) -> HttpResponse:
    kind = access_kind(request.town, kind_id)
    lines = consent_queries.town_answers(request.town, kind)
    given, refused, unanswered = consent_queries.count(lines)
    context = {"kind": kind, "lines": lines, "given": given, "refused": refused, "unanswered": unanswered}
    return render(request, "backoffice/consent_answers.html", context)


@staff_required(*RECORD_KEEPERS)
@require_GET
def consent_answers_csv(request: AuthedRequest, kind_id: int) -> HttpResponse:
    kind = access_kind(request.town, kind_id)
    lines = consent_queries.town_answers(request.town, kind)
    audit.record(request.town, request.user, "export.consents", kind, summary=f"Export des réponses : {kind.label}")
    header = [
        _("N° famille"),
        _("Famille"),
        _("Enfant"),
        _("Réponse"),
        _("Version"),
        _("Répondu le"),
        _("Par"),
    ]
    return spreadsheet_response("csv", header, _rows(lines), f"autorisation-{kind.code}-v{kind.version}", kind.label)


def _rows(lines: list[consent_queries.Line]) -> Iterator[list[Any]]:
    for line in lines:
        assert line.family is not None
        answer = line.answer
        yield [
            line.family.number,
            line.family.name,
            line.child.full_name if line.child else "",
            (_("oui") if answer.given else _("non")) if answer else _("sans réponse"),
            line.kind.version,
            date_fr(answer.answered_at, "d/m/Y H:i") if answer else "",
            answer.answered_by.get_full_name() if answer and answer.answered_by else "",
        ]


@admin_required
@require_http_methods(["GET", "POST"])
def consent_kind_edit(request: AuthedRequest, kind_id: int | None = None) -> HttpResponse:
    town = request.town
    kind = access_kind(town, kind_id) if kind_id is not None else None
    initial = (
        {name: getattr(kind, name) for name in KIND_FIELDS} | {"needed_by": list(kind.needed_by.all())}
        if kind
        else None
    )
    form = ConsentKindForm(request.POST or None, initial=initial, town=town, kind=kind)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data | ({"text": kind.text} if kind else {})
        try:
            consent_actions.save_kind(
                town, request.user, kind, values, list(values["needed_by"]), today=timezone.localdate()
            )
        except ConfigurationRefused as refusal:
            form.add_error("code", str(refusal))
        else:
            messages.success(request, _("L'autorisation est enregistrée."))
            return redirect("backoffice:consents", town.slug)
    title = _("Modifier l'autorisation %(name)s") % {"name": kind.label} if kind else _("Nouvelle autorisation")
    notice = (
        _(
            "Pour changer le texte, publiez une nouvelle version : chaque famille devra répondre de nouveau. "
            "Les autres changements ne redemandent rien aux familles."
        )
        if kind
        else ""
    )
    status = 422 if request.method == "POST" else 200
    return render(
        request, "backoffice/config_form.html", {"form": form, "title": title, "notice": notice}, status=status
    )


@admin_required
@require_http_methods(["GET", "POST"])
def consent_kind_publish(request: AuthedRequest, kind_id: int) -> HttpResponse:
    kind = access_kind(request.town, kind_id)
    form = PublishForm(request.POST or None, initial={"text": kind.text})
    if request.method == "POST" and form.is_valid():
        kind = consent_actions.publish_version(
            kind, form.cleaned_data["text"], actor=request.user, today=timezone.localdate()
        )
        messages.success(
            request,
            _("Version %(version)s publiée : chaque famille répondra de nouveau à sa prochaine connexion.")
            % {"version": kind.version},
        )
        return redirect("backoffice:consents", request.town.slug)
    title = _("Nouvelle version de « %(name)s » (actuellement version %(version)s du %(day)s)") % {
        "name": kind.label,
        "version": kind.version,
        "day": date_fr(kind.version_published_on, "j F Y"),
    }
    notice = _("Chaque famille devra répondre de nouveau ; ses réponses précédentes restent dans l'historique.")
    status = 422 if request.method == "POST" else 200
    return render(
        request, "backoffice/config_form.html", {"form": form, "title": title, "notice": notice}, status=status
    )
