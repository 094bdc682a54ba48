"""Properties every deadline rule keeps, whatever the day, time and season."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from ardoise.calendars.deadlines import (
    PARIS,
    DeadlineKind,
    DeadlineRule,
    at_paris_time,
    deadline_for,
    is_changeable,
    is_working_day,
)
from ardoise.calendars.opening import FRENCH_PUBLIC_HOLIDAYS, is_public_holiday

UTC = datetime.UTC
ONE_SECOND = datetime.timedelta(seconds=1)

days = st.dates(min_value=datetime.date(1995, 1, 1), max_value=datetime.date(2060, 12, 31))
times = st.times()
weekly_rules = st.builds(DeadlineRule, kind=st.just(DeadlineKind.WEEKLY), weekday=st.integers(0, 6), time=times)
working_days_rules = st.builds(
    DeadlineRule,
    kind=st.just(DeadlineKind.WORKING_DAYS),
    days=st.integers(1, 10),
    time=times,
    skip_public_holidays=st.booleans(),
)
day_before_rules = st.builds(DeadlineRule, kind=st.just(DeadlineKind.DAY_BEFORE), time=times)
relative_rules = weekly_rules | working_days_rules | day_before_rules
fixed_rules = st.builds(
    DeadlineRule,
    kind=st.just(DeadlineKind.FIXED),
    fixed_at=st.datetimes(
        min_value=datetime.datetime(1995, 1, 1),  # noqa: DTZ001 — bounds of a strategy, made aware by timezones=
        max_value=datetime.datetime(2060, 12, 31),  # noqa: DTZ001
        timezones=st.sampled_from([UTC, PARIS]),
    ),
)


def in_utc(moment: datetime.datetime) -> datetime.datetime:
    # Aware datetimes sharing the Paris tzinfo compare on their wall clocks: compare instants.
    return moment.astimezone(UTC)


@given(day=days, rule=relative_rules)
def test_it_closes_strictly_before_the_service_day(day: datetime.date, rule: DeadlineRule) -> None:
    assert in_utc(deadline_for(day, rule)) < in_utc(at_paris_time(day, datetime.time(0, 0)))


@given(day=days, rule=relative_rules | fixed_rules)
def test_it_gives_an_aware_paris_time(day: datetime.date, rule: DeadlineRule) -> None:
    deadline = deadline_for(day, rule)
    assert deadline.tzinfo is PARIS
    assert deadline.utcoffset() in {datetime.timedelta(hours=1), datetime.timedelta(hours=2)}
    # Normalised: the wall clock is the one Paris shows at that instant.
    assert deadline.replace(tzinfo=None) == in_utc(deadline).astimezone(PARIS).replace(tzinfo=None)


@given(day=days, rule=working_days_rules)
def test_it_never_closes_on_a_weekend_with_working_days(day: datetime.date, rule: DeadlineRule) -> None:
    deadline_day = deadline_for(day, rule).date()
    assert deadline_day.weekday() < 5
    if rule.skip_public_holidays:
        assert not is_public_holiday(deadline_day)


@given(day=days, rule=working_days_rules)
def test_it_leaves_exactly_n_working_days(day: datetime.date, rule: DeadlineRule) -> None:
    deadline_day = deadline_for(day, rule).date()
    skipped = FRENCH_PUBLIC_HOLIDAYS if rule.skip_public_holidays else frozenset()
    working = [
        deadline_day + datetime.timedelta(days=n)
        for n in range((day - deadline_day).days)
        if is_working_day(deadline_day + datetime.timedelta(days=n), skipped)
    ]
    assert len(working) == rule.days


@given(day=days, rule=weekly_rules)
def test_it_gives_one_deadline_to_a_whole_week(day: datetime.date, rule: DeadlineRule) -> None:
    monday = day - datetime.timedelta(days=day.weekday())
    deadlines = {in_utc(deadline_for(monday + datetime.timedelta(days=n), rule)) for n in range(7)}
    assert deadlines == {in_utc(deadline_for(day, rule))}
    previous_week = (monday - datetime.timedelta(days=7)).isocalendar()[:2]
    assert deadline_for(day, rule).date().isocalendar()[:2] == previous_week


@given(day=days, later_by=st.integers(0, 60), rule=relative_rules)
def test_it_never_closes_a_later_day_earlier(day: datetime.date, later_by: int, rule: DeadlineRule) -> None:
    later = day + datetime.timedelta(days=later_by)
    assert in_utc(deadline_for(day, rule)) <= in_utc(deadline_for(later, rule))


@given(day=days, rule=relative_rules | fixed_rules)
def test_it_is_changeable_until_the_deadline_and_not_a_second_after(day: datetime.date, rule: DeadlineRule) -> None:
    deadline = in_utc(deadline_for(day, rule))
    assert is_changeable(day, rule, deadline - ONE_SECOND)
    assert is_changeable(day, rule, deadline)
    assert not is_changeable(day, rule, deadline + ONE_SECOND)
    # The same instants read in Paris give the same answers.
    assert is_changeable(day, rule, (deadline - ONE_SECOND).astimezone(PARIS))
    assert not is_changeable(day, rule, (deadline + ONE_SECOND).astimezone(PARIS))
