"""Deadlines (dates butoirs): until when a day of an activity may be booked or cancelled.

Plain functions with no database and no clock: they take the service day and the
rule and give an aware Europe/Paris datetime. The four kinds met in the field:

- weekly: "Thursday 12:00 for the following week": every day of week W closes
  at that weekday and time of week W-1;
- working_days: "J-2 at 12:00": N working days before the day (Monday to
  Friday; public holidays count as working days unless the rule skips them);
- day_before: "la veille à 18h": the previous calendar day at that time;
- fixed: one instant for a whole period (registration windows).
"""

import datetime
from collections.abc import Container
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy as _

PARIS = ZoneInfo("Europe/Paris")

WEEKDAY_NAMES = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


class DeadlineKind(models.TextChoices):
    WEEKLY = "weekly", _("Chaque semaine pour la semaine suivante")
    WORKING_DAYS = "working_days", _("N jours ouvrés avant")
    DAY_BEFORE = "day_before", _("La veille")
    FIXED = "fixed", _("Date fixe")


@dataclass(frozen=True)
class DeadlineRule:
    kind: DeadlineKind
    time: datetime.time = datetime.time(12, 0)
    weekday: int | None = None
    days: int | None = None
    fixed_at: datetime.datetime | None = None
    skip_public_holidays: bool = False

    def validate(self) -> None:
        """Raise ValueError (in French, shown to administrators) when incomplete."""
        if self.kind == DeadlineKind.WEEKLY and (self.weekday is None or not 0 <= self.weekday <= 6):
            raise ValueError("Indiquez le jour de la semaine de la date butoir.")
        if self.kind == DeadlineKind.WORKING_DAYS and (self.days is None or self.days < 1):
            raise ValueError("Indiquez un nombre de jours ouvrés d'au moins 1.")
        if self.kind == DeadlineKind.FIXED and self.fixed_at is None:
            raise ValueError("Indiquez la date limite fixe.")

    def describe(self) -> str:
        """The rule as a French sentence, for parents and the API."""
        hour = f"{self.time.hour}h{self.time.minute:02d}"
        match self.kind:
            case DeadlineKind.WEEKLY:
                assert self.weekday is not None
                return f"Le {WEEKDAY_NAMES[self.weekday]} à {hour} pour la semaine suivante"
            case DeadlineKind.WORKING_DAYS:
                holidays = "" if self.skip_public_holidays else ", jours fériés comptés"
                return f"{self.days} jour(s) ouvré(s) avant à {hour} (week-ends non comptés{holidays})"
            case DeadlineKind.DAY_BEFORE:
                return f"La veille à {hour}"
            case DeadlineKind.FIXED:
                assert self.fixed_at is not None
                local = self.fixed_at.astimezone(PARIS)
                return f"Jusqu'au {local:%d/%m/%Y} à {local.hour}h{local.minute:02d}"
        raise AssertionError(self.kind)


def at_paris_time(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """`day` at the local wall-clock `time` in Paris, whatever the season.

    On the spring-forward Sunday a time between 02:00 and 03:00 does not exist;
    zoneinfo then reads it with the offset before the change, which normalises
    to the instant one hour later — the deadline is never earlier than written.
    """
    return datetime.datetime.combine(day, time, tzinfo=PARIS)


def is_working_day(day: datetime.date, public_holidays: Container[datetime.date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in public_holidays


def deadline_for(
    day: datetime.date,
    rule: DeadlineRule,
    public_holidays: Container[datetime.date] = frozenset(),
) -> datetime.datetime:
    """The last instant at which a parent may book or cancel `day` under `rule`.

    `public_holidays` is only read by working-day rules that skip them.
    """
    match rule.kind:
        case DeadlineKind.WEEKLY:
            assert rule.weekday is not None
            monday = day - datetime.timedelta(days=day.weekday())
            return at_paris_time(monday - datetime.timedelta(days=7 - rule.weekday), rule.time)
        case DeadlineKind.WORKING_DAYS:
            assert rule.days is not None
            skipped = public_holidays if rule.skip_public_holidays else frozenset()
            cursor, remaining = day, rule.days
            while remaining:
                cursor -= datetime.timedelta(days=1)
                if is_working_day(cursor, skipped):
                    remaining -= 1
            return at_paris_time(cursor, rule.time)
        case DeadlineKind.DAY_BEFORE:
            return at_paris_time(day - datetime.timedelta(days=1), rule.time)
        case DeadlineKind.FIXED:
            assert rule.fixed_at is not None
            return rule.fixed_at.astimezone(PARIS)
    raise AssertionError(rule.kind)


def is_changeable(
    day: datetime.date,
    rule: DeadlineRule,
    now: datetime.datetime,
    public_holidays: Container[datetime.date] = frozenset(),
) -> bool:
    """Whether a parent may still book or cancel `day` at `now` (inclusive of the deadline minute)."""
    return now <= deadline_for(day, rule, public_holidays)
