"""A day of an activity as the planning shows it: open or why not, deadline, changeable.

The thin glue between the database and the pure rules of calendars.opening and
calendars.deadlines: the two loaders read the town's tables, `day_status` reads
nothing and is what the planning calls for every day and activity.
"""

import datetime
from collections.abc import Container, Iterable
from dataclasses import dataclass
from typing import Protocol

from ardoise.calendars.deadlines import DeadlineRule, deadline_for, is_changeable
from ardoise.calendars.models import Closure, SchoolYear
from ardoise.calendars.opening import ClosedReason, ClosureSpan, closed_reason
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


def load_closures(town: Town, start: datetime.date, end: datetime.date) -> list[ClosureSpan]:
    """The town's closures overlapping start..end (both included), in one query."""
    rows = Closure.objects.filter(town=town, starts_on__lte=end, ends_on__gte=start).values_list(
        "starts_on", "ends_on", "site_id", "activity_id", "label"
    )
    return [ClosureSpan(*row) for row in rows]


def school_year_for(town: Town, day: datetime.date) -> SchoolYear | None:
    """The town's school year containing `day`, or None (summer break, year not set up)."""
    return SchoolYear.objects.filter(town=town, starts_on__lte=day, ends_on__gte=day).first()


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
