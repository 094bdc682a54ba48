"""The administrator's configuration pages: sites, activities, absence reasons,
school years, closures and tariffs.

Each page reads top to bottom: access (administrators only) → form → action
(activities.actions, calendars.actions, towns.actions: atomic and audited) →
redirect to the overview. A change of rule applies to future days only.
"""

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ardoise.activities import actions as activity_actions
from ardoise.activities.models import AbsenceReason, Activity
from ardoise.admissions import actions as admissions
from ardoise.backoffice.config_forms import (
    AbsenceReasonForm,
    ActivityForm,
    BandFormSet,
    ClosureForm,
    SchoolYearForm,
    SiteForm,
    TariffForm,
)
from ardoise.billing.models import Tariff, TariffBand
from ardoise.calendars import actions as calendar_actions
from ardoise.calendars.models import Closure, SchoolYear
from ardoise.calendars.opening import school_calendar_known, school_year_dates
from ardoise.towns import actions as town_actions
from ardoise.towns.access import staff_required
from ardoise.towns.actions import ConfigurationRefused
from ardoise.towns.http import AuthedRequest, TownRequest
from ardoise.towns.models import Role, Site

admin_required = staff_required(Role.ADMIN)

ACTIVITY_GROUP = (
    "site",
    "label",
    "code",
    "weekdays",
    "starts_at",
    "ends_at",
    "capacity",
    "needs_validation",
    "runs_in_school_holidays",
)
DEADLINE_GROUP = (
    "deadline_kind",
    "deadline_weekday",
    "deadline_days",
    "deadline_time",
    "deadline_fixed_at",
    "deadline_skips_public_holidays",
)

# Town-scoped lookups that answer 404 for anything outside the town.


def _get[M](request: TownRequest, model: type[M], pk: int, **filters: Any) -> M:
    try:
        return model.objects.get(town=request.town, pk=pk, **filters)  # type: ignore[attr-defined]
    except (model.DoesNotExist, ValueError, TypeError, OverflowError):  # type: ignore[attr-defined]
        raise Http404 from None


def _overview(request: TownRequest) -> HttpResponse:
    return redirect("backoffice:config", request.town.slug)


def _form_page(
    request: HttpRequest, form: forms.Form, *, title: str, notice: str = "", status: int = 200, **extra: Any
) -> HttpResponse:
    context = {"form": form, "title": title, "notice": notice, **extra}
    return render(request, "backoffice/config_form.html", context, status=status)


@admin_required
@require_http_methods(["GET"])
def overview(request: AuthedRequest) -> HttpResponse:
    town = request.town
    today = timezone.localdate()
    tariffs = Tariff.objects.filter(town=town).prefetch_related(
        Prefetch("bands", queryset=TariffBand.objects.filter(town=town))
    )
    activities = list(
        Activity.objects.filter(town=town)
        .select_related("site")
        .prefetch_related(Prefetch("tariffs", queryset=tariffs.order_by("-valid_from")))
    )
    for activity in activities:
        tariff_list = list(activity.tariffs.all())
        activity.current_tariff = next((t for t in tariff_list if t.valid_from <= today), None)  # type: ignore[attr-defined]
        activity.next_tariffs = [t for t in tariff_list if t.valid_from > today]  # type: ignore[attr-defined]
    context = {
        "today": today,
        "sites": list(Site.objects.filter(town=town)),
        "activities": activities,
        "reasons": list(AbsenceReason.objects.filter(town=town)),
        "years": list(SchoolYear.objects.filter(town=town).order_by("-start_year")),
        "closures": list(
            Closure.objects.filter(town=town, ends_on__gte=today)
            .select_related("site", "activity")
            .order_by("starts_on")
        ),
    }
    return render(request, "backoffice/config.html", context)


# Sites


@admin_required
@require_http_methods(["GET", "POST"])
def site_edit(request: AuthedRequest, site_id: int | None = None) -> HttpResponse:
    site = _get(request, Site, site_id) if site_id is not None else None
    initial = {"name": site.name, "address": site.address} if site else None
    form = SiteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            town_actions.save_site(request.town, request.user, site, **form.cleaned_data)
        except ConfigurationRefused as refusal:
            form.add_error("name", str(refusal))
        else:
            messages.success(request, _("L'école est enregistrée."))
            return _overview(request)
    title = _("Modifier l'école %(name)s") % {"name": site.name} if site else _("Nouvelle école")
    return _form_page(request, form, title=title, status=422 if request.method == "POST" else 200)


# Activities


@admin_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: AuthedRequest, activity_id: int | None = None) -> HttpResponse:
    town = request.town
    activity = _get(request, Activity, activity_id) if activity_id is not None else None
    initial = ActivityForm.initial_for(activity) if activity else {"deadline_time": datetime.time(12, 0)}
    form = ActivityForm(request.POST or None, initial=initial, town=town)
    if request.method == "POST" and form.is_valid():
        try:
            saved = activity_actions.save_activity(town, request.user, activity, form.cleaned_data)
        except ConfigurationRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            # A capacity raised frees places: the first on the waiting lists are offered them.
            admissions.offer_free_places(saved)
            messages.success(request, _("L'activité est enregistrée."))
            return _overview(request)
    notice = (
        _(
            "Les changements de jours ou de date butoir valent pour les jours à venir : les réservations déjà "
            "faites sont conservées telles quelles."
        )
        if activity
        else ""
    )
    title = _("Modifier l'activité %(name)s") % {"name": activity} if activity else _("Nouvelle activité")
    groups = [
        (_("L'activité"), "", [form[name] for name in ACTIVITY_GROUP]),
        (
            _("Date butoir (réservation et annulation)"),
            _("Choisissez le type, puis remplissez les champs qu'il demande ; les autres sont ignorés."),
            [form[name] for name in DEADLINE_GROUP],
        ),
    ]
    status = 422 if request.method == "POST" else 200
    return _form_page(request, form, title=title, notice=notice, status=status, groups=groups)


# Absence reasons


@admin_required
@require_http_methods(["GET", "POST"])
def reason_edit(request: AuthedRequest, reason_id: int | None = None) -> HttpResponse:
    reason = _get(request, AbsenceReason, reason_id) if reason_id is not None else None
    initial = (
        {name: getattr(reason, name) for name in ("label", "billed", "document_required", "waiting_days", "position")}
        if reason
        else None
    )
    form = AbsenceReasonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data | {"code": reason.code if reason else ""}
        try:
            activity_actions.save_absence_reason(request.town, request.user, reason, values)
        except ConfigurationRefused as refusal:
            form.add_error("label", str(refusal))
        else:
            messages.success(request, _("Le motif d'absence est enregistré."))
            return _overview(request)
    title = _("Modifier le motif %(name)s") % {"name": reason.label} if reason else _("Nouveau motif d'absence")
    notice = _(
        "Un changement vaut pour les absences déclarées ensuite ; les absences passées restent comme elles sont."
    )
    return _form_page(request, form, title=title, notice=notice, status=422 if request.method == "POST" else 200)


# School years


@admin_required
@require_http_methods(["GET", "POST"])
def year_new(request: AuthedRequest) -> HttpResponse:
    town = request.town
    last = SchoolYear.objects.filter(town=town).order_by("-start_year").first()
    today = timezone.localdate()
    start_year = last.start_year + 1 if last else (today.year if today.month >= 8 else today.year - 1)
    zone = last.zone if last else town.zone
    suggestion = school_year_dates(start_year, zone)
    initial = {
        "start_year": start_year,
        "starts_on": suggestion.starts_on,
        "ends_on": suggestion.ends_on,
        "zone": zone,
    }
    form = SchoolYearForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            calendar_actions.create_school_year(town, request.user, **form.cleaned_data)
        except ConfigurationRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("L'année scolaire est créée."))
            return _overview(request)
    if suggestion.official:
        notice = _(
            "Dates proposées d'après le calendrier scolaire officiel de la zone %(zone)s : "
            "le premier jour après les vacances d'été et le dernier avant les suivantes."
        ) % {"zone": zone}
    else:
        notice = _(
            "Le calendrier officiel de cette année n'est pas encore connu : les dates proposées sont des "
            "estimations, vérifiez-les."
        )
    if not school_calendar_known(suggestion.ends_on):
        notice += " " + _("Les vacances scolaires de cette année ne seront affichées qu'une fois le calendrier publié.")
    return _form_page(
        request,
        form,
        title=_("Nouvelle année scolaire"),
        notice=notice,
        status=422 if request.method == "POST" else 200,
    )


# Closures


@admin_required
@require_http_methods(["GET", "POST"])
def closure_new(request: AuthedRequest) -> HttpResponse:
    town = request.town
    form = ClosureForm(request.POST or None, town=town)
    if request.method == "POST" and form.is_valid():
        try:
            calendar_actions.create_closure(town, request.user, **form.cleaned_data)
        except ConfigurationRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("La fermeture est enregistrée : le planning l'affiche dès maintenant."))
            return _overview(request)
    notice = _(
        "Les familles ne peuvent plus réserver les jours fermés. Les réservations déjà faites ces jours-là "
        "restent à régler par le service."
    )
    return _form_page(
        request, form, title=_("Nouvelle fermeture"), notice=notice, status=422 if request.method == "POST" else 200
    )


@admin_required
@require_POST
def closure_delete(request: AuthedRequest, closure_id: int) -> HttpResponse:
    closure = _get(request, Closure, closure_id)
    calendar_actions.delete_closure(request.town, request.user, closure)
    messages.success(request, _("La fermeture est supprimée."))
    return _overview(request)


# Tariffs


@admin_required
@require_http_methods(["GET", "POST"])
def tariff_new(request: AuthedRequest, activity_id: int) -> HttpResponse:
    town = request.town
    activity = _get(request, Activity, activity_id)
    today = timezone.localdate()
    current = (
        Tariff.objects.filter(town=town, activity=activity, valid_from__lte=today)
        .prefetch_related(Prefetch("bands", queryset=TariffBand.objects.filter(town=town)))
        .order_by("-valid_from")
        .first()
    )
    initial: dict[str, Any] = {"valid_from": today + datetime.timedelta(days=1)}
    band_initial: list[dict[str, Any]] = []
    if current is not None:
        initial |= {name: getattr(current, name) for name in activity_actions.TARIFF_FIELDS if name != "valid_from"}
        band_initial = [{"qf_max": band.qf_max, "price": band.price} for band in current.bands.all()]
    form = TariffForm(request.POST or None, initial=initial, today=today)
    bands = BandFormSet(request.POST or None, initial=band_initial, prefix="bands")
    if request.method == "POST" and form.is_valid() and bands.is_valid():
        try:
            activity_actions.create_tariff(town, request.user, activity, form.cleaned_data, bands.bands(), today)
        except ConfigurationRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Le nouveau tarif est enregistré."))
            return _overview(request)
    context = {"form": form, "bands": bands, "activity": activity, "current": current, "today": today}
    return render(request, "backoffice/config_tariff.html", context, status=422 if request.method == "POST" else 200)
