"""The conformity level the statement declares, from the town's audit (no database)."""

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ardoise.legal.rules import AUDIT_VALID_YEARS, Conformity, audit_valid_until, conformity

TODAY = datetime.date(2027, 3, 9)
percents = st.decimals(min_value=0, max_value=100, places=2)
recent = st.dates(min_value=datetime.date(2024, 3, 10), max_value=TODAY)


def test_it_declares_non_conforme_without_an_audit() -> None:
    assert conformity(None, None, TODAY) is Conformity.NONE
    assert conformity(None, Decimal(100), TODAY) is Conformity.NONE
    assert conformity(TODAY, None, TODAY) is Conformity.NONE


def test_it_applies_the_rgaa_thresholds() -> None:
    assert conformity(TODAY, Decimal(100), TODAY) is Conformity.TOTAL
    assert conformity(TODAY, Decimal("99.99"), TODAY) is Conformity.PARTIAL
    assert conformity(TODAY, Decimal(50), TODAY) is Conformity.PARTIAL
    assert conformity(TODAY, Decimal("49.99"), TODAY) is Conformity.NONE


def test_it_stops_trusting_an_audit_after_three_years() -> None:
    audit = datetime.date(2024, 3, 9)
    assert conformity(audit, Decimal(80), TODAY) is Conformity.PARTIAL
    assert conformity(audit, Decimal(80), TODAY + datetime.timedelta(days=1)) is Conformity.NONE
    assert audit_valid_until(datetime.date(2024, 2, 29)) == datetime.date(2027, 2, 28)


def test_it_ignores_an_audit_dated_after_today() -> None:
    assert conformity(TODAY + datetime.timedelta(days=1), Decimal(100), TODAY) is Conformity.NONE


@given(audit=recent, percent=percents)
def test_a_valid_audit_declares_by_its_rate_only(audit: datetime.date, percent: Decimal) -> None:
    level = conformity(audit, percent, TODAY)
    assert (level is Conformity.TOTAL) == (percent == 100)
    assert (level is Conformity.NONE) == (percent < 50)


@given(audit=recent, percent=percents, later=st.integers(min_value=0, max_value=5000))
def test_a_level_never_rises_as_time_passes(audit: datetime.date, percent: Decimal, later: int) -> None:
    order = [Conformity.NONE, Conformity.PARTIAL, Conformity.TOTAL]
    then = TODAY + datetime.timedelta(days=later)
    assert order.index(conformity(audit, percent, then)) <= order.index(conformity(audit, percent, TODAY))
    if (then - audit).days > 366 * AUDIT_VALID_YEARS:
        assert conformity(audit, percent, then) is Conformity.NONE
