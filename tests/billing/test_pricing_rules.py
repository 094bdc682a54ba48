"""The run's pure rules: penalty rank in the month, waiting periods (carence), flat packages."""

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ardoise.billing.pricing import (
    PricedFor,
    TariffTerms,
    flat_price,
    flat_units,
    unbooked_ranks,
    unit_price,
    waiting_period_billed,
)

D = Decimal
SEPT = datetime.date(2026, 9, 1)
FAMILY = PricedFor(quotient_familial=800, resident=True)


def test_it_ranks_unbooked_days_within_each_month() -> None:
    days = [datetime.date(2027, 3, 30), datetime.date(2027, 3, 2), datetime.date(2027, 4, 1), datetime.date(2027, 3, 9)]
    assert unbooked_ranks(days) == {
        datetime.date(2027, 3, 2): 1,
        datetime.date(2027, 3, 9): 2,
        datetime.date(2027, 3, 30): 3,
        datetime.date(2027, 4, 1): 1,
    }


def test_it_bills_the_first_waiting_days_of_a_run_of_absences_only() -> None:
    sick = (7, 2)  # reason 7, two waiting days
    assert waiting_period_billed([sick, sick, sick, sick]) == [True, True, False, False]
    # A day attended ends the run: the next absence starts a new one.
    assert waiting_period_billed([sick, sick, sick, None, sick]) == [True, True, False, False, True]
    # Another reason starts its own run.
    assert waiting_period_billed([sick, (8, 1), (8, 1), sick]) == [True, True, False, True]
    assert waiting_period_billed([(9, 0), (9, 0)]) == [False, False]


@given(st.lists(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(0, 4))), max_size=40))
def test_it_never_bills_more_waiting_days_in_a_run_than_the_reason_allows(
    sequence: list[tuple[int, int] | None],
) -> None:
    billed = waiting_period_billed(sequence)
    assert len(billed) == len(sequence)
    run_reason, streak = None, 0
    for mark, is_billed in zip(sequence, billed, strict=True):
        if mark is None:
            assert not is_billed
            run_reason, streak = None, 0
            continue
        streak = streak + 1 if mark[0] == run_reason else 1
        run_reason = mark[0]
        assert is_billed == (streak <= mark[1])


def test_it_groups_flat_packages_per_month_or_per_wednesday() -> None:
    monthly = TariffTerms(valid_from=SEPT, base_price=D("40.00"), flat=True, flat_per="month")
    wednesday = TariffTerms(valid_from=SEPT, base_price=D("9.00"), flat=True, flat_per="wednesday")
    days = [datetime.date(2027, 3, 3), datetime.date(2027, 3, 10), datetime.date(2027, 4, 7)]
    assert list(flat_units(monthly, days)) == [datetime.date(2027, 3, 1), datetime.date(2027, 4, 1)]
    assert len(flat_units(wednesday, days)) == 3
    # A flat package is priced like a day of the family's band, with its sibling discount, never a penalty.
    banded = TariffTerms(
        valid_from=SEPT,
        base_price=D("50.00"),
        bands=((1000, D("30.00")), (None, D("50.00"))),
        penalty_price=D("99.00"),
        sibling_discount_percent=D("10"),
        flat=True,
        flat_per="month",
    )
    assert flat_price(banded, FAMILY) == D("30.00")
    assert flat_price(banded, PricedFor(quotient_familial=800, resident=True, sibling_rank=2)) == D("27.00")
    assert unit_price(banded, FAMILY) == D("0.00")


@given(
    st.decimals(min_value=0, max_value=500, places=2),
    st.decimals(min_value=0, max_value=100, places=2),
    st.integers(1, 5),
)
def test_it_never_prices_a_flat_package_below_zero_or_above_its_band(price: D, discount: D, rank: int) -> None:
    terms = TariffTerms(
        valid_from=SEPT, base_price=price, sibling_discount_percent=discount, flat=True, flat_per="month"
    )
    value = flat_price(terms, PricedFor(quotient_familial=None, resident=True, sibling_rank=rank))
    assert D("0.00") <= value <= price
