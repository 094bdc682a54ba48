"""School years and open days of the demo town, relative to `today`.

School years follow the official calendar of the zone: a year starts the day
after the summer holidays of its first calendar year and ends the day before
the next summer holidays (vacances_scolaires_france). Beyond the published
calendar it falls back to 1 September and the Friday before the first Saturday
of July.
"""

import datetime
import functools
from dataclasses import dataclass

from vacances_scolaires_france import SchoolHolidayDates

from ardoise.calendars.opening import ClosureSpan, closed_reason

SUMMER = "Vacances d'été"
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class YearSpan:
    start_year: int
    starts_on: datetime.date
    ends_on: datetime.date


@functools.cache
def _school_holiday_dates() -> SchoolHolidayDates:
    return SchoolHolidayDates()


def _summer_holidays(year: int, zone: str) -> list[datetime.date]:
    data = _school_holiday_dates()
    if not data.min_year <= year <= data.max_year:
        return []
    return sorted(data.holidays_for_year_zone_and_name(year, zone, SUMMER))


def school_year(start_year: int, zone: str) -> YearSpan:
    """The school year starting in September of `start_year`, with its official first and last days."""
    summer_before = _summer_holidays(start_year, zone)
    summer_after = _summer_holidays(start_year + 1, zone)
    starts_on = summer_before[-1] + ONE_DAY if summer_before else datetime.date(start_year, 9, 1)
    if summer_after:
        ends_on = summer_after[0] - ONE_DAY
    else:
        first_saturday = datetime.date(start_year + 1, 7, 1)
        first_saturday += datetime.timedelta(days=(5 - first_saturday.weekday()) % 7)
        ends_on = first_saturday - ONE_DAY
    return YearSpan(start_year, starts_on, ends_on)


def current_school_year(today: datetime.date, zone: str) -> YearSpan:
    """The school year under way; from the summer break to the rentrée, the one just finished."""
    this_year = school_year(today.year, zone)
    return this_year if today >= this_year.starts_on else school_year(today.year - 1, zone)


def days_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def is_open(
    day: datetime.date,
    *,
    weekdays: list[int],
    zone: str,
    runs_in_school_holidays: bool,
    closures: list[ClosureSpan],
    site_id: int | None,
    activity_id: int | None,
) -> bool:
    """The one door to the calendar rule (calendars.opening)."""
    reason = closed_reason(
        day,
        weekdays=weekdays,
        zone=zone,
        runs_in_school_holidays=runs_in_school_holidays,
        closures=closures,
        site_id=site_id,
        activity_id=activity_id,
    )
    return reason is None
