"""Deadlines (dates butoirs): until when a day of an activity may be booked or cancelled.

Plain functions with no database and no clock: they take the service day and the
rule and give an aware Europe/Paris datetime. The four kinds met in the field:

- weekly: "Thursday 12:00 for the following week": every day of week W closes
  at that weekday and time of week W-1 (weeks run Monday to Sunday);
- working_days: "J-2 at 12:00": N working days before the day (Monday to
  Friday; public holidays count as working days unless the rule skips them);
- day_before: "la veille à 18h": the previous calendar day at that time;
- fixed: one instant for a whole period (registration windows).

A day may be changed up to and including the deadline instant: with a 12:00
deadline, 12:00:00 is accepted and 12:00:01 refused.
"""

import datetime
from collections.abc import Container
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ardoise.calendars.opening import FRENCH_PUBLIC_HOLIDAYS

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
    # Local (Europe/Paris) wall-clock time; not read by fixed rules.
    time: datetime.time = datetime.time(12, 0)
    # weekly: the weekday of the previous week, Monday = 0.
    weekday: int | None = None
    # working_days: how many working days before the service day.
    days: int | None = None
    # fixed: the one instant closing every day of the period (aware).
    fixed_at: datetime.datetime | None = None
    # working_days: public holidays are not counted as working days either.
    skip_public_holidays: bool = False

    def validate(self) -> None:
        """Raise ValueError (in French, shown to administrators) when incomplete."""
        if self.kind == DeadlineKind.WEEKLY and (self.weekday is None or not 0 <= self.weekday <= 6):
            raise ValueError(gettext("Indiquez le jour de la semaine de la date butoir."))
        if self.kind == DeadlineKind.WORKING_DAYS and (self.days is None or self.days < 1):
            raise ValueError(gettext("Indiquez un nombre de jours ouvrés d'au moins 1."))
        if self.kind == DeadlineKind.FIXED and self.fixed_at is None:
            raise ValueError(gettext("Indiquez la date limite fixe."))
        if self.kind == DeadlineKind.FIXED and self.fixed_at is not None and self.fixed_at.utcoffset() is None:
            raise ValueError(gettext("La date limite fixe doit préciser son fuseau horaire."))

    def describe(self) -> str:
        """The rule as a French sentence, for parents and the API."""
        hour = _format_hour(self.time)
        match self.kind:
            case DeadlineKind.WEEKLY:
                assert self.weekday is not None
                return gettext("Le %(weekday)s à %(hour)s pour la semaine suivante") % {
                    "weekday": WEEKDAY_NAMES[self.weekday],
                    "hour": hour,
                }
            case DeadlineKind.WORKING_DAYS:
                assert self.days is not None
                if self.skip_public_holidays:
                    counted = gettext("week-ends et jours fériés non comptés")
                else:
                    counted = gettext("week-ends non comptés, jours fériés comptés")
                sentence = ngettext(
                    "%(days)d jour ouvré avant, à %(hour)s (%(counted)s)",
                    "%(days)d jours ouvrés avant, à %(hour)s (%(counted)s)",
                    self.days,
                )
                return sentence % {"days": self.days, "hour": hour, "counted": counted}
            case DeadlineKind.DAY_BEFORE:
                return gettext("La veille à %(hour)s") % {"hour": hour}
            case DeadlineKind.FIXED:
                assert self.fixed_at is not None
                local = self.fixed_at.astimezone(PARIS)
                return gettext("Jusqu'au %(date)s à %(hour)s") % {
                    "date": f"{local:%d/%m/%Y}",
                    "hour": _format_hour(local.time()),
                }
        raise AssertionError(self.kind)


def _format_hour(time: datetime.time) -> str:
    return f"{time.hour}h{time.minute:02d}"


def at_paris_time(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """`day` at the local wall-clock `time` in Paris, whatever the season.

    The result is normalised (round-tripped through UTC), so its offset is the
    one in force at that instant. On the spring-forward Sunday a time between
    02:00 and 03:00 does not exist: it is read with the winter offset, which is
    the instant one hour later (02:30 becomes 03:30+02:00) — never earlier than
    written. On the fall-back Sunday a time between 02:00 and 03:00 happens
    twice: the first one (summer time) is taken.
    """
    naive_paris = datetime.datetime.combine(day, time.replace(tzinfo=None, fold=0), tzinfo=PARIS)
    return naive_paris.astimezone(datetime.UTC).astimezone(PARIS)


def is_working_day(day: datetime.date, public_holidays: Container[datetime.date] = frozenset()) -> bool:
    return day.weekday() < 5 and day not in public_holidays


def deadline_for(
    day: datetime.date,
    rule: DeadlineRule,
    public_holidays: Container[datetime.date] | None = None,
) -> datetime.datetime:
    """The last instant at which a parent may book or cancel `day` under `rule`.

    `public_holidays` is only read by working-day rules that skip them; it
    defaults to the French public holidays (calendars.opening).
    """
    match rule.kind:
        case DeadlineKind.WEEKLY:
            assert rule.weekday is not None
            monday = day - datetime.timedelta(days=day.weekday())
            return at_paris_time(monday - datetime.timedelta(days=7 - rule.weekday), rule.time)
        case DeadlineKind.WORKING_DAYS:
            assert rule.days is not None
            assert rule.days >= 1, "a day closes before itself"
            skipped: Container[datetime.date] = frozenset()
            if rule.skip_public_holidays:
                skipped = FRENCH_PUBLIC_HOLIDAYS if public_holidays is None else public_holidays
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
            if rule.fixed_at.utcoffset() is None:
                # astimezone() would read a naive value in the server's zone, silently.
                raise ValueError("A fixed deadline must be an aware datetime.")
            # Through UTC: astimezone() to the zone a datetime already has returns it
            # unchanged, even at a wall-clock time that does not exist (spring forward).
            return rule.fixed_at.astimezone(datetime.UTC).astimezone(PARIS)
    raise AssertionError(rule.kind)


def is_changeable(
    day: datetime.date,
    rule: DeadlineRule,
    now: datetime.datetime,
    public_holidays: Container[datetime.date] | None = None,
) -> bool:
    """Whether a parent may still book or cancel `day` at `now` (up to and including the deadline instant)."""
    if now.utcoffset() is None:
        raise ValueError("`now` must be an aware datetime.")
    # Compare in UTC: two datetimes sharing the Paris tzinfo would be compared
    # on their wall clocks, which is wrong around the daylight-saving changes.
    return now.astimezone(datetime.UTC) <= deadline_for(day, rule, public_holidays).astimezone(datetime.UTC)
