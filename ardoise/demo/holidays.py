"""The demo town's holiday centre: "Accueil de loisirs vacances" (code `vacances`) at École Jules Ferry, Monday
to Friday in school holidays only, 24 places, validated by staff, a Forfait semaine by quotient familial (45,00 €
up to QF 1000, else 60,00 €), and an open registration period, by the week, for the next school holidays after
the build day (zone B, from calendars' holiday data), opened three days ago and closing before they start.

Families have asked for a week (DUPONT's two children among them): their requests wait for the service's
decision, so that nothing is booked beyond the demo's 14 coming days (DEMO.md) while the staff's queue and the
parents' "Vacances" page have something to show.
"""

import datetime
import random
from collections import Counter
from decimal import Decimal

from ardoise.activities.models import Activity
from ardoise.admissions.models import EnrolmentRequest, EnrolmentStatus, PeriodUnit, RegistrationPeriod
from ardoise.admissions.periods import period_weeks
from ardoise.billing.models import Tariff, TariffBand, TariffMode
from ardoise.calendars.deadlines import PARIS, DeadlineKind
from ardoise.calendars.models import SchoolYear
from ardoise.calendars.opening import closed_reason, is_school_holiday
from ardoise.towns.models import Site, Town

from .bulk import insert
from .people import FamilyPlan

CODE = "vacances"
LABEL = "Accueil de loisirs vacances"
CAPACITY = 24
WEEKDAYS = [0, 1, 2, 3, 4]
# Forfait semaine: (QF up to, price); the last band is open.
WEEK_BANDS = [(1000, Decimal("45.00")), (None, Decimal("60.00"))]
WEEK_BASE = Decimal("60.00")
# Families 1 to REQUESTING ask for the first week.
REQUESTING = 12


def next_holidays(
    today: datetime.date, zone: str, years: list[SchoolYear]
) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day of the next school holidays starting after `today` within a school year."""
    day = today + datetime.timedelta(days=1)
    limit = today + datetime.timedelta(days=400)
    while day <= limit:
        starts = is_school_holiday(day, zone) and not is_school_holiday(day - datetime.timedelta(days=1), zone)
        if starts and any(year.starts_on <= day <= year.ends_on for year in years):
            last = day
            while is_school_holiday(last + datetime.timedelta(days=1), zone):
                last += datetime.timedelta(days=1)
            return day, last
        day += datetime.timedelta(days=1)
    return None


def build_holiday_centre(
    town: Town, today: datetime.date, site: Site, plans: list[FamilyPlan], rng: random.Random, counts: Counter[str]
) -> Activity:
    centre = Activity.objects.create(
        town=town,
        site=site,
        code=CODE,
        label=LABEL,
        weekdays=WEEKDAYS,
        starts_at=datetime.time(8, 30),
        ends_at=datetime.time(17, 30),
        capacity=CAPACITY,
        needs_validation=True,
        holidays_only=True,
        deadline_kind=DeadlineKind.DAY_BEFORE,
        deadline_time=datetime.time(18, 0),
    )
    counts[Activity._meta.label] += 1
    years = list(SchoolYear.objects.filter(town=town).order_by("starts_on"))
    tariff = Tariff.objects.create(
        town=town, activity=centre, valid_from=years[0].starts_on, mode=TariffMode.WEEKLY_FLAT, base_price=WEEK_BASE
    )
    insert([TariffBand(town=town, tariff=tariff, qf_max=qf_max, price=price) for qf_max, price in WEEK_BANDS], counts)
    holidays = next_holidays(today, town.zone, years)
    if holidays is None:  # the official calendar is not published that far: no period to open
        return centre
    first_day, last_day = holidays
    opens_at = datetime.datetime.combine(today - datetime.timedelta(days=3), datetime.time(8, 0), tzinfo=PARIS)
    closes_on = max(first_day - datetime.timedelta(days=7), today + datetime.timedelta(days=1))
    closes_at = datetime.datetime.combine(min(closes_on, first_day), datetime.time(12, 0), tzinfo=PARIS)
    year = next(year for year in years if year.starts_on <= first_day <= year.ends_on)
    period = RegistrationPeriod.objects.create(
        town=town,
        activity=centre,
        label=f"{holiday_name(first_day)} {first_day.year}",
        first_day=first_day,
        last_day=last_day,
        opens_at=opens_at,
        closes_at=closes_at,
        unit=PeriodUnit.WEEK,
    )
    counts[RegistrationPeriod._meta.label] += 1

    def runs(day: datetime.date) -> bool:
        reason = closed_reason(
            day,
            weekdays=WEEKDAYS,
            zone=year.zone,
            runs_in_school_holidays=False,
            holidays_only=True,
            closures=(),
            site_id=site.pk,
            activity_id=centre.pk,
        )
        return reason is None

    weeks = period_weeks(first_day, last_day, runs)
    if not weeks:
        return centre
    days = [day.isoformat() for day in weeks[0].days]
    requests = []
    for plan in plans[:REQUESTING]:
        for child_plan in plan.children:
            if child_plan.child.site_id != site.pk:
                continue
            asked = opens_at + datetime.timedelta(hours=2 + rng.randrange(60))
            requests.append(
                EnrolmentRequest(
                    town=town,
                    family=plan.family,
                    child=child_plan.child,
                    activity=centre,
                    school_year=year,
                    registration_period=period,
                    days=days,
                    status=EnrolmentStatus.PENDING,
                    created_by=plan.user,
                    created_at=min(asked, opens_at + datetime.timedelta(days=2)),
                )
            )
    insert(requests, counts)
    return centre


def holiday_name(first_day: datetime.date) -> str:
    """What the holidays starting on `first_day` are called, from their month."""
    return {
        10: "Vacances de la Toussaint",
        11: "Vacances de la Toussaint",
        12: "Vacances de Noël",
        2: "Vacances d'hiver",
        3: "Vacances d'hiver",
        4: "Vacances de printemps",
        5: "Pont de l'Ascension",
        7: "Vacances d'été",
    }.get(first_day.month, "Vacances")
