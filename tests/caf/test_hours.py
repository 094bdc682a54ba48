"""The CAF's "heures réalisées": hand-computed tables and properties of the pure rules (no database)."""

import calendar
import datetime
import random
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ardoise.caf.hours import (
    ActivityRule,
    Presence,
    Tally,
    age_band,
    age_on,
    band_labels,
    hours,
    regime_label,
    slot_minutes,
    tally,
)

T = datetime.time
D = datetime.date
EVENING, WEDNESDAY_CENTRE, STUDY, MEALS = 1, 2, 3, 4
RULES = {
    EVENING: ActivityRule(EVENING, T(16, 30), T(18, 30)),  # 2 h
    WEDNESDAY_CENTRE: ActivityRule(WEDNESDAY_CENTRE, T(8, 30), T(17, 30), wednesday_cap_minutes=480),  # 9 h, capped 8 h
    STUDY: ActivityRule(STUDY, slot_minutes=60),  # no times: the town says 1 h
    MEALS: ActivityRule(MEALS, T(11, 45), T(13, 30)),  # 1 h 45
}
# Anna turns 6 on Thursday 1 April 2027; Bruno is 8; Chloé is 5 and her family gave no régime.
ANNA, BRUNO, CHLOE = 10, 11, 12
BORN = {ANNA: D(2021, 4, 1), BRUNO: D(2018, 5, 10), CHLOE: D(2022, 1, 15)}
REGIME = {ANNA: "caf", BRUNO: "msa", CHLOE: ""}


def present(child: int, activity: int, day: datetime.date) -> Presence:
    return Presence(child, activity, day, BORN[child], REGIME[child])


# The week after the clocks changed (Sunday 28 March 2027), across the end of March.
DST_WEEK = [
    present(ANNA, EVENING, D(2027, 3, 30)),
    present(ANNA, WEDNESDAY_CENTRE, D(2027, 3, 31)),
    present(ANNA, EVENING, D(2027, 4, 1)),
    present(ANNA, EVENING, D(2027, 4, 2)),
    present(BRUNO, EVENING, D(2027, 3, 30)),
    present(BRUNO, WEDNESDAY_CENTRE, D(2027, 3, 31)),
    present(BRUNO, STUDY, D(2027, 4, 1)),
    present(CHLOE, WEDNESDAY_CENTRE, D(2027, 3, 31)),
    present(CHLOE, EVENING, D(2027, 4, 2)),
]


def figures(result: Tally) -> dict[tuple[int, int, str], tuple[int, int, Decimal]]:
    return {key: (cell.children, cell.presences, cell.hours) for key, cell in result.cells.items()}


def test_it_counts_a_hand_computed_week_by_activity_age_band_and_regime() -> None:
    result = tally(DST_WEEK, RULES, [6])
    assert figures(result) == {
        (EVENING, 0, "caf"): (1, 1, Decimal("2.00")),  # Anna, 5, Tuesday
        (EVENING, 1, "caf"): (1, 2, Decimal("4.00")),  # Anna, 6 from Thursday
        (EVENING, 1, "msa"): (1, 1, Decimal("2.00")),
        (EVENING, 0, ""): (1, 1, Decimal("2.00")),
        (WEDNESDAY_CENTRE, 0, "caf"): (1, 1, Decimal("8.00")),  # 9 h capped at 8 h
        (WEDNESDAY_CENTRE, 1, "msa"): (1, 1, Decimal("8.00")),
        (WEDNESDAY_CENTRE, 0, ""): (1, 1, Decimal("8.00")),
        (STUDY, 1, "msa"): (1, 1, Decimal("1.00")),
    }
    totals = {key: (cell.children, cell.presences, cell.hours) for key, cell in result.by_activity.items()}
    assert totals == {
        EVENING: (3, 5, Decimal("10.00")),
        WEDNESDAY_CENTRE: (3, 3, Decimal("24.00")),
        STUDY: (1, 1, Decimal("1.00")),
    }
    bands = {key: (cell.children, cell.presences, cell.hours) for key, cell in result.by_band.items()}
    assert bands == {0: (2, 4, Decimal("20.00")), 1: (2, 5, Decimal("15.00"))}  # Anna is in both bands
    regimes = {key: (cell.children, cell.presences, cell.hours) for key, cell in result.by_regime.items()}
    assert regimes == {"caf": (1, 4, Decimal("14.00")), "msa": (1, 3, Decimal("11.00")), "": (1, 2, Decimal("10.00"))}
    assert (result.total.children, result.total.presences, result.total.hours) == (3, 9, Decimal("35.00"))
    assert result.uncounted == {}


def test_it_counts_a_daylight_saving_week_as_any_other() -> None:
    week_before = [
        Presence(p.child_id, p.activity_id, p.day - datetime.timedelta(days=14), p.birth_date, p.regime)
        for p in DST_WEEK
    ]
    assert tally(week_before, RULES, []).total.minutes == tally(DST_WEEK, RULES, []).total.minutes == 2100


def test_it_counts_a_slot_across_a_clock_change_in_elapsed_time() -> None:
    one_to_four = (T(1, 0), T(4, 0))
    assert slot_minutes(D(2027, 3, 21), *one_to_four) == 180
    assert slot_minutes(D(2027, 3, 28), *one_to_four) == 120  # 2:00 became 3:00
    assert slot_minutes(D(2027, 10, 31), *one_to_four) == 240  # 3:00 became 2:00 again
    assert slot_minutes(D(2027, 3, 29), T(16, 30), T(18, 30)) == 120


def test_it_refuses_a_slot_that_ends_before_it_starts() -> None:
    assert slot_minutes(D(2027, 3, 9), T(18, 0), T(16, 0)) is None
    assert slot_minutes(D(2027, 3, 9), T(8, 0), T(8, 0)) is None


def test_it_counts_the_whole_slot_in_hours_and_quarters() -> None:
    days = [D(2027, 3, 8), D(2027, 3, 9), D(2027, 3, 11)]
    result = tally([present(BRUNO, MEALS, day) for day in days], RULES, [6])
    assert result.total.hours == Decimal("5.25")  # 3 × 1 h 45
    assert hours(50) == Decimal("0.83")
    assert hours(1) == Decimal("0.02")


def test_it_caps_wednesdays_only_and_with_the_activitys_own_cap() -> None:
    capped = ActivityRule(WEDNESDAY_CENTRE, T(8, 30), T(17, 30), wednesday_cap_minutes=420)
    generous = ActivityRule(WEDNESDAY_CENTRE, T(8, 30), T(17, 30), wednesday_cap_minutes=600)
    assert capped.minutes_on(D(2027, 3, 10)) == 420
    assert capped.minutes_on(D(2027, 3, 11)) == 540  # a Thursday: no cap
    assert generous.minutes_on(D(2027, 3, 10)) == 540
    assert ActivityRule(STUDY, slot_minutes=600, wednesday_cap_minutes=480).minutes_on(D(2027, 3, 10)) == 480


def test_it_leaves_out_presences_of_an_activity_without_a_length_and_says_so() -> None:
    rules = {**RULES, STUDY: ActivityRule(STUDY)}
    result = tally(DST_WEEK, rules, [6])
    assert result.uncounted == {STUDY: 1}
    assert result.total.minutes == 2100 - 60


def test_it_counts_a_child_activity_and_day_once_and_only_the_activities_asked() -> None:
    result = tally([*DST_WEEK, DST_WEEK[0], present(ANNA, 99, D(2027, 3, 30))], RULES, [6])
    assert result.total.presences == 9


def test_it_names_the_age_bands_and_the_regimes() -> None:
    assert band_labels([6]) == ["Moins de 6 ans", "6 ans et plus"]
    assert band_labels([3, 6, 12]) == ["Moins de 3 ans", "3 à 5 ans", "6 à 11 ans", "12 ans et plus"]
    assert band_labels([]) == ["Tous âges"]
    assert [regime_label(r) for r in ("caf", "msa", "other", "", "n'importe")] == [
        "CAF", "MSA", "Autre régime", "Non renseigné", "Non renseigné",
    ]  # fmt: skip


def test_it_takes_the_age_on_the_service_day() -> None:
    assert age_on(D(2021, 4, 1), D(2027, 3, 31)) == 5
    assert age_on(D(2021, 4, 1), D(2027, 4, 1)) == 6
    assert age_on(D(2020, 2, 29), D(2026, 2, 28)) == 5
    assert age_on(D(2020, 2, 29), D(2026, 3, 1)) == 6
    assert age_on(D(2020, 2, 29), D(2028, 2, 29)) == 8
    assert [age_band(age, [3, 6]) for age in (0, 2, 3, 5, 6, 11)] == [0, 0, 1, 1, 2, 2]


# Properties

days = st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31))
births = st.dates(min_value=D(2008, 1, 1), max_value=D(2026, 12, 31))
times = st.times().map(lambda t: t.replace(second=0, microsecond=0))
limits_strategy = st.lists(st.integers(1, 18), max_size=4, unique=True).map(sorted)
rules_strategy = st.fixed_dictionaries(
    {
        activity: st.builds(
            ActivityRule,
            st.just(activity),
            st.sampled_from([T(7, 30), T(11, 45), T(16, 30), T(8, 30)]),
            st.sampled_from([T(8, 30), T(13, 30), T(18, 30), T(17, 30)]),
            st.one_of(st.none(), st.integers(1, 600)),
            st.one_of(st.none(), st.integers(0, 600)),
        )
        for activity in (1, 2, 3)
    }
)
CHILDREN = range(1, 9)


@st.composite
def presences_strategy(draw: st.DrawFn) -> list[Presence]:
    """Roll calls of up to 8 children: each child has one birth date and its family one régime."""
    regimes = st.sampled_from(["caf", "msa", "other", "", "inconnu"])
    children = {child: (draw(births), draw(regimes)) for child in CHILDREN}
    marks = st.tuples(
        st.sampled_from(CHILDREN),
        st.integers(1, 4),  # 4: not in the rules
        st.dates(min_value=D(2027, 3, 1), max_value=D(2027, 4, 30)),
    )
    drawn = draw(st.lists(marks, max_size=60))
    return [Presence(child, activity, day, *children[child]) for child, activity, day in drawn]


@given(presences_strategy(), rules_strategy, limits_strategy)
def test_it_adds_every_breakdown_up_to_the_total(presences, rules, limits) -> None:
    result = tally(presences, rules, limits)
    for breakdown in (result.cells, result.by_activity, result.by_band, result.by_regime):
        assert sum(cell.minutes for cell in breakdown.values()) == result.total.minutes
        assert sum(cell.presences for cell in breakdown.values()) == result.total.presences
        assert all(cell.children <= cell.presences for cell in breakdown.values())
    assert set(result.by_regime) <= {"caf", "msa", "other", ""}
    assert all(0 <= band <= len(limits) for band in result.by_band)
    counted = {(p.child_id, p.activity_id, p.day) for p in presences if p.activity_id in rules}
    assert result.total.presences + sum(result.uncounted.values()) == len(counted)
    assert result.total.child_ids <= {child for child, _a, _d in counted}


@given(presences_strategy(), rules_strategy, limits_strategy, st.randoms())
def test_it_does_not_depend_on_the_order_of_the_roll_calls(presences, rules, limits, rng: random.Random) -> None:
    shuffled = list(presences)
    rng.shuffle(shuffled)
    first, second = tally(presences, rules, limits), tally(shuffled, rules, limits)
    assert {k: (c.child_ids, c.minutes) for k, c in first.cells.items()} == {
        k: (c.child_ids, c.minutes) for k, c in second.cells.items()
    }


@given(presences_strategy(), rules_strategy)
def test_it_never_counts_a_presence_more_than_its_slot_nor_the_wednesday_cap(presences, rules) -> None:
    for presence in presences:
        rule = rules.get(presence.activity_id)
        if rule is None:
            continue
        minutes = rule.minutes_on(presence.day)
        if minutes is None:
            continue
        assert minutes >= 0
        whole = rule.slot_minutes or slot_minutes(presence.day, rule.starts_at, rule.ends_at)
        assert minutes <= whole
        if presence.day.weekday() == 2 and rule.wednesday_cap_minutes is not None:
            assert minutes <= rule.wednesday_cap_minutes
        else:
            assert minutes == whole


@given(births, days)
def test_it_makes_a_child_a_year_older_on_each_birthday(birth, day) -> None:
    next_day = day + datetime.timedelta(days=1)
    step = age_on(birth, next_day) - age_on(birth, day)
    birthday = (next_day.month, next_day.day) == (birth.month, birth.day) or (
        # Born on 29 February: a year older on 1 March in common years.
        (birth.month, birth.day) == (2, 29)
        and (next_day.month, next_day.day) == (3, 1)
        and not calendar.isleap(next_day.year)
    )
    assert step == (1 if birthday else 0)


@given(st.integers(0, 30), st.integers(0, 30), limits_strategy)
def test_it_never_puts_an_older_child_in_a_younger_band(younger, older, limits) -> None:
    younger, older = sorted((younger, older))
    assert age_band(younger, limits) <= age_band(older, limits) <= len(limits)
    assert len(band_labels(limits)) == len(limits) + 1


@given(days, times, times)
def test_it_lasts_a_slot_its_wall_clock_length_but_for_a_clock_change(day, start, end) -> None:
    minutes = slot_minutes(day, start, end)
    wall = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    if wall <= 0:
        assert minutes is None
    elif minutes is not None:
        assert abs(minutes - wall) in (0, 60)
        if day.weekday() != 6:  # France changes its clocks on Sundays only
            assert minutes == wall


@given(st.integers(0, 10**6))
def test_it_shows_the_minutes_as_hours_within_a_hundredth(minutes) -> None:
    assert abs(hours(minutes) * 60 - minutes) <= Decimal("0.3")
