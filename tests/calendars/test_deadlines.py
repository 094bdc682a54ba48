"""Deadline rules on the field's examples, daylight-saving weeks and year boundaries."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from ardoise.calendars.deadlines import PARIS, DeadlineKind, DeadlineRule, at_paris_time, deadline_for, is_changeable

UTC = datetime.UTC
NOON = datetime.time(12, 0)

WEEKLY_THURSDAY_NOON = DeadlineRule(DeadlineKind.WEEKLY, weekday=3, time=NOON)
J_MINUS_2 = DeadlineRule(DeadlineKind.WORKING_DAYS, days=2, time=NOON)
J_MINUS_2_SKIPPING_HOLIDAYS = DeadlineRule(DeadlineKind.WORKING_DAYS, days=2, time=NOON, skip_public_holidays=True)
DAY_BEFORE_18H = DeadlineRule(DeadlineKind.DAY_BEFORE, time=datetime.time(18, 0))


def paris(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=PARIS)


def d(iso: str) -> datetime.date:
    return datetime.date.fromisoformat(iso)


# Field examples


@pytest.mark.parametrize("day", ["2017-06-12", "2017-06-13", "2017-06-14", "2017-06-15", "2017-06-16"])
def test_it_closes_the_following_week_on_thursday_noon(day: str) -> None:
    # Seed 001: on Tuesday 6 June 2017, the week of 12–16 June can be booked until Thursday 8 June 12:00.
    assert deadline_for(d(day), WEEKLY_THURSDAY_NOON) == paris(2017, 6, 8, 12, 0)


def test_it_accepts_seed_001_booking_until_thursday_noon_and_not_after() -> None:
    monday = d("2017-06-12")
    assert is_changeable(monday, WEEKLY_THURSDAY_NOON, paris(2017, 6, 6, 9, 0))
    assert is_changeable(monday, WEEKLY_THURSDAY_NOON, paris(2017, 6, 8, 12, 0))
    assert not is_changeable(monday, WEEKLY_THURSDAY_NOON, paris(2017, 6, 8, 12, 0, 1))
    assert not is_changeable(monday, WEEKLY_THURSDAY_NOON, paris(2017, 6, 8, 12, 1))


def test_it_closes_the_current_week_already() -> None:
    # On Tuesday 6 June, Friday 9 June closed on Thursday 1 June.
    assert not is_changeable(d("2017-06-09"), WEEKLY_THURSDAY_NOON, paris(2017, 6, 6, 9, 0))


@pytest.mark.parametrize(
    ("day", "deadline_day"),
    [
        ("2026-06-08", "2026-06-04"),  # Monday → previous Thursday
        ("2026-06-09", "2026-06-05"),  # Tuesday → Friday
        ("2026-06-11", "2026-06-09"),  # Thursday → Tuesday
        ("2026-06-12", "2026-06-10"),  # Friday → Wednesday
        ("2026-06-10", "2026-06-08"),  # Wednesday → Monday
    ],
)
def test_it_counts_two_working_days_before_without_weekends(day: str, deadline_day: str) -> None:
    assert deadline_for(d(day), J_MINUS_2) == at_paris_time(d(deadline_day), NOON)


@pytest.mark.parametrize(
    ("day", "counted", "skipped"),
    [
        ("2026-05-04", "2026-04-30", "2026-04-29"),  # Fri 1 May in between
        ("2026-05-12", "2026-05-08", "2026-05-07"),  # Fri 8 May
        ("2026-05-15", "2026-05-13", "2026-05-12"),  # Thu 14 May, Ascension
        ("2026-11-12", "2026-11-10", "2026-11-09"),  # Wed 11 November
        ("2026-05-26", "2026-05-22", "2026-05-21"),  # Mon 25 May, Lundi de Pentecôte
    ],
)
def test_it_counts_public_holidays_as_working_days_unless_configured(day: str, counted: str, skipped: str) -> None:
    assert deadline_for(d(day), J_MINUS_2) == at_paris_time(d(counted), NOON)
    assert deadline_for(d(day), J_MINUS_2_SKIPPING_HOLIDAYS) == at_paris_time(d(skipped), NOON)


def test_it_may_fall_on_a_public_holiday_when_they_count() -> None:
    # Tuesday 5 May 2026: J-2 is Friday 1 May, a working day for this rule.
    assert deadline_for(d("2026-05-05"), J_MINUS_2) == paris(2026, 5, 1, 12, 0)


def test_it_skips_the_public_holidays_it_is_given() -> None:
    training_day = d("2026-06-05")
    assert deadline_for(d("2026-06-09"), J_MINUS_2_SKIPPING_HOLIDAYS, {training_day}) == paris(2026, 6, 4, 12, 0)


def test_it_closes_the_day_before_at_18h() -> None:
    assert deadline_for(d("2026-06-09"), DAY_BEFORE_18H) == paris(2026, 6, 8, 18, 0)
    # "La veille" is a calendar day: Monday closes on Sunday.
    assert deadline_for(d("2026-06-08"), DAY_BEFORE_18H) == paris(2026, 6, 7, 18, 0)


def test_it_closes_a_whole_period_at_a_fixed_date() -> None:
    rule = DeadlineRule(DeadlineKind.FIXED, fixed_at=datetime.datetime(2026, 8, 20, 21, 59, tzinfo=UTC))
    for day in ("2026-09-01", "2026-10-16"):
        deadline = deadline_for(d(day), rule)
        assert deadline == paris(2026, 8, 20, 23, 59)
        assert deadline.tzinfo is PARIS


def test_it_refuses_a_naive_fixed_date() -> None:
    rule = DeadlineRule(DeadlineKind.FIXED, fixed_at=datetime.datetime(2026, 8, 20, 23, 59))  # noqa: DTZ001
    with pytest.raises(ValueError, match="fuseau"):
        rule.validate()
    with pytest.raises(ValueError, match="aware"):
        deadline_for(d("2026-09-01"), rule)


def test_it_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="aware"):
        is_changeable(d("2026-09-01"), DAY_BEFORE_18H, datetime.datetime(2026, 8, 20, 12, 0))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (DeadlineRule(DeadlineKind.WEEKLY), "jour de la semaine"),
        (DeadlineRule(DeadlineKind.WEEKLY, weekday=7), "jour de la semaine"),
        (DeadlineRule(DeadlineKind.WORKING_DAYS, days=0), "au moins 1"),
        (DeadlineRule(DeadlineKind.FIXED), "date limite fixe"),
    ],
)
def test_it_requires_a_complete_rule(rule: DeadlineRule, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rule.validate()


@pytest.mark.parametrize(
    ("rule", "sentence"),
    [
        (WEEKLY_THURSDAY_NOON, "Le jeudi à 12h00 pour la semaine suivante"),
        (J_MINUS_2, "2 jours ouvrés avant, à 12h00 (week-ends non comptés, jours fériés comptés)"),
        (
            DeadlineRule(DeadlineKind.WORKING_DAYS, days=1, time=datetime.time(9, 30), skip_public_holidays=True),
            "1 jour ouvré avant, à 9h30 (week-ends et jours fériés non comptés)",
        ),
        (DAY_BEFORE_18H, "La veille à 18h00"),
        (
            DeadlineRule(DeadlineKind.FIXED, fixed_at=datetime.datetime(2026, 8, 20, 21, 59, tzinfo=UTC)),
            "Jusqu'au 20/08/2026 à 23h59",
        ),
    ],
)
def test_it_describes_the_rule_in_french(rule: DeadlineRule, sentence: str) -> None:
    rule.validate()
    assert rule.describe() == sentence


# Daylight-saving weeks (last Sundays of March and October)


def test_it_gives_summer_time_after_spring_forward() -> None:
    monday = d("2027-03-29")
    assert deadline_for(monday, DAY_BEFORE_18H).isoformat() == "2027-03-28T18:00:00+02:00"
    # The Saturday before the switch is still winter time.
    assert deadline_for(d("2027-03-28"), DAY_BEFORE_18H).isoformat() == "2027-03-27T18:00:00+01:00"
    # The week of the switch closed the Thursday before, in winter time; the next one in summer time.
    assert deadline_for(monday, WEEKLY_THURSDAY_NOON).isoformat() == "2027-03-25T12:00:00+01:00"
    assert deadline_for(d("2027-04-05"), WEEKLY_THURSDAY_NOON).isoformat() == "2027-04-01T12:00:00+02:00"


def test_it_gives_winter_time_after_fall_back() -> None:
    monday = d("2027-11-01")
    assert deadline_for(monday, DAY_BEFORE_18H).isoformat() == "2027-10-31T18:00:00+01:00"
    assert deadline_for(d("2027-10-31"), DAY_BEFORE_18H).isoformat() == "2027-10-30T18:00:00+02:00"
    assert deadline_for(monday, WEEKLY_THURSDAY_NOON).isoformat() == "2027-10-28T12:00:00+02:00"
    assert deadline_for(d("2027-11-08"), WEEKLY_THURSDAY_NOON).isoformat() == "2027-11-04T12:00:00+01:00"


def test_it_moves_a_time_that_does_not_exist_to_a_real_later_instant() -> None:
    # 02:30 on Sunday 28 March 2027 never happens in Paris (02:00 → 03:00).
    rule = DeadlineRule(DeadlineKind.DAY_BEFORE, time=datetime.time(2, 30))
    deadline = deadline_for(d("2027-03-29"), rule)
    switch = datetime.datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert deadline.astimezone(UTC) >= switch
    assert deadline.isoformat() == "2027-03-28T03:30:00+02:00"
    assert is_changeable(d("2027-03-29"), rule, paris(2027, 3, 28, 3, 29))
    assert not is_changeable(d("2027-03-29"), rule, paris(2027, 3, 28, 3, 31))


def test_it_takes_the_first_of_a_repeated_time() -> None:
    # 02:30 on Sunday 31 October 2027 happens twice; the summer-time one comes first.
    rule = DeadlineRule(DeadlineKind.DAY_BEFORE, time=datetime.time(2, 30))
    assert deadline_for(d("2027-11-01"), rule).isoformat() == "2027-10-31T02:30:00+02:00"


def test_it_compares_instants_not_wall_clocks_around_the_switch() -> None:
    rule = DeadlineRule(DeadlineKind.DAY_BEFORE, time=datetime.time(2, 30))
    # 02:45 winter time (second pass) is after 02:30 summer time although its wall clock reads the same hour.
    second_pass = datetime.datetime(2027, 10, 31, 2, 45, fold=1, tzinfo=PARIS)
    first_pass = datetime.datetime(2027, 10, 31, 2, 15, fold=0, tzinfo=PARIS)
    assert is_changeable(d("2027-11-01"), rule, first_pass)
    assert not is_changeable(d("2027-11-01"), rule, datetime.datetime(2027, 10, 31, 2, 15, fold=1, tzinfo=PARIS))
    assert not is_changeable(d("2027-11-01"), rule, second_pass)


@pytest.mark.parametrize(
    ("frozen_at", "changeable"),
    [
        ("2027-03-25T10:59:59+00:00", True),  # 11:59:59 in Paris, winter time
        ("2027-03-25T11:00:01+00:00", False),
    ],
)
def test_it_works_with_djangos_utc_now(frozen_at: str, changeable: bool) -> None:
    with time_machine.travel(datetime.datetime.fromisoformat(frozen_at), tick=False):
        assert is_changeable(d("2027-03-29"), WEEKLY_THURSDAY_NOON, timezone.now()) is changeable


# Year boundaries


def test_it_closes_the_first_week_of_january_in_december() -> None:
    # Friday 1 January 2027 belongs to the week of Monday 28 December 2026.
    assert deadline_for(d("2027-01-01"), WEEKLY_THURSDAY_NOON) == paris(2026, 12, 24, 12, 0)
    assert deadline_for(d("2027-01-04"), WEEKLY_THURSDAY_NOON) == paris(2026, 12, 31, 12, 0)
    assert deadline_for(d("2027-01-08"), WEEKLY_THURSDAY_NOON) == paris(2026, 12, 31, 12, 0)


def test_it_counts_working_days_across_new_year() -> None:
    # Friday 1 January 2027 is a public holiday.
    assert deadline_for(d("2027-01-04"), J_MINUS_2) == paris(2026, 12, 31, 12, 0)
    assert deadline_for(d("2027-01-04"), J_MINUS_2_SKIPPING_HOLIDAYS) == paris(2026, 12, 30, 12, 0)
    # Friday 2 January 2026, with Thursday 1 January a public holiday.
    assert deadline_for(d("2026-01-02"), J_MINUS_2) == paris(2025, 12, 31, 12, 0)
    assert deadline_for(d("2026-01-02"), J_MINUS_2_SKIPPING_HOLIDAYS) == paris(2025, 12, 30, 12, 0)
    assert deadline_for(d("2027-01-01"), DAY_BEFORE_18H) == paris(2026, 12, 31, 18, 0)
