"""Meal counts for the kitchen: per site and day, by diet, with the children who have allergies or a PAI.

What counts as a meal: a day of the `repas` activity (by code: the town does not
mark other activities as meals yet) in state booked, present or
present_unbooked. A day waiting for staff (requested) is not counted, nor an
absence (absence_pending, absent_excused, absent_billed), a refusal or a cancellation.

`meal_counts` reads everything in two queries whatever the period and the town: the meal
activities, the closures and the school years come from the town's cached reference data
(towns.reference); one grouped read of the period's meals gives the counts and which children
with an allergy or a PAI eat where; one read of the town's children with an allergy or a PAI
gives their names, in the database's order.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import BooleanField, Case, Count, F, IntegerField, Q, Value, When

from ardoise.activities import reference as activity_reference
from ardoise.activities.models import Activity
from ardoise.bookings.calendar import daterange
from ardoise.bookings.models import Booking, BookingState
from ardoise.calendars.days import load_closures, school_years
from ardoise.calendars.models import SchoolYear
from ardoise.calendars.opening import ClosedReason, ClosureSpan, closed_reason
from ardoise.families.models import Child, Diet
from ardoise.towns.models import Site, Town

MEAL_ACTIVITY_CODE = "repas"
COUNTED_STATES = (BookingState.BOOKED, BookingState.PRESENT, BookingState.PRESENT_UNBOOKED)
# The longest period one page or export covers (a school term and a bit), both ends included.
MAX_PERIOD_DAYS = 93
# How many school days the page shows by default, from today.
DEFAULT_SCHOOL_DAYS = 5
# How far ahead to look for those school days (a summer break is longer; past it, the page shows a week).
LOOKAHEAD_DAYS = 70
# Diet's values, read once (Diet.values builds a new list at each call: a week's page asks hundreds of times).
DIETS = tuple(Diet.values)


@dataclass
class Tally:
    total: int = 0
    diets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DIETS, 0))
    pai: int = 0
    allergies: int = 0

    def add(self, n: int, diet: str, has_pai: bool, allergic: bool) -> None:
        self.total += n
        self.diets[diet] = self.diets.get(diet, 0) + n
        if has_pai:
            self.pai += n
        if allergic:
            self.allergies += n

    def merge(self, other: "Tally") -> None:
        self.total += other.total
        for diet, n in other.diets.items():
            self.diets[diet] = self.diets.get(diet, 0) + n
        self.pai += other.pai
        self.allergies += other.allergies

    def diet_counts(self) -> list[int]:
        """The counts in the order of Diet's choices (the columns of the page and exports)."""
        return [self.diets.get(value, 0) for value in DIETS]

    def figures(self) -> list[int]:
        """The columns of the page and exports: meals, each diet, PAI, allergies."""
        return [self.total, *self.diet_counts(), self.pai, self.allergies]


class FlaggedChild(NamedTuple):
    """A child eating that day whose allergy or PAI the kitchen must know by name (a named tuple: a town's
    week has thousands, which a frozen dataclass took several milliseconds to build)."""

    day: datetime.date
    site_id: int
    child_id: int
    first_name: str
    last_name: str
    school_class: str
    diet: str
    has_pai: bool
    pai_details: str
    allergies: str

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name}"

    @property
    def diet_label(self) -> str:
        return str(Diet(self.diet).label) if self.diet in DIETS else self.diet


@dataclass
class MealCounts:
    start: datetime.date
    end: datetime.date
    days: list[datetime.date]
    sites: list[Site]
    cells: dict[tuple[datetime.date, int], Tally]
    closed: dict[tuple[datetime.date, int], ClosedReason]
    by_day: dict[datetime.date, Tally]
    by_site: dict[int, Tally]
    total: Tally
    flagged: dict[tuple[datetime.date, int], list[FlaggedChild]]

    def cell(self, day: datetime.date, site_id: int) -> Tally:
        return self.cells.get((day, site_id)) or Tally()


def _meal_activities(town: Town) -> list[Activity]:
    """The town's meal activities with their sites, in the order of their sites' names (the town's cached
    reference data: no query once read)."""
    return list(activity_reference.activities_of_code(town, MEAL_ACTIVITY_CODE).values())


def _zone_on(day: datetime.date, years: list[SchoolYear], town: Town) -> str:
    for year in years:
        if year.starts_on <= day <= year.ends_on:
            return year.zone
    return town.zone


def _reason(
    day: datetime.date, activity: Activity, years: list[SchoolYear], town: Town, closures: list[ClosureSpan]
) -> ClosedReason | None:
    return closed_reason(
        day,
        weekdays=activity.weekdays,
        zone=_zone_on(day, years, town),
        runs_in_school_holidays=activity.runs_in_school_holidays,
        holidays_only=activity.holidays_only,
        closures=closures,
        site_id=activity.site_id,
        activity_id=activity.pk,
    )


def default_period(town: Town, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The next DEFAULT_SCHOOL_DAYS days, from today, on which a meal is served at one site at least."""
    activities = _meal_activities(town)
    horizon = today + datetime.timedelta(days=LOOKAHEAD_DAYS)
    closures = load_closures(town, today, horizon)
    years = school_years(town, today, horizon)
    found: list[datetime.date] = []
    for day in daterange(today, horizon):
        if any(_reason(day, activity, years, town, closures) is None for activity in activities):
            found.append(day)
            if len(found) == DEFAULT_SCHOOL_DAYS:
                break
    if not found:
        return today, today + datetime.timedelta(days=6)
    return found[0], found[-1]


def meal_counts(town: Town, start: datetime.date, end: datetime.date) -> MealCounts:
    """Meal counts of every site of `town` from `start` to `end` (both included)."""
    activities = _meal_activities(town)
    closures = load_closures(town, start, end)
    years = school_years(town, start, end)
    sites = [activity.site for activity in activities]
    flagged_child = Q(child__has_pai=True) | ~Q(child__allergies="")
    # One grouped read of the period's meals: each group's count by site, day, diet, PAI and allergy, and the
    # children the kitchen must know by name as groups of their own (one per child and day), so that the
    # bookings are read once for the counts and the names alike.
    rows = (
        Booking.objects.filter(
            town=town, activity__code=MEAL_ACTIVITY_CODE, date__range=(start, end), state__in=COUNTED_STATES
        )
        .annotate(
            allergic=Case(
                When(child__allergies="", then=Value(False)), default=Value(True), output_field=BooleanField()
            ),
            flagged_id=Case(When(flagged_child, then=F("child_id")), default=None, output_field=IntegerField()),
        )
        .values_list("date", "activity__site_id", "child__diet", "child__has_pai", "allergic", "flagged_id")
        .annotate(n=Count("*"))  # not Count("id"): the index alone answers (see Booking's indexes)
        .order_by()
    )
    groups: Counter[tuple[datetime.date, int, str, bool, bool]] = Counter()
    eating: dict[tuple[datetime.date, int], list[int]] = defaultdict(list)
    for day, site_id, diet, has_pai, allergic, flagged_id, n in rows:
        groups[(day, site_id, diet, has_pai, allergic)] += n
        if flagged_id is not None:
            eating[(day, site_id)].append(flagged_id)
    cells: dict[tuple[datetime.date, int], Tally] = defaultdict(Tally)
    for (day, site_id, diet, has_pai, allergic), n in groups.items():
        cells[(day, site_id)].add(n, diet, has_pai, allergic)
    by_day: dict[datetime.date, Tally] = defaultdict(Tally)
    by_site: dict[int, Tally] = defaultdict(Tally)
    total = Tally()
    # The day, site and period totals from the cells (a few hundred) rather than from every row.
    for (day, site_id), cell in cells.items():
        for tally in (by_day[day], by_site[site_id], total):
            tally.merge(cell)
    closed: dict[tuple[datetime.date, int], ClosedReason] = {}
    days = []
    for day in daterange(start, end):
        for activity in activities:
            reason = _reason(day, activity, years, town, closures)
            if reason is not None:
                closed[(day, activity.site_id)] = reason
        if day in by_day or any((day, activity.site_id) not in closed for activity in activities):
            days.append(day)
    return MealCounts(
        start=start,
        end=end,
        days=days,
        sites=sites,
        cells=dict(cells),
        closed=closed,
        by_day=dict(by_day),
        by_site=dict(by_site),
        total=total,
        flagged=_flagged(town, days, sites, eating) if eating else {},
    )


def _flagged(
    town: Town, days: list[datetime.date], sites: list[Site], eating: dict[tuple[datetime.date, int], list[int]]
) -> dict[tuple[datetime.date, int], list[FlaggedChild]]:
    """The children of `eating` (ids by day and site) by name, per day and site in the page's order (day, site
    name), each list by last and first name. The town's flagged children are read once, in the database's
    order of names, whatever the number of days they eat."""
    details = (
        Child.objects.filter(town=town)
        .filter(Q(has_pai=True) | ~Q(allergies=""))
        .order_by("last_name", "first_name")
        .values_list("pk", "first_name", "last_name", "school_class", "diet", "has_pai", "pai_details", "allergies")
    )
    rank: dict[int, int] = {}
    by_id: dict[int, list[Any]] = {}
    for position, (pk, *child) in enumerate(details):
        rank[pk] = position
        by_id[pk] = child
    flagged: dict[tuple[datetime.date, int], list[FlaggedChild]] = {}
    site_ids = [site.pk for site in sites]
    for day in days:
        for site_id in site_ids:
            # (A child whose allergy and PAI were removed between the two reads is no longer listed.)
            ids = sorted((pk for pk in eating.get((day, site_id), ()) if pk in rank), key=rank.__getitem__)
            if ids:
                flagged[(day, site_id)] = [FlaggedChild(day, site_id, pk, *by_id[pk]) for pk in ids]
    return flagged
