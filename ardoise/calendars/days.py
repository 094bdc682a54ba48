"""A day of an activity as the planning shows it: open or why not, deadline, changeable.

The thin glue between the database and the pure rules of calendars.opening and
calendars.deadlines: the loaders read the town's school years and closures, cached
per process (towns.reference), `day_status` reads nothing and is what the planning
calls for every day and activity.
"""

import datetime
from collections.abc import Container, Iterable
from dataclasses import dataclass
from typing import Protocol

from ardoise.calendars.deadlines import DeadlineRule, deadline_for, is_changeable
from ardoise.calendars.models import Closure, SchoolYear
from ardoise.calendars.opening import ClosedReason, ClosureSpan, closed_reason
from ardoise.towns import reference
from ardoise.towns.models import Town


class ActivityLike(Protocol):
    """What day_status reads of an activity (activities.models.Activity has it)."""

    @property
    def pk(self) -> int | None: ...
    @property
    def site_id(self) -> int | None: ...
    @property
    def weekdays(self) -> Container[int]: ...
    @property
    def runs_in_school_holidays(self) -> bool: ...
    @property
    def holidays_only(self) -> bool: ...
    @property
    def deadline_rule(self) -> DeadlineRule: ...


@dataclass(frozen=True)
class DayStatus:
    """The calendar part of a planning ENTRY (API.md)."""

    open: bool
    closed_reason: ClosedReason | None  # None when open.
    deadline: datetime.datetime | None  # Aware, Europe/Paris; None when not open.
    changeable: bool  # Open and the deadline not passed at `now`.


def _all_closures(town: Town) -> tuple[ClosureSpan, ...]:
    rows = Closure.objects.using(reference.PRIMARY).filter(town=town).order_by("starts_on", "pk")
    return tuple(
        ClosureSpan(*row) for row in rows.values_list("starts_on", "ends_on", "site_id", "activity_id", "label")
    )


def _all_school_years(town: Town) -> tuple[SchoolYear, ...]:
    return tuple(SchoolYear.objects.using(reference.PRIMARY).filter(town=town).order_by("start_year"))


def load_closures(town: Town, start: datetime.date, end: datetime.date) -> list[ClosureSpan]:
    """The town's closures overlapping start..end (both included), from the town's cached reference data."""
    closures = reference.cached(town, "calendars.closures", _all_closures)
    return [closure for closure in closures if closure.starts_on <= end and closure.ends_on >= start]


def school_years(town: Town, start: datetime.date, end: datetime.date) -> list[SchoolYear]:
    """The town's school years overlapping start..end, oldest first (copies of the cached ones)."""
    years = reference.cached(town, "calendars.school_years", _all_school_years)
    return [reference.copy_of(year) for year in years if year.starts_on <= end and year.ends_on >= start]


def school_year_for(town: Town, day: datetime.date) -> SchoolYear | None:
    """The town's school year containing `day`, or None (summer break, year not set up)."""
    years = school_years(town, day, day)
    return years[0] if years else None


def day_status(
    day: datetime.date,
    activity_like: ActivityLike,
    zone: str,
    closures: Iterable[ClosureSpan],
    now: datetime.datetime,
) -> DayStatus:
    """Whether `activity_like` runs on `day`, until when it may be changed, and whether it still may at `now`."""
    reason = closed_reason(
        day,
        weekdays=activity_like.weekdays,
        zone=zone,
        runs_in_school_holidays=activity_like.runs_in_school_holidays,
        holidays_only=activity_like.holidays_only,
        closures=closures,
        site_id=activity_like.site_id,
        activity_id=activity_like.pk,
    )
    if reason is not None:
        return DayStatus(open=False, closed_reason=reason, deadline=None, changeable=False)
    rule = activity_like.deadline_rule
    return DayStatus(
        open=True,
        closed_reason=None,
        deadline=deadline_for(day, rule),
        changeable=is_changeable(day, rule, now),
    )
