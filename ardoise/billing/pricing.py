"""Tariff rules as plain functions: the unit price of one booked day.

No database: the caller turns a Tariff row into TariffTerms once (`terms_of`)
and asks for prices as often as it likes. The portal's costs before booking
and the invoicing run use this same function, so they always agree.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ardoise.billing.money import ZERO, round_money

if TYPE_CHECKING:
    from ardoise.billing.models import Tariff


@dataclass(frozen=True)
class TariffTerms:
    valid_from: datetime.date
    base_price: Decimal
    # (upper bound of quotient familial inclusive — None for the last band —, price), ascending.
    bands: tuple[tuple[int | None, Decimal], ...] = ()
    non_resident_price: Decimal | None = None
    pai_price: Decimal | None = None
    penalty_price: Decimal | None = None
    penalty_from_nth: int = 1
    sibling_discount_percent: Decimal = ZERO
    flat: bool = False


@dataclass(frozen=True)
class PricedFor:
    """What the price of a day depends on, about the family and the child."""

    quotient_familial: int | None
    resident: bool
    has_pai: bool = False
    # 1 for the eldest child enrolled in the activity, 2 for the next…
    sibling_rank: int = 1


def terms_of(tariff: "Tariff") -> TariffTerms:
    """TariffTerms from a Tariff whose `bands` are prefetched."""
    bands = sorted(tariff.bands.all(), key=lambda band: (band.qf_max is None, band.qf_max or 0))
    return TariffTerms(
        valid_from=tariff.valid_from,
        base_price=tariff.base_price,
        bands=tuple((band.qf_max, band.price) for band in bands),
        non_resident_price=tariff.non_resident_price,
        pai_price=tariff.pai_price,
        penalty_price=tariff.penalty_price,
        penalty_from_nth=tariff.penalty_from_nth,
        sibling_discount_percent=tariff.sibling_discount_percent,
        flat=tariff.mode != "per_unit",
    )


def band_price(terms: TariffTerms, quotient_familial: int | None) -> Decimal:
    """The price of the family's quotient-familial band.

    A family that gave no quotient familial pays the last (highest) band, as
    towns do when the CAF certificate is missing.
    """
    if not terms.bands:
        return terms.base_price
    if quotient_familial is None:
        return terms.bands[-1][1]
    for qf_max, price in terms.bands:
        if qf_max is None or quotient_familial <= qf_max:
            return price
    return terms.base_price


def unit_price(
    terms: TariffTerms,
    who: PricedFor,
    *,
    unbooked: bool = False,
    unbooked_rank_in_month: int = 1,
) -> Decimal:
    """The price of one day.

    Precedence: a day the child came without a booking pays the penalty price
    (from the N-th such day of the month); a child with a PAI pays the packed
    lunch price; a non-resident family pays the non-resident price; otherwise
    the quotient-familial band. The sibling discount applies to the last two.
    Flat packages are billed per period, not per day: a day costs nothing.
    """
    if terms.flat:
        return ZERO
    if unbooked and terms.penalty_price is not None and unbooked_rank_in_month >= terms.penalty_from_nth:
        return round_money(terms.penalty_price)
    if who.has_pai and terms.pai_price is not None:
        return round_money(terms.pai_price)
    if not who.resident and terms.non_resident_price is not None:
        price = terms.non_resident_price
    else:
        price = band_price(terms, who.quotient_familial)
    if who.sibling_rank > 1 and terms.sibling_discount_percent:
        price = price * (Decimal(100) - terms.sibling_discount_percent) / Decimal(100)
    return round_money(price)


def terms_on(day: datetime.date, history: Sequence[TariffTerms]) -> TariffTerms | None:
    """The tariff in force on `day` from an activity's tariffs, or None before the first."""
    current = None
    for terms in sorted(history, key=lambda t: t.valid_from):
        if terms.valid_from <= day:
            current = terms
    return current


def total(prices: Iterable[Decimal]) -> Decimal:
    return round_money(sum(prices, ZERO))
