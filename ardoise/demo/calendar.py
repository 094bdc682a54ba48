"""School years and open days of the demo town, relative to `today`.

School years follow the official calendar of the zone (calendars.opening.school_year_dates).
"""

import datetime
from dataclasses import dataclass

from ardoise.calendars.opening import ClosureSpan, closed_reason, school_year_dates


@dataclass(frozen=True)
class YearSpan:
    start_year: int
    starts_on: datetime.date
    ends_on: datetime.date


def school_year(start_year: int, zone: str) -> YearSpan:
    """The school year starting in September of `start_year`, with its official first and last days."""
    dates = school_year_dates(start_year, zone)
    return YearSpan(start_year, dates.starts_on, dates.ends_on)


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
