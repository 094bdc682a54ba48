"""Données personnelles › Familles à anonymiser: the families past the town's retention, why each is listed (or
refused), the retention setting, and pseudonymising the ones the administrator confirms.

Administrator only. Every change goes through ardoise.privacy.actions; the list comes from
ardoise.privacy.queries in a fixed number of queries.
"""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from ardoise.privacy import actions, queries
from ardoise.privacy.models import (
    DEFAULT_RETENTION_YEARS,
    MAX_RETENTION_YEARS,
    MIN_RETENTION_YEARS,
    PrivacySettings,
    Pseudonymisation,
)
from ardoise.towns.access import staff_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Role


class SettingsForm(forms.Form):
    retention_years = forms.IntegerField(
        label=gettext_lazy("Durée de conservation (années après le dernier jour de service)"),
        min_value=MIN_RETENTION_YEARS,
        max_value=MAX_RETENTION_YEARS,
        help_text=gettext_lazy(
            "Une famille sans jour de service est comptée à partir de sa création. Les factures, avoirs et "
            "règlements restent conservés comme pièces comptables."
        ),
    )


class RunForm(forms.Form):
    families = forms.MultipleChoiceField(
        label=gettext_lazy("Familles à anonymiser"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Cochez au moins une famille.")},
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "Je confirme l'anonymisation : les données personnelles de ces familles seront supprimées définitivement."
        ),
        error_messages={"required": gettext_lazy("Cochez la case de confirmation.")},
    )

    def __init__(self, *args: object, eligible: list[queries.Candidate], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["families"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(candidate.family_id), candidate.number) for candidate in eligible]
        field.initial = [str(candidate.family_id) for candidate in eligible]


def _page(
    request: AuthedRequest, run_form: RunForm | None = None, settings_form: SettingsForm | None = None
) -> HttpResponse:
    town = request.town
    today = timezone.localdate()
    current = PrivacySettings.objects.filter(town=town).first()
    years = current.retention_years if current is not None else DEFAULT_RETENTION_YEARS
    found = queries.candidates(town, today, years=years)
    eligible = [candidate for candidate in found if candidate.eligible]
    refused = [candidate for candidate in found if not candidate.eligible]
    if run_form is None:
        run_form = RunForm(eligible=eligible)
    if settings_form is None:
        settings_form = SettingsForm(initial={"retention_years": years})
    context = {
        "years": years,
        "today": today,
        "eligible": eligible,
        "refused": refused,
        "run_form": run_form,
        "settings_form": settings_form,
        "current": current,
        "done_count": Pseudonymisation.objects.filter(town=town).count(),
    }
    invalid = run_form.is_bound or settings_form.is_bound
    return render(request, "backoffice/privacy/retention.html", context, status=422 if invalid else 200)


@staff_required(Role.ADMIN)
@require_http_methods(["GET"])
def privacy_retention(request: AuthedRequest) -> HttpResponse:
    """The families past retention, with why each is listed and why some are refused."""
    return _page(request)


@staff_required(Role.ADMIN)
@require_POST
def privacy_retention_run(request: AuthedRequest) -> HttpResponse:
    """Pseudonymise the families ticked, on the administrator's confirmation (all or none)."""
    town = request.town
    today = timezone.localdate()
    eligible = [candidate for candidate in queries.candidates(town, today) if candidate.eligible]
    form = RunForm(request.POST, eligible=eligible)
    if not form.is_valid():
        return _page(request, run_form=form)
    chosen = [int(value) for value in form.cleaned_data["families"]]
    try:
        result = actions.pseudonymise_families(town, request.user, chosen, today)
    except actions.PseudonymisationRefused as refused:
        for reason in refused.reasons:
            messages.error(request, reason)
        return redirect("backoffice:privacy_retention", town.slug)
    messages.success(
        request,
        ngettext(
            "%(count)s famille anonymisée ; ses factures et règlements sont conservés.",
            "%(count)s familles anonymisées ; leurs factures et règlements sont conservés.",
            result.pseudonymised,
        )
        % {"count": result.pseudonymised},
    )
    return redirect("backoffice:privacy_retention", town.slug)


@staff_required(Role.ADMIN)
@require_POST
def privacy_retention_settings(request: AuthedRequest) -> HttpResponse:
    form = SettingsForm(request.POST)
    if not form.is_valid():
        return _page(request, settings_form=form)
    actions.save_settings(request.town, request.user, form.cleaned_data["retention_years"])
    messages.success(request, _("Durée de conservation enregistrée."))
    return redirect("backoffice:privacy_retention", request.town.slug)


urlpatterns = [
    path("", privacy_retention, name="privacy_retention"),
    path("anonymiser/", privacy_retention_run, name="privacy_retention_run"),
    path("parametres/", privacy_retention_settings, name="privacy_retention_settings"),
]
