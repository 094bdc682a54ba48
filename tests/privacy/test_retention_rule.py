"""The retention date rule (pure): year boundaries, 29 February, and the 60 days of recent activity."""

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ardoise.privacy import retention

days = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2090, 12, 31))
years = st.integers(min_value=1, max_value=10)


@given(days, years)
def test_retention_ends_the_same_calendar_day_years_later(anchor: datetime.date, count: int) -> None:
    ends = retention.retention_ends_on(anchor, count)
    assert ends.year == anchor.year + count
    if (anchor.month, anchor.day) == (2, 29) and ends.day != 29:
        assert (ends.month, ends.day) == (2, 28)
    else:
        assert (ends.month, ends.day) == (anchor.month, anchor.day)


@given(days, years)
def test_a_family_is_past_retention_from_that_day_on_and_not_the_day_before(anchor: datetime.date, count: int) -> None:
    ends = retention.retention_ends_on(anchor, count)
    assert retention.is_past_retention(anchor, count, ends)
    assert retention.is_past_retention(anchor, count, ends + datetime.timedelta(days=1))
    assert not retention.is_past_retention(anchor, count, ends - datetime.timedelta(days=1))


@given(days, years, st.integers(min_value=0, max_value=400))
def test_a_later_anchor_never_ends_sooner(anchor: datetime.date, count: int, later_by: int) -> None:
    later = anchor + datetime.timedelta(days=later_by)
    assert retention.retention_ends_on(later, count) >= retention.retention_ends_on(anchor, count)


@given(days, years)
def test_retention_lasts_at_least_365_days_a_year(anchor: datetime.date, count: int) -> None:
    length = (retention.retention_ends_on(anchor, count) - anchor).days
    assert 365 * count <= length <= 366 * count


def test_a_leap_day_ends_on_28_february_of_a_common_year_and_on_29_of_a_leap_year() -> None:
    assert retention.retention_ends_on(datetime.date(2024, 2, 29), 3) == datetime.date(2027, 2, 28)
    assert retention.retention_ends_on(datetime.date(2024, 2, 29), 4) == datetime.date(2028, 2, 29)


def test_the_last_day_of_a_year_ends_on_the_last_day_of_a_year() -> None:
    assert retention.retention_ends_on(datetime.date(2023, 12, 31), 3) == datetime.date(2026, 12, 31)
    assert not retention.is_past_retention(datetime.date(2023, 12, 31), 3, datetime.date(2026, 12, 30))
    assert retention.is_past_retention(datetime.date(2024, 1, 1), 3, datetime.date(2027, 1, 1))


def test_the_anchor_is_the_last_service_day_else_the_creation() -> None:
    created = datetime.date(2019, 9, 1)
    assert retention.anchor_of(datetime.date(2023, 6, 30), created) == datetime.date(2023, 6, 30)
    assert retention.anchor_of(None, created) == created


TODAY = datetime.date(2027, 3, 9)


@given(st.integers(min_value=0, max_value=2000))
def test_activity_refuses_within_60_days_only(days_ago: int) -> None:
    standing = retention.Standing(balance=Decimal("0.00"), last_activity=TODAY - datetime.timedelta(days=days_ago))
    assert bool(retention.refusals(standing, TODAY)) == (days_ago <= retention.RECENT_ACTIVITY_DAYS)


@given(st.decimals(min_value=Decimal("-500"), max_value=Decimal("500"), places=2))
def test_only_a_debt_refuses(balance: Decimal) -> None:
    standing = retention.Standing(balance=balance, last_activity=None)
    assert bool(retention.refusals(standing, TODAY)) == (balance > 0)


def test_the_reasons_are_in_french() -> None:
    standing = retention.Standing(balance=Decimal("12.5"), last_activity=datetime.date(2027, 2, 1))
    assert retention.refusals(standing, TODAY) == [
        "Solde dû de 12,50 € : la dette doit être soldée d'abord.",
        "Activité le 1er février 2027, il y a moins de 60 jours.",
    ]
