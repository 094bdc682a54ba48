"""The CAF activity report (Rapport CAF): heures réalisées per activity, age band and régime, for a period.

- `caf_report`: the page, for the previous month by default, or the period and activities chosen;
- `caf_report_csv`, `caf_report_pdf`: the same table for a spreadsheet and as a PDF (the engine of
  `billing.pdf`: WeasyPrint, or the fake chosen by settings);
- `caf_report_settings`, `caf_report_activity`: the town's age bands and Wednesday cap, and each activity's
  own settings, through `caf.actions` (audited).

Roles: finance and administrators. What counts is decided in `caf.hours` and read in `caf.queries`.
"""

import datetime
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ardoise.backoffice.exports import spreadsheet_response
from ardoise.billing.pdf import get_renderer
from ardoise.caf import actions, queries
from ardoise.caf.access import access_caf_activity
from ardoise.caf.hours import hours
from ardoise.calendars.wording import date_fr
from ardoise.towns.access import staff_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Role, Town
from ardoise.towns.replica import reads_from_replica

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CAF_ROLES = (Role.FINANCE,)  # and administrators, who reach every page
MINUTES_PER_HOUR = 60


def _date_field(label: "StrOrPromise", invalid: "StrOrPromise") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": invalid},
    )


def previous_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return last.replace(day=1), last


class ReportForm(forms.Form):
    start = _date_field(gettext_lazy("Du"), gettext_lazy("La date de début n'est pas valide (jj/mm/aaaa)."))
    end = _date_field(gettext_lazy("Au"), gettext_lazy("La date de fin n'est pas valide (jj/mm/aaaa)."))
    activities = forms.MultipleChoiceField(
        label=gettext_lazy("Activités"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Aucune cochée : toutes les activités déclarées à la CAF."),
        error_messages={"invalid_choice": gettext_lazy("Cette activité n'est pas déclarée à la CAF.")},
    )

    def __init__(self, *args: Any, activities: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["activities"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(activity.pk), f"{activity.label} — {activity.site.name}") for activity in activities]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None) and not self.errors:
            raise forms.ValidationError(_("Indiquez le début et la fin de la période."))
        if start and end:
            if end < start:
                raise forms.ValidationError(_("La date de fin est avant la date de début."))
            if (end - start).days + 1 > queries.MAX_PERIOD_DAYS:
                raise forms.ValidationError(
                    _("La période ne peut pas dépasser %(days)s jours.") % {"days": queries.MAX_PERIOD_DAYS}
                )
        return data


def _report(request: AuthedRequest) -> tuple[ReportForm, queries.CafReport | None]:
    """The report asked for (the previous month and every reported activity when nothing is), or None with the
    form's errors."""
    town: Town = request.town
    today = timezone.localdate()
    reported = queries.reported_activities(town)
    form = ReportForm(request.GET, activities=reported)
    if not form.is_valid():
        return form, None
    start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    chosen: list[str] = form.cleaned_data.get("activities") or []
    if start is None or end is None:
        start, end = previous_month(today)
        form = ReportForm(initial={"start": start, "end": end, "activities": chosen}, activities=reported)
    ids = [int(pk) for pk in chosen] or [activity.pk for activity in reported]
    return form, queries.caf_report(town, ids, start, end, today=today)


def _query(report: queries.CafReport, form: ReportForm) -> str:
    chosen = form.cleaned_data.get("activities", []) if form.is_bound else form.initial.get("activities", [])
    return "&".join(
        [f"start={report.start.isoformat()}", f"end={report.end.isoformat()}", *(f"activities={pk}" for pk in chosen)]
    )


def _context(report: queries.CafReport) -> dict[str, object]:
    return {
        "report": report,
        "rows": report.rows(),
        "band_totals": report.band_totals(),
        "regime_totals": report.regime_totals(),
        "total": report.tally.total,
        "cap": _hours_or_none(report.settings.wednesday_cap_minutes),
        "generated_at": timezone.localtime(),
        "town": report.town,
    }


def _refused(form: ReportForm) -> HttpResponse:
    errors = " ".join(str(error) for errors in form.errors.values() for error in errors)
    return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")


def _filename(report: queries.CafReport) -> str:
    return f"rapport-caf_{report.start:%Y-%m-%d}_{report.end:%Y-%m-%d}"


def _title(report: queries.CafReport) -> str:
    return _("Rapport d'activité CAF du %(start)s au %(end)s") % {
        "start": date_fr(report.start, "j F Y"),
        "end": date_fr(report.end, "j F Y"),
    }


@staff_required(*CAF_ROLES)
@require_GET
@reads_from_replica()
def caf_report(request: AuthedRequest) -> HttpResponse:
    form, report = _report(request)
    if report is None:
        return render(request, "backoffice/caf/report.html", {"form": form}, status=400)
    context = {"form": form, "query": _query(report, form), "title": _title(report), **_context(report)}
    return render(request, "backoffice/caf/report.html", context)


@staff_required(*CAF_ROLES)
@require_GET
@reads_from_replica()
def caf_report_csv(request: AuthedRequest) -> HttpResponse:
    form, report = _report(request)
    if report is None:
        return _refused(form)

    def figures(cell: Any) -> list[object]:
        return [cell.children, cell.presences, number_format(cell.hours, 2)]

    rows: list[list[object]] = []
    for row in report.rows():
        band, regime = (_("Total de l'activité"), "") if row.subtotal else (row.band, row.regime)
        rows.append([row.activity.label, row.activity.site.name, band, regime, *figures(row.figures)])
    for label, cell in report.band_totals():
        rows.append([_("Toutes activités"), "", label, "", *figures(cell)])
    for label, cell in report.regime_totals():
        rows.append([_("Toutes activités"), "", "", label, *figures(cell)])
    rows.append([_("Total"), "", "", "", *figures(report.tally.total)])
    header = [
        _("Activité"),
        _("École"),
        _("Tranche d'âge"),
        _("Régime"),
        _("Enfants"),
        _("Présences"),
        _("Heures réalisées"),
    ]
    return spreadsheet_response("csv", header, rows, _filename(report), _("Rapport CAF"))


@staff_required(*CAF_ROLES)
@require_GET
@reads_from_replica()
def caf_report_pdf(request: AuthedRequest) -> HttpResponse:
    form, report = _report(request)
    if report is None:
        return _refused(form)
    context = {"title": _title(report), **_context(report)}
    pdf = get_renderer().render(render_to_string("backoffice/caf/report_pdf.html", context))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report)}.pdf"'
    return response


# Settings


def _hours_or_none(minutes: int | None) -> Decimal | None:
    return None if minutes is None else hours(minutes)


def _minutes_or_none(value: Decimal | None) -> int | None:
    return None if value is None else int(value * MINUTES_PER_HOUR)


class HoursField(forms.DecimalField):
    """A length in hours ("7,5" is 7 h 30), a whole number of minutes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            required=False, min_value=Decimal("0.01"), max_value=Decimal(24), max_digits=4, decimal_places=2, **kwargs
        )
        self.localize = True
        self.widget.is_localized = True

    def clean(self, value: Any) -> Decimal | None:
        hours_value: Decimal | None = super().clean(value)
        if hours_value is not None and (hours_value * MINUTES_PER_HOUR) % 1:
            raise forms.ValidationError(_("Indiquez une durée en minutes entières (par exemple 7,5 pour 7 h 30)."))
        return hours_value


class TownSettingsForm(forms.Form):
    age_limits = forms.CharField(
        label=gettext_lazy("Limites des tranches d'âge (en années)"),
        required=False,
        max_length=60,
        help_text=gettext_lazy(
            "« 6 » : moins de 6 ans et 6 ans et plus ; « 3, 6, 12 » : quatre tranches. Vide : une seule tranche."
        ),
    )
    wednesday_cap = HoursField(
        label=gettext_lazy("Plafond du mercredi (heures par enfant et activité)"),
        help_text=gettext_lazy("Vide : pas de plafond. Une activité peut avoir le sien."),
    )

    def clean_age_limits(self) -> list[int]:
        text = self.cleaned_data.get("age_limits", "")
        parts = [part for part in re.split(r"[\s,;]+", text) if part]
        if not all(part.isdigit() for part in parts):
            raise forms.ValidationError(_("Indiquez des âges en années, séparés par des virgules."))
        return [int(part) for part in parts]


class ActivitySettingsForm(forms.Form):
    reported = forms.BooleanField(label=gettext_lazy("Déclarée à la CAF"), required=False)
    wednesday_cap = HoursField(
        label=gettext_lazy("Plafond du mercredi (heures)"),
        help_text=gettext_lazy("Vide : le plafond de la commune."),
    )
    slot = HoursField(
        label=gettext_lazy("Durée d'une séance (heures)"),
        help_text=gettext_lazy("Vide : la durée des horaires de l'activité."),
    )


@staff_required(*CAF_ROLES)
def caf_report_settings(request: AuthedRequest) -> HttpResponse:
    town: Town = request.town
    current = queries.town_settings(town)
    initial = {
        "age_limits": ", ".join(str(limit) for limit in current.age_limits),
        "wednesday_cap": _hours_or_none(current.wednesday_cap_minutes),
    }
    form = TownSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_town_settings(
                town,
                request.user,
                age_limits=form.cleaned_data["age_limits"],
                wednesday_cap_minutes=_minutes_or_none(form.cleaned_data["wednesday_cap"]),
            )
        except actions.CafSettingsRefused as refused:
            form.add_error("age_limits", refused.message)
        else:
            messages.success(request, _("Paramètres du rapport CAF enregistrés."))
            return redirect("backoffice:caf_report_settings", town.slug)
    activities = []
    for activity in queries.town_activities(town):
        own, rule = queries.activity_settings(activity), queries.rule_for(activity, current)
        activities.append(
            {
                "activity": activity,
                "reported": own.reported,
                "slot": _hours_or_none(own.slot_minutes),
                "cap": _hours_or_none(rule.wednesday_cap_minutes),
                "own_cap": own.wednesday_cap_minutes is not None,
            }
        )
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "activities": activities, "town": town}
    return render(request, "backoffice/caf/settings.html", context, status=status)


@staff_required(*CAF_ROLES)
def caf_report_activity(request: AuthedRequest, activity_id: int) -> HttpResponse:
    town: Town = request.town
    activity = access_caf_activity(town, activity_id)
    current = queries.activity_settings(activity)
    initial = {
        "reported": current.reported,
        "wednesday_cap": _hours_or_none(current.wednesday_cap_minutes),
        "slot": _hours_or_none(current.slot_minutes),
    }
    form = ActivitySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_activity_settings(
                activity,
                request.user,
                reported=form.cleaned_data["reported"],
                wednesday_cap_minutes=_minutes_or_none(form.cleaned_data["wednesday_cap"]),
                slot_minutes=_minutes_or_none(form.cleaned_data["slot"]),
            )
        except actions.CafSettingsRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Paramètres CAF de l'activité enregistrés."))
            return redirect("backoffice:caf_report_settings", town.slug)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "activity": activity, "town": town}
    return render(request, "backoffice/caf/activity.html", context, status=status)


urlpatterns = [
    path("", caf_report, name="caf_report"),
    path("rapport.csv", caf_report_csv, name="caf_report_csv"),
    path("rapport.pdf", caf_report_pdf, name="caf_report_pdf"),
    path("parametres/", caf_report_settings, name="caf_report_settings"),
    path("parametres/activites/<int:activity_id>/", caf_report_activity, name="caf_report_activity"),
]
