"""The tariff rules, without a database: DEMO.md's prices and properties that must always hold."""

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ardoise.billing.money import format_euros, round_money
from ardoise.billing.pricing import PricedFor, TariffTerms, band_price, terms_on, total, unit_price

D = Decimal
SEPT = datetime.date(2026, 9, 1)

# The demo town's meal tariff (DEMO.md).
MEAL = TariffTerms(
    valid_from=SEPT,
    base_price=D("4.10"),
    bands=((500, D("1.00")), (1000, D("2.50")), (1500, D("3.20")), (None, D("4.10"))),
    non_resident_price=D("5.20"),
    pai_price=D("1.50"),
    penalty_price=D("6.00"),
)
WEDNESDAY = TariffTerms(valid_from=SEPT, base_price=D("12.00"), bands=((1000, D("9.00")), (None, D("12.00"))))


def resident(qf: int | None, **kwargs: object) -> PricedFor:
    return PricedFor(quotient_familial=qf, resident=True, **kwargs)  # type: ignore[arg-type]


def test_it_prices_meals_by_quotient_familial_band() -> None:
    assert unit_price(MEAL, resident(0)) == D("1.00")
    assert unit_price(MEAL, resident(500)) == D("1.00")
    assert unit_price(MEAL, resident(501)) == D("2.50")
    assert unit_price(MEAL, resident(800)) == D("2.50")
    assert unit_price(MEAL, resident(1000)) == D("2.50")
    assert unit_price(MEAL, resident(1001)) == D("3.20")
    assert unit_price(MEAL, resident(1500)) == D("3.20")
    assert unit_price(MEAL, resident(1501)) == D("4.10")


def test_it_prices_a_family_without_quotient_at_the_highest_band() -> None:
    assert unit_price(MEAL, resident(None)) == D("4.10")
    assert unit_price(WEDNESDAY, resident(None)) == D("12.00")


def test_it_prices_non_residents_pai_and_unbooked_days() -> None:
    assert unit_price(MEAL, PricedFor(quotient_familial=300, resident=False)) == D("5.20")
    assert unit_price(MEAL, resident(300, has_pai=True)) == D("1.50")
    # A packed lunch costs the PAI price even outside the town.
    assert unit_price(MEAL, PricedFor(quotient_familial=300, resident=False, has_pai=True)) == D("1.50")
    assert unit_price(MEAL, resident(300), unbooked=True) == D("6.00")


def test_it_applies_the_penalty_only_from_the_nth_unbooked_day() -> None:
    lenient = TariffTerms(valid_from=SEPT, base_price=D("3.00"), penalty_price=D("6.00"), penalty_from_nth=3)
    assert unit_price(lenient, resident(800), unbooked=True, unbooked_rank_in_month=2) == D("3.00")
    assert unit_price(lenient, resident(800), unbooked=True, unbooked_rank_in_month=3) == D("6.00")


def test_it_discounts_siblings_and_rounds_half_up_per_line() -> None:
    discounted = TariffTerms(valid_from=SEPT, base_price=D("2.45"), sibling_discount_percent=D("10"))
    assert unit_price(discounted, resident(800, sibling_rank=1)) == D("2.45")
    # 2.45 × 0.9 = 2.205 → 2.21 (half-up), not 2.20 (banker's rounding).
    assert unit_price(discounted, resident(800, sibling_rank=2)) == D("2.21")


def test_it_charges_nothing_per_day_for_flat_packages() -> None:
    flat = TariffTerms(valid_from=SEPT, base_price=D("30.00"), flat=True)
    assert unit_price(flat, resident(800)) == D("0.00")


def test_it_picks_the_tariff_in_force_on_the_day() -> None:
    old = TariffTerms(valid_from=datetime.date(2025, 9, 1), base_price=D("2.00"))
    new = TariffTerms(valid_from=datetime.date(2026, 1, 1), base_price=D("2.20"))
    assert terms_on(datetime.date(2025, 8, 31), [new, old]) is None
    assert terms_on(datetime.date(2025, 12, 31), [new, old]) == old
    assert terms_on(datetime.date(2026, 1, 1), [new, old]) == new


def test_it_formats_euros_the_french_way() -> None:
    assert format_euros(D("1234.5")) == "1\u202f234,50\u00a0€"
    assert format_euros(D("0")) == "0,00\u00a0€"
    assert round_money(D("0.005")) == D("0.01")


prices = st.decimals(min_value=0, max_value=1000, places=2)
quotients = st.one_of(st.none(), st.integers(min_value=0, max_value=10_000))


@st.composite
def banded_terms(draw: st.DrawFn) -> TariffTerms:
    bounds = sorted(draw(st.sets(st.integers(min_value=0, max_value=5000), min_size=1, max_size=5)))
    band_prices = sorted(draw(st.lists(prices, min_size=len(bounds) + 1, max_size=len(bounds) + 1)))
    bands = (*zip(bounds, band_prices[:-1], strict=True), (None, band_prices[-1]))
    return TariffTerms(
        valid_from=SEPT,
        base_price=draw(prices),
        bands=bands,
        non_resident_price=draw(st.one_of(st.none(), prices)),
        pai_price=draw(st.one_of(st.none(), prices)),
        penalty_price=draw(st.one_of(st.none(), prices)),
        sibling_discount_percent=draw(st.decimals(min_value=0, max_value=100, places=2)),
    )


@given(banded_terms(), quotients, st.booleans(), st.booleans(), st.integers(1, 5), st.booleans())
def test_it_never_gives_a_negative_or_unrounded_price(
    terms: TariffTerms, qf: int | None, is_resident: bool, has_pai: bool, rank: int, unbooked: bool
) -> None:
    who = PricedFor(quotient_familial=qf, resident=is_resident, has_pai=has_pai, sibling_rank=rank)
    price = unit_price(terms, who, unbooked=unbooked)
    assert price >= 0
    assert price == round_money(price)


@given(banded_terms(), st.integers(0, 10_000), st.integers(0, 10_000))
def test_it_is_monotone_in_quotient_familial_when_bands_rise(terms: TariffTerms, qf_a: int, qf_b: int) -> None:
    low, high = sorted((qf_a, qf_b))
    assert band_price(terms, low) <= band_price(terms, high)
    assert unit_price(terms, resident(low)) <= unit_price(terms, resident(high))


@given(st.lists(prices, max_size=50))
def test_it_totals_exactly(amounts: list[Decimal]) -> None:
    assert total(amounts) == sum(amounts, D("0.00"))
