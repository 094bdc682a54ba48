"""Registration periods for the holidays (ALSH vacances) and terms of Wednesdays, on the staff's side.

The administrator lists, creates and changes them (admissions.period_actions: atomic, audited); the front
desk and the administrator see, per period, the children registered each day against the capacity and
the requests with their status (the waiting list's order and its changes are the admissions pages').
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from ardoise.activities.models import Activity
from ardoise.admissions import period_actions, queries
from ardoise.admissions.access import access_registration_period
from ardoise.admissions.models import EnrolmentRequest, EnrolmentStatus, PeriodUnit, RegistrationPeriod
from ardoise.admissions.periods import period_days, registration_state
from ardoise.admissions.wording import rank_label
from ardoise.backoffice.config_forms import DateInput, TownChoiceField
from ardoise.bookings.models import STATES_HOLDING_A_PLACE, Booking
from ardoise.calendars.days import day_status, load_closures
from ardoise.calendars.wording import date_fr
from ardoise.towns.access import roles_of, staff_required
from ardoise.towns.actions import ConfigurationRefused
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Role

DATETIME = {
    "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    "input_formats": ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
}


class RegistrationPeriodForm(forms.Form):
    activity = TownChoiceField(label=gettext_lazy("Activité"), queryset=Activity.objects.none(), empty_label=None)
    label = forms.CharField(
        label=gettext_lazy("Libellé"),
        max_length=200,
        help_text=gettext_lazy("Affiché aux familles : « Vacances d'hiver 2027 »…"),
    )
    first_day = forms.DateField(label=gettext_lazy("Premier jour"), widget=DateInput())
    last_day = forms.DateField(label=gettext_lazy("Dernier jour"), widget=DateInput())
    opens_at = forms.DateTimeField(label=gettext_lazy("Ouverture des inscriptions"), **DATETIME)  # type: ignore[arg-type]
    closes_at = forms.DateTimeField(label=gettext_lazy("Clôture des inscriptions"), **DATETIME)  # type: ignore[arg-type]
    unit = forms.ChoiceField(
        label=gettext_lazy("Inscription"),
        choices=PeriodUnit.choices,
        help_text=gettext_lazy(
            "À la semaine complète : les familles inscrivent pour tous les jours ouverts d'une semaine."
        ),
    )

    def __init__(self, *args: Any, town: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["activity"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Activity.objects.filter(town=town).select_related("site")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("first_day") and data.get("last_day") and data["last_day"] < data["first_day"]:
            self.add_error("last_day", _("Le dernier jour doit suivre le premier jour."))
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("La clôture des inscriptions doit suivre leur ouverture."))
        return data

    @staticmethod
    def initial_for(period: RegistrationPeriod) -> dict[str, Any]:
        return {
            "activity": period.activity_id,
            "label": period.label,
            "first_day": period.first_day,
            "last_day": period.last_day,
            "opens_at": timezone.localtime(period.opens_at),
            "closes_at": timezone.localtime(period.closes_at),
            "unit": period.unit,
        }


@staff_required(Role.FRONT_DESK)
@require_http_methods(["GET"])
def periods(request: AuthedRequest) -> HttpResponse:
    now = timezone.now()
    rows = [
        (period, registration_state(period.opens_at, period.closes_at, now))
        for period in period_actions.town_periods(request.town).order_by("-first_day")
    ]
    return render(request, "backoffice/holidays/periods.html", {"rows": rows, "is_admin": _is_admin(request)})


def _is_admin(request: AuthedRequest) -> bool:
    return Role.ADMIN in roles_of(request.user, request.town)


@staff_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def period_edit(request: AuthedRequest, period_id: int | None = None) -> HttpResponse:
    town = request.town
    period = access_registration_period(town, period_id) if period_id is not None else None
    initial = RegistrationPeriodForm.initial_for(period) if period else {"unit": PeriodUnit.WEEK}
    form = RegistrationPeriodForm(request.POST or None, initial=initial, town=town)
    if request.method == "POST" and form.is_valid():
        try:
            period = period_actions.save_registration_period(town, request.user, period, form.cleaned_data)
        except ConfigurationRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("La période d'inscription est enregistrée."))
            outside = period_actions.days_outside_holidays(
                period.activity, period.first_day, period.last_day, town.zone
            )
            if outside:
                messages.warning(
                    request,
                    ngettext(
                        "Attention : %(count)s jour de la période n'est pas en vacances scolaires (le %(day)s).",
                        "Attention : %(count)s jours de la période ne sont pas en vacances scolaires (dès le %(day)s).",
                        len(outside),
                    )
                    % {"count": len(outside), "day": date_fr(outside[0], "l j F Y")},
                )
            return redirect("backoffice:holiday_period", town.slug, period.pk)
    title = _("Modifier la période d'inscription") if period else _("Nouvelle période d'inscription")
    context = {"form": form, "title": title, "period": period}
    return render(
        request, "backoffice/holidays/period_form.html", context, status=422 if request.method == "POST" else 200
    )


@dataclass(frozen=True)
class DayCount:
    day: datetime.date
    children: list[str]
    capacity: int | None

    @property
    def count(self) -> int:
        return len(self.children)

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.count >= self.capacity


def _waiting_list_url(town_slug: str, period: RegistrationPeriod) -> str:
    """The admissions' waiting list page of the period's activity, where the admissions pages provide one."""
    for name, args in (
        ("backoffice:waiting_list", [town_slug, period.activity_id]),
        ("backoffice:waiting_lists", [town_slug]),
    ):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return ""


@staff_required(Role.FRONT_DESK)
@require_http_methods(["GET"])
def period_detail(request: AuthedRequest, period_id: int) -> HttpResponse:
    town = request.town
    period = access_registration_period(town, period_id)
    activity = period.activity
    now = timezone.now()
    closures = load_closures(town, period.first_day, period.last_day)
    days = period_days(
        period.first_day, period.last_day, lambda day: day_status(day, activity, town.zone, closures, now).open
    )
    names: dict[datetime.date, list[str]] = defaultdict(list)
    for day, first, last in (
        Booking.objects.filter(
            town=town,
            activity=activity,
            date__range=(period.first_day, period.last_day),
            state__in=STATES_HOLDING_A_PLACE,
        )
        .order_by("date", "child__last_name", "child__first_name")
        .values_list("date", "child__first_name", "child__last_name")
    ):
        names[day].append(f"{last} {first}")
    counts = [DayCount(day, names.get(day, []), activity.capacity) for day in days]
    requests = list(
        EnrolmentRequest.objects.filter(town=town, registration_period=period)
        .select_related("child", "family")
        .order_by("status", "waiting_position", "created_at", "pk")
    )
    ranks = queries.ranks_of(requests)
    context = {
        "period": period,
        "state": registration_state(period.opens_at, period.closes_at, now),
        "counts": counts,
        "requests": [(item, rank_label(ranks.get(item.pk))) for item in requests],
        "waiting": [r for r in requests if r.status == EnrolmentStatus.WAITING],
        "waiting_list_url": _waiting_list_url(town.slug, period),
        "is_admin": _is_admin(request),
    }
    return render(request, "backoffice/holidays/period.html", context)


urlpatterns = [
    path("", periods, name="holiday_periods"),
    path("ajouter/", period_edit, name="holiday_period_new"),
    path("<int:period_id>/", period_detail, name="holiday_period"),
    path("<int:period_id>/modifier/", period_edit, name="holiday_period_edit"),
]
