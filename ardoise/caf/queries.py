"""The CAF activity report read from the roll calls, in a constant number of queries.

What counts is a child marked present on a roll call, or come without a booking (`present`,
`present_unbooked`): never a booking alone, never an absence. Days still booked before today were not
taken on a roll call: the report counts them apart ("sans pointage") so that staff finish the roll call.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, F

from ardoise.activities.models import Activity
from ardoise.bookings.models import Booking, BookingState
from ardoise.caf.hours import REGIMES, ActivityRule, Figures, Presence, Tally, band_labels, regime_label, tally
from ardoise.caf.models import DEFAULT_AGE_LIMITS, CafActivitySettings, CafSettings
from ardoise.towns.models import Town

# A child on the roll call: present, or come without a booking.
PRESENT_STATES = (BookingState.PRESENT, BookingState.PRESENT_UNBOOKED)
# Longest period one report covers: a calendar year (leap years included).
MAX_PERIOD_DAYS = 366


def town_settings(town: Town) -> CafSettings:
    """The town's settings, or the defaults (unsaved) when it has none."""
    return CafSettings.objects.filter(town=town).first() or CafSettings(town=town, age_limits=list(DEFAULT_AGE_LIMITS))


def activity_settings(activity: Activity) -> CafActivitySettings:
    """The activity's settings (read through `select_related("caf_settings")`), or the defaults (unsaved)."""
    try:
        return activity.caf_settings
    except CafActivitySettings.DoesNotExist:
        return CafActivitySettings(town_id=activity.town_id, activity=activity)


def town_activities(town: Town) -> list[Activity]:
    """Every activity of the town with its CAF settings, by site and time (those without times last, on every
    database)."""
    order = ("site__name", F("starts_at").asc(nulls_last=True), "label", "pk")
    return list(Activity.objects.filter(town=town).select_related("site", "caf_settings").order_by(*order))


def reported_activities(town: Town) -> list[Activity]:
    return [activity for activity in town_activities(town) if activity_settings(activity).reported]


def rule_for(activity: Activity, settings: CafSettings) -> ActivityRule:
    own = activity_settings(activity)
    cap = own.wednesday_cap_minutes if own.wednesday_cap_minutes is not None else settings.wednesday_cap_minutes
    return ActivityRule(
        activity_id=activity.pk,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        slot_minutes=own.slot_minutes,
        wednesday_cap_minutes=cap,
    )


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the report's table: an activity, an age band and a régime; or a subtotal."""

    activity: Activity
    band: str
    regime: str
    figures: Figures
    subtotal: bool = False


@dataclass(frozen=True, slots=True)
class CafReport:
    town: Town
    start: datetime.date
    end: datetime.date
    activities: list[Activity]
    settings: CafSettings
    bands: list[str]
    tally: Tally
    # Per activity id: days still booked before today, not taken on a roll call (not counted).
    unmarked: dict[int, int]

    def rows(self) -> list[Row]:
        """The table: per activity (in order), its bands and régimes that have figures, then its subtotal."""
        rows: list[Row] = []
        for activity in self.activities:
            for band, band_label in enumerate(self.bands):
                for regime in REGIMES:
                    cell = self.tally.cells.get((activity.pk, band, regime))
                    if cell is not None:
                        rows.append(Row(activity, band_label, regime_label(regime), cell))
            if activity.pk in self.tally.by_activity:
                rows.append(Row(activity, "", "", self.tally.by_activity[activity.pk], subtotal=True))
        return rows

    def band_totals(self) -> list[tuple[str, Figures]]:
        by_band = self.tally.by_band
        return [(label, by_band[band]) for band, label in enumerate(self.bands) if band in by_band]

    def regime_totals(self) -> list[tuple[str, Figures]]:
        by_regime = self.tally.by_regime
        return [(regime_label(regime), by_regime[regime]) for regime in REGIMES if regime in by_regime]

    def uncounted(self) -> list[tuple[Activity, int]]:
        """Activities whose slot has no length, and their presences left out."""
        left_out = self.tally.uncounted
        return [(activity, left_out[activity.pk]) for activity in self.activities if activity.pk in left_out]

    def not_taken(self) -> list[tuple[Activity, int]]:
        return [(activity, self.unmarked[activity.pk]) for activity in self.activities if activity.pk in self.unmarked]


def caf_report(
    town: Town,
    activity_ids: Iterable[int] | None,
    start: datetime.date,
    end: datetime.date,
    *,
    today: datetime.date,
) -> CafReport:
    """The heures réalisées of `activity_ids` (the town's reported activities when None) from `start` to
    `end` included. Four queries whatever the number of activities, children and days."""
    settings = town_settings(town)
    if activity_ids is None:
        activities = reported_activities(town)
    else:
        wanted = set(activity_ids)
        activities = [activity for activity in town_activities(town) if activity.pk in wanted]
    rules = {activity.pk: rule_for(activity, settings) for activity in activities}
    in_period = Booking.objects.filter(town=town, activity_id__in=list(rules), date__gte=start, date__lte=end)
    rows = in_period.filter(state__in=PRESENT_STATES).values_list(
        "child_id", "activity_id", "date", "child__birth_date", "child__family__caf_regime"
    )
    presences = (Presence(child, activity, day, born, regime) for child, activity, day, born, regime in rows.iterator())
    limits: Sequence[int] = settings.age_limits
    unmarked = dict(
        in_period.filter(state=BookingState.BOOKED, date__lt=today)
        .values_list("activity_id")
        .annotate(n=Count("pk"))
        .values_list("activity_id", "n")
        .order_by()
    )
    return CafReport(
        town=town,
        start=start,
        end=end,
        activities=activities,
        settings=settings,
        bands=band_labels(limits),
        tally=tally(presences, rules, limits),
        unmarked=unmarked,
    )
