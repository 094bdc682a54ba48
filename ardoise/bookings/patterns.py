"""Which days a weekly choice means: "every Monday and Thursday until 30 June".

Pure functions, no database and no clock: they read the days of a
`FamilyCalendar` (its `Entry`s, or anything shaped like them) and return the
booking changes that the choice asks for. Closed days and days past their
deadline are skipped, never refused: a parent asking for "every Monday" does
not want an error for Easter Monday. What they return goes through
`actions.review` / `actions.apply` like any other batch.
"""

import datetime
from collections.abc import Collection, Iterable
from typing import Protocol

from ardoise.bookings.actions import Change

# States in which a day already holds the booking (or the request) a choice asks for.
HELD_STATES = frozenset({"booked", "requested"})


class StatusLike(Protocol):
    @property
    def changeable(self) -> bool: ...


class DayLike(Protocol):
    """What the generators read of a calendar Entry."""

    @property
    def day(self) -> datetime.date: ...
    @property
    def state(self) -> str: ...
    @property
    def status(self) -> StatusLike: ...


def weekly_changes(
    entries: Iterable[DayLike],
    activity_id: int,
    *,
    weekdays: Collection[int],
    start: datetime.date,
    until: datetime.date,
    cancel_weekdays: Collection[int] = (),
) -> list[Change]:
    """Book every changeable, not yet booked day of `weekdays` from `start` to `until` (both included).

    Days on `cancel_weekdays` (weekdays dropped from a regular registration)
    that are booked and still changeable are cancelled. A day that is closed,
    past its deadline, already booked or refused by staff is left alone, so the
    result applied once and generated again gives no change.
    """
    changes: dict[datetime.date, Change] = {}
    for entry in entries:
        day = entry.day
        if not (start <= day <= until) or not entry.status.changeable:
            continue
        if day.weekday() in weekdays:
            if entry.state == "none":
                changes[day] = Change(day, activity_id, True)
        elif day.weekday() in cancel_weekdays and entry.state in HELD_STATES:
            changes[day] = Change(day, activity_id, False)
    return [changes[day] for day in sorted(changes)]


def whole_period_changes(entries: Iterable[DayLike], activity_id: int) -> list[Change]:
    """Book every changeable, not yet booked day of the entries ("tout le mois", seed 002)."""
    return weekly_changes(
        entries,
        activity_id,
        weekdays=range(7),
        start=datetime.date.min,
        until=datetime.date.max,
    )
