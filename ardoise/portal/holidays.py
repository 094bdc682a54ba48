"""Holiday registrations ("Vacances"): the registration periods open now for the family's children's schools,
per child the weeks (or days) to tick with their price and the places left, the family's registrations with
their status (and withdrawing one).

A registration is a request (`admissions.actions.request_enrolment` with the period and the days): the
activity's places decide whether it is accepted at once, waits for the service, or goes on the waiting list.
"""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ardoise.activities.models import Activity
from ardoise.admissions import actions, places, queries
from ardoise.admissions.access import access_family_request, access_registration_period
from ardoise.admissions.models import OPEN_STATUSES, EnrolmentRequest, EnrolmentStatus, PeriodUnit, RegistrationPeriod
from ardoise.admissions.period_actions import school_year_of
from ardoise.admissions.periods import (
    PeriodWeek,
    closed_message,
    period_weeks,
    registration_state,
    whole_weeks_only,
)
from ardoise.admissions.wording import rank_label
from ardoise.billing.models import Tariff, TariffBand
from ardoise.billing.money import format_euros
from ardoise.billing.pricing import (
    PricedFor,
    TariffTerms,
    package_lines,
    package_wording,
    terms_of,
    terms_on,
    total,
    unit_price,
)
from ardoise.calendars.days import day_status, load_closures
from ardoise.calendars.models import SchoolYear
from ardoise.calendars.wording import date_fr
from ardoise.families.access import access_child
from ardoise.families.models import Child, Family
from ardoise.towns.access import parent_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Town

# How long after its closing a period stays listed (with its "clôturées depuis le …").
RECENTLY_CLOSED = datetime.timedelta(days=14)


@dataclass(frozen=True)
class Choice:
    """A week (unit week) or a day (unit day) a parent may tick for a child."""

    value: str  # the week's Monday or the day, ISO
    label: str
    days: tuple[datetime.date, ...]
    price: str
    # None: no limit.
    places_left: int | None

    @property
    def full(self) -> bool:
        return self.places_left == 0


@dataclass
class ChildForm:
    child: Child
    choices: list[Choice]
    # The child's request for the period still open or accepted: nothing more to tick.
    current: EnrolmentRequest | None
    ticked: set[str]
    error: str = ""


def _period_window(town: Town, now: datetime.datetime) -> list[RegistrationPeriod]:
    return list(
        RegistrationPeriod.objects.filter(
            town=town, closes_at__gt=now - RECENTLY_CLOSED, last_day__gte=timezone.localdate(now)
        )
        .select_related("activity", "activity__site")
        .order_by("opens_at", "first_day", "pk")
    )


@parent_required
@require_http_methods(["GET"])
def holidays(request: AuthedRequest, family: Family) -> HttpResponse:
    now = timezone.now()
    children = list(Child.objects.filter(town_id=family.town_id, family=family).order_by("birth_date", "pk"))
    rows = [
        (
            period,
            registration_state(period.opens_at, period.closes_at, now),
            closed_message(period.opens_at, period.closes_at, now),
            [child for child in children if child.site_id == period.activity.site_id],
        )
        for period in _period_window(request.town, now)
        if any(child.site_id == period.activity.site_id for child in children)
    ]
    registrations = list(
        queries.family_requests(family).filter(registration_period__isnull=False).select_related("registration_period")
    )
    ranks = queries.ranks_of(registrations)
    context = {
        "rows": rows,
        "registrations": [
            (item, rank_label(ranks.get(item.pk)), item.status in OPEN_STATUSES) for item in registrations
        ],
    }
    return render(request, "portal/holidays/index.html", context)


def _terms(activity: Activity) -> list[TariffTerms]:
    bands = Prefetch("bands", queryset=TariffBand.objects.filter(town_id=activity.town_id))
    return [
        terms_of(tariff)
        for tariff in Tariff.objects.filter(town_id=activity.town_id, activity=activity).prefetch_related(bands)
    ]


def _price(history: list[TariffTerms], who: PricedFor, days: Sequence[datetime.date]) -> str:
    """What the days cost the child: the forfait that covers them, or the days' unit prices added up."""
    if not days:
        return ""
    terms = terms_on(days[0], history)
    if terms is None:
        return ""
    if terms.flat:
        lines = package_lines(terms, who, days)
        packages = sum(quantity for _price, quantity in lines)
        if packages <= 1:
            return package_wording(terms, who)
        return _("%(package)s × %(count)s : %(total)s") % {
            "package": package_wording(terms, who),
            "count": packages,
            "total": format_euros(total(price * quantity for price, quantity in lines)),
        }
    return format_euros(total(unit_price(found, who) for day in days if (found := terms_on(day, history)) is not None))


def _choices(
    period: RegistrationPeriod,
    weeks: list[PeriodWeek],
    history: list[TariffTerms],
    who: PricedFor,
    taken: Mapping[places.Slot, int],
) -> list[Choice]:
    capacity = period.activity.capacity
    if period.unit == PeriodUnit.WEEK:
        return [
            Choice(
                week.monday.isoformat(),
                _("Semaine du %(day)s") % {"day": date_fr(week.days[0], "l j F")}
                + (" " + _("au %(day)s") % {"day": date_fr(week.days[-1], "l j F")} if len(week.days) > 1 else ""),
                week.days,
                _price(history, who, week.days),
                places.places_left(week.days, taken, capacity),
            )
            for week in weeks
        ]
    return [
        Choice(
            day.isoformat(),
            date_fr(day, "l j F"),
            (day,),
            _price(history, who, [day]),
            places.places_left([day], taken, capacity),
        )
        for week in weeks
        for day in week.days
    ]


def _who(family: Family, child: Child) -> PricedFor:
    # The family's price of the package; a sibling discount shows on the invoice, where ranks are known.
    return PricedFor(quotient_familial=family.quotient_familial, resident=family.resident, has_pai=child.has_pai)


@parent_required
@require_http_methods(["GET", "POST"])
def holiday_period(request: AuthedRequest, family: Family, period_id: int, child_id: int) -> HttpResponse:
    town = request.town
    child = access_child(family, child_id)
    period = access_registration_period(town, period_id)
    if period.activity.site_id != child.site_id:  # not offered at the child's school
        raise Http404
    now = timezone.now()
    activity = period.activity
    school_year = school_year_of(period)
    closures = load_closures(town, period.first_day, period.last_day)
    zone = school_year.zone if school_year else town.zone
    weeks = period_weeks(
        period.first_day, period.last_day, lambda day: day_status(day, activity, zone, closures, now).open
    )
    taken: Mapping[places.Slot, int] = queries.taken_slots(activity, school_year, period) if school_year else {}
    current = (
        EnrolmentRequest.objects.filter(
            town=town,
            registration_period=period,
            child=child,
            status__in=[*OPEN_STATUSES, EnrolmentStatus.ACCEPTED],
        )
        .order_by("created_at")
        .first()
    )
    form = ChildForm(
        child,
        _choices(period, weeks, _terms(activity), _who(family, child), taken),
        current,
        set(request.POST.getlist("choice")),
    )
    refusal = closed_message(period.opens_at, period.closes_at, now)
    if request.method == "POST":
        if refusal:
            form.error = refusal
        else:
            created = _register(request, period, school_year, weeks, form, now)
            if created is not None:
                return redirect("portal:holiday_result", town.slug, created.pk)
    context = {
        "period": period,
        "state": registration_state(period.opens_at, period.closes_at, now),
        "refusal": refusal,
        "forms": [form],
        "by_week": period.unit == PeriodUnit.WEEK,
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "portal/holidays/period.html", context, status=status)


def _register(
    request: AuthedRequest,
    period: RegistrationPeriod,
    school_year: SchoolYear | None,
    weeks: list[PeriodWeek],
    form: ChildForm,
    now: datetime.datetime,
) -> EnrolmentRequest | None:
    """The child's request for the ticked weeks or days; None with `form.error` set when refused."""
    offered = {choice.value: choice for choice in form.choices}
    unknown = form.ticked - set(offered)
    days = sorted(day for value in form.ticked & set(offered) for day in offered[value].days)
    if unknown:
        form.error = _("Certains jours choisis ne sont pas proposés pour cette période.")
    elif not days:
        form.error = (
            _("Cochez au moins une semaine.") if period.unit == PeriodUnit.WEEK else _("Cochez au moins un jour.")
        )
    elif period.unit == PeriodUnit.WEEK and not whole_weeks_only(weeks, days):
        form.error = _("Cette période s'inscrit à la semaine complète.")
    if form.error or school_year is None:
        form.error = form.error or _("Cette période n'est pas encore ouverte aux inscriptions.")
        return None
    try:
        return actions.request_enrolment(
            form.child,
            period.activity,
            school_year=school_year,
            registration_period=period,
            days=days,
            actor=request.user,
            now=now,
        )
    except actions.AdmissionRefused as refused:
        form.error = refused.message
        return None


@parent_required
@require_http_methods(["GET"])
def holiday_result(request: AuthedRequest, family: Family, registration_id: int) -> HttpResponse:
    item = access_family_request(family, registration_id)
    if item.registration_period is None:  # a school-year request: the enrolments' page shows it
        return redirect("portal:enrolments", request.town.slug)
    days = [datetime.date.fromisoformat(day) for day in item.days]
    context = {
        "item": item,
        "days": days,
        "rank": rank_label(queries.rank_of(item)),
        "price": _price(_terms(item.activity), _who(family, item.child), days),
    }
    return render(request, "portal/holidays/result.html", context)


@parent_required
@require_POST
def holiday_withdraw(request: AuthedRequest, family: Family, registration_id: int) -> HttpResponse:
    item = access_family_request(family, registration_id)
    try:
        actions.withdraw_request(item, actor=request.user)
    except actions.AdmissionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Inscription retirée."))
    return redirect(reverse("portal:holidays", args=[request.town.slug]))


urlpatterns = [
    path("", holidays, name="holidays"),
    path("periodes/<int:period_id>/enfants/<int:child_id>/", holiday_period, name="holiday_period"),
    path("inscriptions/<int:registration_id>/", holiday_result, name="holiday_result"),
    path("inscriptions/<int:registration_id>/retirer/", holiday_withdraw, name="holiday_withdraw"),
]
