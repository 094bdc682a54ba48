"""The audit trail, for the town administrator: who changed what, when, with the
old and new values; filtered by dates, person, action, kind of record and text.

A page costs the same few queries whatever the filters and the size of the trail.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from ardoise.accounts.models import User
from ardoise.audit.models import MAX_RETENTION_YEARS, MIN_RETENTION_YEARS, AuditEntry
from ardoise.audit.retention import retention_years, set_retention_years
from ardoise.towns.access import staff_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Role

PAGE_SIZE = 50


class AuditFilters(forms.Form):
    since = forms.DateField(
        label=gettext_lazy("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    until = forms.DateField(
        label=gettext_lazy("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    actor = forms.TypedChoiceField(label=gettext_lazy("Agent"), required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    object_type = forms.ChoiceField(label=gettext_lazy("Type de fiche"), required=False)
    q = forms.CharField(label=gettext_lazy("Texte"), required=False, max_length=100)

    def __init__(self, data: QueryDict, *, actors: list[User], actions: list[str], object_types: list[str]) -> None:
        super().__init__(data)
        everyone = [("", _("Tous"))]
        self.fields["actor"].choices = everyone + [  # type: ignore[attr-defined]
            (str(user.pk), user.get_full_name() or user.email) for user in actors
        ]
        self.fields["action"].choices = everyone + [(value, value) for value in actions]  # type: ignore[attr-defined]
        self.fields["object_type"].choices = everyone + [  # type: ignore[attr-defined]
            (value, value) for value in object_types
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("La date de fin est avant la date de début."))
        return cleaned

    def valid_values(self) -> dict[str, Any]:
        """The filters that are valid (a wrong one is reported and ignored, never a failure)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value and name not in self.errors}


class RetentionForm(forms.Form):
    retention_years = forms.TypedChoiceField(
        label=gettext_lazy("Conserver les entrées du journal"),
        coerce=int,
        help_text=gettext_lazy("Les entrées plus anciennes sont supprimées chaque nuit (5 ans par défaut)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["retention_years"].choices = [  # type: ignore[attr-defined]
            (years, ngettext("%(years)s an", "%(years)s ans", years) % {"years": years})
            for years in range(MIN_RETENTION_YEARS, MAX_RETENTION_YEARS + 1)
        ]
        self.fields["retention_years"].widget.attrs["aria-describedby"] = "id_retention_years_helptext"


@dataclass(frozen=True)
class ChangeLine:
    name: str
    old: str
    new: str
    is_pair: bool


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    if isinstance(value, list | dict):
        return ", ".join(_text(item) for item in value) if isinstance(value, list) else str(value)
    return str(value)


def readable_changes(changes: Any) -> list[ChangeLine]:
    """{"field": [old, new]} as lines "field: old → new"; other details as "key: value"."""
    if not isinstance(changes, dict):
        return [ChangeLine("", _text(changes), "", False)] if changes else []
    lines = []
    for name, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            lines.append(ChangeLine(str(name), _text(value[0]), _text(value[1]), True))
        else:
            lines.append(ChangeLine(str(name), _text(value), "", False))
    return lines


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@staff_required(Role.ADMIN)
@require_GET
def audit_log(request: AuthedRequest) -> HttpResponse:
    town = request.town
    trail = AuditEntry.objects.filter(town=town)
    actors = list(
        User.objects.filter(town=town, pk__in=trail.values("actor_id")).order_by("last_name", "first_name", "email")
    )
    actions = list(trail.order_by("action").values_list("action", flat=True).distinct())
    object_types = list(
        trail.exclude(object_type="").order_by("object_type").values_list("object_type", flat=True).distinct()
    )
    filters = AuditFilters(request.GET, actors=actors, actions=actions, object_types=object_types)
    values = filters.valid_values()

    found = trail.select_related("actor")
    if "since" in values:
        found = found.filter(at__gte=_start_of(values["since"]))
    if "until" in values:
        found = found.filter(at__lt=_start_of(values["until"] + datetime.timedelta(days=1)))
    for name in ("actor", "action", "object_type"):
        if name in values:
            found = found.filter(**{f"{name}_id" if name == "actor" else name: values[name]})
    if "q" in values:
        found = found.filter(summary__icontains=values["q"])
    page = Paginator(found.order_by("-at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [(entry, readable_changes(entry.changes)) for entry in page.object_list]

    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "entries": entries,
        "query": query.urlencode(),
        "retention_form": RetentionForm(initial={"retention_years": retention_years(town)}),
    }
    return render(request, "backoffice/audit.html", context)


@staff_required(Role.ADMIN)
@require_POST
def audit_retention(request: AuthedRequest) -> HttpResponse:
    """The administrator chooses how many years the town keeps its audit trail."""
    form = RetentionForm(request.POST)
    if form.is_valid():
        years = form.cleaned_data["retention_years"]
        set_retention_years(request.town, years, actor=request.user)
        messages.success(
            request,
            ngettext("Le journal est conservé %(years)s an.", "Le journal est conservé %(years)s ans.", years)
            % {"years": years},
        )
    else:
        messages.error(request, _("Choisissez une durée de conservation de 1 à 10 ans."))
    return redirect("backoffice:audit", request.town.slug)
