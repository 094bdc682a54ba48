"""Forfait semaine and Forfait N jours: the pure rules (billing.pricing)."""

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ardoise.billing.money import round_money
from ardoise.billing.pricing import (
    PricedFor,
    TariffTerms,
    flat_units,
    package_label,
    package_lines,
    package_price,
    package_wording,
    unit_price,
    week_of,
)

D = Decimal
SEPT = datetime.date(2026, 9, 1)
FAMILY = PricedFor(quotient_familial=800, resident=True)
WEEKLY = TariffTerms(valid_from=SEPT, base_price=D("60.00"), flat=True, flat_per="week")


def pack(days: int, price: str = "50.00", **kwargs: object) -> TariffTerms:
    return TariffTerms(valid_from=SEPT, base_price=D(price), flat=True, flat_per="pack", pack_days=days, **kwargs)  # type: ignore[arg-type]


def dates(*isoformats: str) -> list[datetime.date]:
    return [datetime.date.fromisoformat(text) for text in isoformats]


def test_it_bills_one_week_package_per_iso_week_across_months_and_years() -> None:
    # Christmas holidays: Monday 28 December 2026 to Friday 1 January 2027 is one ISO week (53rd of 2026).
    days = dates("2026-12-21", "2026-12-23", "2026-12-28", "2026-12-31", "2027-01-01", "2027-01-04")
    assert flat_units(WEEKLY, days) == {
        datetime.date(2026, 12, 21): dates("2026-12-21", "2026-12-23"),
        datetime.date(2026, 12, 28): dates("2026-12-28", "2026-12-31", "2027-01-01"),
        datetime.date(2027, 1, 4): dates("2027-01-04"),
    }
    # A week across two months (Monday 29 March 2027 to Sunday 4 April) is one package.
    assert list(flat_units(WEEKLY, dates("2027-03-31", "2027-04-02"))) == [datetime.date(2027, 3, 29)]


def test_it_keeps_daylight_saving_weeks_whole() -> None:
    # Clocks change on Sunday 28 March and Sunday 31 October 2027: days are dates, the week stays whole.
    assert list(flat_units(WEEKLY, dates("2027-03-22", "2027-03-28", "2027-03-29"))) == dates(
        "2027-03-22", "2027-03-29"
    )
    assert list(flat_units(WEEKLY, dates("2027-10-25", "2027-10-31", "2027-11-01"))) == dates(
        "2027-10-25", "2027-11-01"
    )


def test_it_takes_pack_days_n_by_n_in_date_order_and_bills_the_last_pack_pro_rata() -> None:
    terms = pack(5, "50.00")
    days = dates("2027-02-26", "2027-02-22", "2027-02-23", "2027-02-24", "2027-02-25", "2027-03-01", "2027-03-02")
    packages = flat_units(terms, days)
    assert [len(covered) for covered in packages.values()] == [5, 2]
    assert list(packages) == dates("2027-02-22", "2027-03-01")
    assert package_lines(terms, FAMILY, days) == [(D("50.00"), 1), (D("20.00"), 1)]
    # 3 days of a 7-day pack at 45.00: 19.285714… → 19.29, rounded half-up on its line.
    assert package_price(pack(7, "45.00"), FAMILY, 3) == D("19.29")
    # Exactly half a cent goes up: 0.05 × 1 / 2 = 0.025 → 0.03.
    assert package_price(pack(2, "0.05"), FAMILY, 1) == D("0.03")


def test_it_prices_a_package_at_the_family_price_and_a_day_at_nothing() -> None:
    banded = TariffTerms(
        valid_from=SEPT,
        base_price=D("70.00"),
        bands=((1000, D("45.00")), (None, D("60.00"))),
        sibling_discount_percent=D("10"),
        flat=True,
        flat_per="week",
    )
    assert unit_price(banded, FAMILY) == D("0.00")
    assert package_price(banded, FAMILY, 3) == D("45.00")
    assert package_price(banded, PricedFor(quotient_familial=800, resident=True, sibling_rank=2), 5) == D("40.50")
    assert package_wording(banded, FAMILY) == "Forfait semaine 45,00\u00a0€"
    assert package_label(pack(5)) == "Forfait 5 jours"
    assert package_wording(TariffTerms(valid_from=SEPT, base_price=D("3.00")), FAMILY) == ""


day_offsets = st.lists(st.integers(min_value=0, max_value=800), max_size=60)
prices = st.decimals(min_value=D("0.00"), max_value=D("500.00"), places=2)


@given(day_offsets, st.integers(min_value=1, max_value=10), prices)
def test_it_bills_every_day_once_and_never_more_than_whole_packages(offsets: list[int], size: int, price: D) -> None:
    days = [SEPT + datetime.timedelta(days=offset) for offset in offsets]
    terms = pack(size, str(price))
    packages = flat_units(terms, days)
    covered = [day for package in packages.values() for day in package]
    # Every billable day lies in exactly one package, in date order.
    assert covered == sorted(set(days))
    lines = package_lines(terms, FAMILY, days)
    billed = sum((line_price * quantity for line_price, quantity in lines), D("0.00"))
    # The lines add up to the sum over the packages, whole ones at the package price.
    assert billed == sum((package_price(terms, FAMILY, len(p)) for p in packages.values()), D("0.00"))
    assert sum(quantity for _price, quantity in lines) == len(packages)
    # Never more than whole packages, never less than the days' share.
    assert billed <= price * len(packages)
    assert billed >= round_money(price * len(covered) / size) - D("0.01") * len(packages)


@given(day_offsets, prices)
def test_it_never_bills_a_week_twice_nor_a_day_outside_its_week(offsets: list[int], price: D) -> None:
    days = [SEPT + datetime.timedelta(days=offset) for offset in offsets]
    terms = TariffTerms(valid_from=SEPT, base_price=price, flat=True, flat_per="week")
    packages = flat_units(terms, days)
    assert len(packages) == len({day.isocalendar()[:2] for day in days})
    for monday, covered in packages.items():
        assert monday.weekday() == 0
        assert all(week_of(day) == monday for day in covered)
    assert package_lines(terms, FAMILY, days) == ([(price, len(packages))] if packages else [])


@given(day_offsets, st.integers(min_value=1, max_value=10), prices)
def test_it_never_costs_more_than_per_day_when_the_pack_costs_no_more_than_its_days(
    offsets: list[int], size: int, day_price: D
) -> None:
    # A town that sets its pack at most N times the day price never bills more than the days one by one.
    days = sorted({SEPT + datetime.timedelta(days=offset) for offset in offsets})
    terms = pack(size, str(day_price * size))
    billed = sum((line_price * quantity for line_price, quantity in package_lines(terms, FAMILY, days)), D("0.00"))
    assert billed <= day_price * len(days) + D("0.01")
