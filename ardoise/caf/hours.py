"""The CAF's "heures réalisées": pure rules, no database (docs/caf-report.md).

- A presence is a child marked present (or come without a booking) on a roll call: one child, one
  activity, one day. The roll call records presence per slot, not arrival or departure times, so a
  child present for part of a slot counts the whole slot.
- A slot lasts the activity's times on that day, in real elapsed time in Europe/Paris (a slot across a
  daylight-saving change is an hour shorter or longer), or the length the town set when the activity
  has no times.
- On a Wednesday a presence counts at most the cap (the activity's, else the town's; none: no cap).
- The age is the child's on the service day, in whole years (born on 29 February: a year older on
  1 March in common years); the age bands are cut at the town's limits.
- The régime is the family's (CAF, MSA, other), "" when not given: shown as "Non renseigné".

Everything is counted in whole minutes (exact); hours are shown with two decimals, half-up.
"""

import datetime
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

PARIS = ZoneInfo("Europe/Paris")
WEDNESDAY = 2
# The régimes in the report's order; "" is a family that did not say.
REGIMES = ("caf", "msa", "other", "")
NOT_GIVEN = ""
HUNDREDTH = Decimal("0.01")


def regime_label(regime: str) -> str:
    return {
        "caf": _("CAF"),
        "msa": _("MSA"),
        "other": _("Autre régime"),
    }.get(regime, _("Non renseigné"))


def known_regime(regime: str) -> str:
    """The régime as the report counts it: an unknown value is "not given"."""
    return regime if regime in REGIMES else NOT_GIVEN


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Whole years completed on `day` (0 before the first birthday)."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (1 if before_birthday else 0)


def age_band(age: int, limits: Sequence[int]) -> int:
    """The index of the band `age` falls in: how many limits it has reached."""
    return sum(1 for limit in limits if age >= limit)


def band_labels(limits: Sequence[int]) -> list[str]:
    """One label per band: [6] gives "Moins de 6 ans", "6 ans et plus"."""
    if not limits:
        return [_("Tous âges")]
    labels = [_("Moins de %(age)s ans") % {"age": limits[0]}]
    for low, high in itertools.pairwise(limits):
        labels.append(_("%(low)s à %(high)s ans") % {"low": low, "high": high - 1})
    labels.append(_("%(age)s ans et plus") % {"age": limits[-1]})
    return labels


def slot_minutes(day: datetime.date, starts_at: datetime.time, ends_at: datetime.time) -> int | None:
    """Minutes from `starts_at` to `ends_at` on `day` in Europe/Paris, as elapsed (a daylight-saving change
    inside the slot counts); None when the times do not make a slot (end not after start)."""
    if ends_at <= starts_at:
        return None
    start = datetime.datetime.combine(day, starts_at.replace(tzinfo=None), tzinfo=PARIS)
    end = datetime.datetime.combine(day, ends_at.replace(tzinfo=None), tzinfo=PARIS)
    # Aware datetimes with the same tzinfo subtract as wall clocks: go through UTC for the elapsed time.
    elapsed = end.astimezone(datetime.UTC) - start.astimezone(datetime.UTC)
    minutes = int(elapsed.total_seconds()) // 60
    return minutes if minutes > 0 else None


def hours(minutes: int) -> Decimal:
    """Minutes as hours with two decimals, half-up."""
    return (Decimal(minutes) / 60).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class ActivityRule:
    """How one activity's presences count."""

    activity_id: int
    starts_at: datetime.time | None = None
    ends_at: datetime.time | None = None
    # Set by the town when the times do not give the slot's length.
    slot_minutes: int | None = None
    # At most this many minutes on a Wednesday; None: no cap.
    wednesday_cap_minutes: int | None = None

    def minutes_on(self, day: datetime.date) -> int | None:
        """What one presence on `day` counts, in minutes; None when the slot's length is unknown."""
        if self.slot_minutes is not None:
            minutes: int | None = self.slot_minutes
        elif self.starts_at is not None and self.ends_at is not None:
            minutes = slot_minutes(day, self.starts_at, self.ends_at)
        else:
            minutes = None
        if minutes is None:
            return None
        if day.weekday() == WEDNESDAY and self.wednesday_cap_minutes is not None:
            return min(minutes, self.wednesday_cap_minutes)
        return minutes


@dataclass(frozen=True, slots=True)
class Presence:
    """A child present on a roll call: one activity, one day."""

    child_id: int
    activity_id: int
    day: datetime.date
    birth_date: datetime.date
    regime: str


@dataclass(slots=True)
class Figures:
    """Children (distinct), presences and minutes of one cell of the report."""

    child_ids: set[int] = field(default_factory=set)
    presences: int = 0
    minutes: int = 0

    @property
    def children(self) -> int:
        return len(self.child_ids)

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)

    def add(self, child_id: int, minutes: int) -> None:
        self.child_ids.add(child_id)
        self.presences += 1
        self.minutes += minutes


# (activity id, age band index, régime)
Key = tuple[int, int, str]


@dataclass(slots=True)
class Tally:
    """The report's figures: by activity, age band and régime, with the totals."""

    cells: dict[Key, Figures] = field(default_factory=dict)
    by_activity: dict[int, Figures] = field(default_factory=dict)
    by_band: dict[int, Figures] = field(default_factory=dict)
    by_regime: dict[str, Figures] = field(default_factory=dict)
    total: Figures = field(default_factory=Figures)
    # Presences of an activity whose slot length is unknown: not counted, listed for staff to fix.
    uncounted: dict[int, int] = field(default_factory=dict)

    def add(self, key: Key, child_id: int, minutes: int) -> None:
        activity_id, band, regime = key
        for figures in (
            self.cells.setdefault(key, Figures()),
            self.by_activity.setdefault(activity_id, Figures()),
            self.by_band.setdefault(band, Figures()),
            self.by_regime.setdefault(regime, Figures()),
            self.total,
        ):
            figures.add(child_id, minutes)


def tally(presences: Iterable[Presence], rules: Mapping[int, ActivityRule], limits: Sequence[int]) -> Tally:
    """Count `presences` of the activities in `rules` (others are left out); a child, activity and day
    counts once however often it is given."""
    result = Tally()
    seen: set[tuple[int, int, datetime.date]] = set()
    for presence in presences:
        rule = rules.get(presence.activity_id)
        once = (presence.child_id, presence.activity_id, presence.day)
        if rule is None or once in seen:
            continue
        seen.add(once)
        minutes = rule.minutes_on(presence.day)
        if minutes is None:
            result.uncounted[presence.activity_id] = result.uncounted.get(presence.activity_id, 0) + 1
            continue
        band = age_band(age_on(presence.birth_date, presence.day), limits)
        result.add((presence.activity_id, band, known_regime(presence.regime)), presence.child_id, minutes)
    return result
