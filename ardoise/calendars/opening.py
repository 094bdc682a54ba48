"""Whether an activity runs on a day, and if not, why.

Plain functions with no database and no clock. Public holidays come from the
`holidays` package (metropolitan France), school holidays from the official
calendar shipped in `vacances_scolaires_france` (it includes the *pont de
l'Ascension*); the town's own closures are passed in as `ClosureSpan`s
(see calendars.days.load_closures).

The school-holiday data only covers the school years the package ships. For a
day outside it, `is_school_holiday` answers False rather than failing, and
`school_calendar_known` answers False so that screens can warn that the
holidays are not known yet (upgrade the package once the ministry publishes
the next calendar).
"""

import datetime
import functools
from collections.abc import Container, Iterable
from dataclasses import dataclass

import holidays
from django.db import models
from django.utils.translation import gettext_lazy as _
from vacances_scolaires_france import SchoolHolidayDates


class ClosedReason(models.TextChoices):
    """Why an activity does not run on a day; the values are part of the API."""

    NOT_RUNNING = "not_running", _("Pas de service ce jour-là")
    PUBLIC_HOLIDAY = "public_holiday", _("Jour férié")
    SCHOOL_HOLIDAY = "school_holiday", _("Vacances scolaires")
    CLOSURE = "closure", _("Fermeture")


@dataclass(frozen=True)
class ClosureSpan:
    """A town's closure (calendars.models.Closure) as plain data, both ends included."""

    starts_on: datetime.date
    ends_on: datetime.date
    site_id: int | None  # None: every site of the town.
    activity_id: int | None  # None: every activity.
    label: str = ""

    def covers(self, day: datetime.date, *, site_id: int | None, activity_id: int | None) -> bool:
        return (
            self.starts_on <= day <= self.ends_on
            and (self.site_id is None or self.site_id == site_id)
            and (self.activity_id is None or self.activity_id == activity_id)
        )


# Public holidays


@functools.cache
def public_holidays(year: int) -> frozenset[datetime.date]:
    """French public holidays (jours fériés) of metropolitan France for `year`.

    Alsace-Moselle's two extra days (Good Friday, 26 December) are not included.
    """
    return frozenset(holidays.country_holidays("FR", years=year))


def is_public_holiday(day: datetime.date) -> bool:
    return day in public_holidays(day.year)


class PublicHolidays(Container[datetime.date]):
    """Every French public holiday of any year, for rules that take a Container of dates."""

    def __contains__(self, day: object) -> bool:
        return isinstance(day, datetime.date) and is_public_holiday(day)


FRENCH_PUBLIC_HOLIDAYS = PublicHolidays()


# School holidays


@functools.cache
def _school_holiday_dates() -> SchoolHolidayDates:
    # Parses a CSV of ~14,000 rows: do it once per process.
    return SchoolHolidayDates()


@functools.cache
def _school_calendar_range() -> tuple[datetime.date, datetime.date]:
    """First and last day the shipped calendar speaks for.

    The data lists every day up to 31 December of its last year, but holidays
    only up to the last calendar the ministry had published (usually up to a
    summer break): after the last holiday listed, nothing is known.
    """
    data = _school_holiday_dates()
    return datetime.date(data.min_year, 1, 1), max(data.data)


@functools.cache
def _school_holidays(year: int, zone: str) -> frozenset[datetime.date]:
    data = _school_holiday_dates()
    if not data.min_year <= year <= data.max_year:
        return frozenset()
    return frozenset(data.holidays_for_year_and_zone(year, zone))


SUMMER = "Vacances d'été"


def summer_holidays(year: int, zone: str) -> list[datetime.date]:
    """The days of the summer holidays that begin in `year` in `zone`, sorted; [] where unpublished."""
    data = _school_holiday_dates()
    if not data.min_year <= year <= data.max_year:
        return []
    return sorted(data.holidays_for_year_zone_and_name(year, zone, SUMMER))


@dataclass(frozen=True)
class SchoolYearDates:
    start_year: int
    starts_on: datetime.date
    ends_on: datetime.date
    # Whether both dates come from the official calendar (else they are estimates to check).
    official: bool


def school_year_dates(start_year: int, zone: str) -> SchoolYearDates:
    """First school day after the summer holidays of `start_year`, last one before the next ones.

    From the official calendar where it is published; otherwise the first
    weekday from 1 September and the Friday before the first Saturday of July,
    flagged as estimates.
    """
    this_summer, next_summer = summer_holidays(start_year, zone), summer_holidays(start_year + 1, zone)
    one_day = datetime.timedelta(days=1)
    starts_on = this_summer[-1] + one_day if this_summer else datetime.date(start_year, 9, 1)
    while starts_on.weekday() >= 5:
        starts_on += one_day
    if next_summer:
        ends_on = next_summer[0] - one_day
    else:
        first_of_july = datetime.date(start_year + 1, 7, 1)
        ends_on = first_of_july + datetime.timedelta(days=(5 - first_of_july.weekday()) % 7) - one_day
    while ends_on.weekday() >= 5:
        ends_on -= one_day
    return SchoolYearDates(start_year, starts_on, ends_on, official=bool(this_summer and next_summer))


def school_calendar_known(day: datetime.date) -> bool:
    """Whether the official school-holiday calendar covers `day`.

    When it does not, `is_school_holiday` answers False for that day.
    """
    first, last = _school_calendar_range()
    return first <= day <= last


def is_school_holiday(day: datetime.date, zone: str) -> bool:
    """Whether `day` is in the school holidays of `zone` ("A", "B" or "C").

    False for days the official calendar does not cover yet (see school_calendar_known).
    """
    if zone not in SchoolHolidayDates.SUPPORTED_ZONES:
        raise ValueError(f"Unknown school-holiday zone: {zone!r}")
    return day in _school_holidays(day.year, str(zone))


# The rule


def closed_reason(
    day: datetime.date,
    *,
    weekdays: Container[int],
    zone: str,
    runs_in_school_holidays: bool,
    closures: Iterable[ClosureSpan],
    site_id: int | None,
    activity_id: int | None,
    holidays_only: bool = False,
) -> ClosedReason | None:
    """Why the activity does not run on `day`, or None when it runs.

    Where several reasons apply, the first in this order is given (API contract):
    not one of its weekdays, or a school day for an activity that runs in school
    holidays only (`holidays_only`, ALSH vacances); public holiday; school holiday
    (unless the activity runs in school holidays); closure of its site or activity.
    """
    if day.weekday() not in weekdays:
        return ClosedReason.NOT_RUNNING
    if holidays_only and not is_school_holiday(day, zone):
        return ClosedReason.NOT_RUNNING
    if is_public_holiday(day):
        return ClosedReason.PUBLIC_HOLIDAY
    if not (runs_in_school_holidays or holidays_only) and is_school_holiday(day, zone):
        return ClosedReason.SCHOOL_HOLIDAY
    if any(span.covers(day, site_id=site_id, activity_id=activity_id) for span in closures):
        return ClosedReason.CLOSURE
    return None
