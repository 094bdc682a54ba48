"""Registration periods as plain rules (no database, no clock): the weeks of a period and their open
days, whether registration is open at an instant, and what a family is told when it is not.

A period's days are its activity's open days between its first and last day (the caller says which
days are open, from calendars.opening). Registered by the week (`PeriodUnit.WEEK`), a family takes a
whole week: all its open days (a week whose days are all closed is not offered). Weeks are ISO weeks,
Monday to Sunday, cut to the period's first and last day.
"""

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

from ardoise.calendars.wording import date_fr


@dataclass(frozen=True)
class PeriodWeek:
    monday: datetime.date
    # The activity's open days of the week within the period, in order (never empty).
    days: tuple[datetime.date, ...]


def period_days(
    first_day: datetime.date, last_day: datetime.date, is_open: Callable[[datetime.date], bool]
) -> list[datetime.date]:
    """The open days of a period, in order."""
    count = (last_day - first_day).days + 1
    return [day for day in (first_day + datetime.timedelta(days=n) for n in range(max(count, 0))) if is_open(day)]


def period_weeks(
    first_day: datetime.date, last_day: datetime.date, is_open: Callable[[datetime.date], bool]
) -> list[PeriodWeek]:
    """The weeks of a period with at least one open day, each with its open days."""
    weeks: dict[datetime.date, list[datetime.date]] = {}
    for day in period_days(first_day, last_day, is_open):
        weeks.setdefault(day - datetime.timedelta(days=day.weekday()), []).append(day)
    return [PeriodWeek(monday, tuple(days)) for monday, days in weeks.items()]


def days_of_weeks(weeks: Sequence[PeriodWeek], mondays: Iterable[datetime.date]) -> list[datetime.date]:
    """The days a family asks for when it ticks whole weeks (their Mondays); unknown weeks are ignored."""
    chosen = set(mondays)
    return [day for week in weeks if week.monday in chosen for day in week.days]


def whole_weeks_only(weeks: Sequence[PeriodWeek], days: Iterable[datetime.date]) -> bool:
    """Whether `days` are whole weeks of the period (unit week): every week touched is taken whole."""
    wanted = set(days)
    known = {day for week in weeks for day in week.days}
    if not wanted <= known:
        return False
    return all(set(week.days) <= wanted or not (set(week.days) & wanted) for week in weeks)


class RegistrationState(StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


def registration_state(
    opens_at: datetime.datetime, closes_at: datetime.datetime, now: datetime.datetime
) -> RegistrationState:
    """Open from `opens_at` included to `closes_at` excluded."""
    if now < opens_at:
        return RegistrationState.UPCOMING
    if now >= closes_at:
        return RegistrationState.CLOSED
    return RegistrationState.OPEN


def is_registration_open(opens_at: datetime.datetime, closes_at: datetime.datetime, now: datetime.datetime) -> bool:
    return registration_state(opens_at, closes_at, now) == RegistrationState.OPEN


def closed_message(opens_at: datetime.datetime, closes_at: datetime.datetime, now: datetime.datetime) -> str:
    """Why a family cannot register at `now` ("" while registration is open)."""
    state = registration_state(opens_at, closes_at, now)
    if state == RegistrationState.UPCOMING:
        return _("Les inscriptions ne sont pas encore ouvertes : elles ouvrent le %(when)s.") % {
            "when": date_fr(opens_at, "l j F Y à H\\hi")
        }
    if state == RegistrationState.CLOSED:
        return _("Les inscriptions sont clôturées depuis le %(when)s.") % {
            "when": date_fr(closes_at, "l j F Y à H\\hi")
        }
    return ""
