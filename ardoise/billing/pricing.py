"""Tariff rules as plain functions: the unit price of one booked day.

No database: the caller turns a Tariff row into TariffTerms once (`terms_of`)
and asks for prices as often as it likes. The portal's costs before booking
and the invoicing run use this same function, so they always agree.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ardoise.billing.money import ZERO, format_euros, round_money

if TYPE_CHECKING:
    from ardoise.billing.models import Tariff


type FlatPer = Literal["month", "wednesday", "week", "pack"]


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
    # What a flat package covers: one month of the activity, one Wednesday attended, one ISO week
    # (Monday to Sunday) with a billable day, or a pack of `pack_days` billable days.
    flat_per: FlatPer | None = None
    # Forfait N jours: the days one package covers.
    pack_days: int | None = None


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
        flat_per=_FLAT_PER.get(tariff.mode),
        pack_days=tariff.pack_days if tariff.mode == "pack_days" else None,
    )


_FLAT_PER: dict[str, FlatPer] = {
    "monthly_flat": "month",
    "wednesday_flat": "wednesday",
    "weekly_flat": "week",
    "pack_days": "pack",
}


_PACKAGE_LABELS = {
    "month": gettext_lazy("Forfait mensuel"),
    "wednesday": gettext_lazy("Forfait par mercredi"),
    "week": gettext_lazy("Forfait semaine"),
}


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


def flat_price(terms: TariffTerms, who: PricedFor) -> Decimal:
    """The price of one flat package (a month, or a Wednesday): the family's price, never a penalty.

    Same precedence as `unit_price` for PAI, residence, band and sibling discount.
    """
    return unit_price(_per_unit(terms), who)


def _per_unit(terms: TariffTerms) -> TariffTerms:
    return TariffTerms(
        valid_from=terms.valid_from,
        base_price=terms.base_price,
        bands=terms.bands,
        non_resident_price=terms.non_resident_price,
        pai_price=terms.pai_price,
        sibling_discount_percent=terms.sibling_discount_percent,
    )


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s ISO week (the key of a Forfait semaine)."""
    return day - datetime.timedelta(days=day.weekday())


def flat_units(terms: TariffTerms, days: Iterable[datetime.date]) -> dict[datetime.date, list[datetime.date]]:
    """The packages that billable `days` fall into, keyed by the package's first day (a week's Monday).

    Per month: one package per calendar month with at least one day; per
    Wednesday: one per Wednesday attended; per week: one per ISO week (Monday to
    Sunday, across months and years) with at least one day; per pack of N days:
    the days in date order taken N by N, the last pack possibly incomplete.
    Each package lists the days it covers.
    """
    ordered = sorted(set(days))
    if terms.flat_per == "pack":
        size = max(terms.pack_days or 1, 1)
        return {ordered[index]: ordered[index : index + size] for index in range(0, len(ordered), size)}
    packages: dict[datetime.date, list[datetime.date]] = {}
    for day in ordered:
        if terms.flat_per == "month":
            key = day.replace(day=1)
        elif terms.flat_per == "week":
            key = week_of(day)
        else:
            key = day
        packages.setdefault(key, []).append(day)
    return packages


def package_price(terms: TariffTerms, who: PricedFor, days_covered: int) -> Decimal:
    """The price of one package covering `days_covered` days.

    A Forfait N jours that covers fewer than N days (the last pack of a period)
    costs its share: the package's price × days / N, rounded half-up. Every other
    package costs the whole package price.
    """
    price = flat_price(terms, who)
    size = terms.pack_days
    if terms.flat_per == "pack" and size and days_covered < size:
        return round_money(price * days_covered / size)
    return price


def package_lines(terms: TariffTerms, who: PricedFor, days: Iterable[datetime.date]) -> list[tuple[Decimal, int]]:
    """The lines (unit price, quantity) billing the packages that `days` fall into: whole packages on
    one line, an incomplete pack on its own line at its pro-rata price."""
    counts: dict[Decimal, int] = {}
    for covered in flat_units(terms, days).values():
        price = package_price(terms, who, len(covered))
        counts[price] = counts.get(price, 0) + 1
    return list(counts.items())


def package_label(terms: TariffTerms) -> str:
    """What a flat package is called on screens ("Forfait semaine", "Forfait 5 jours"); "" per unit."""
    if not terms.flat:
        return ""
    if terms.flat_per == "pack":
        return _("Forfait %(days)s jours") % {"days": terms.pack_days}
    return str(_PACKAGE_LABELS.get(terms.flat_per or "month", ""))


def package_wording(terms: TariffTerms, who: PricedFor) -> str:
    """A flat package and its price as a parent reads it ("Forfait semaine 45,00 €"); "" per unit."""
    if not terms.flat:
        return ""
    return f"{package_label(terms)} {format_euros(flat_price(terms, who))}"


def unbooked_ranks(days: Iterable[datetime.date]) -> dict[datetime.date, int]:
    """Rank of each day a child came without a booking within its month: 1 for the first…

    `days` are one child's unbooked days in one activity (any months); the
    penalty applies from the tariff's `penalty_from_nth` rank.
    """
    ranks: dict[datetime.date, int] = {}
    counts: dict[tuple[int, int], int] = {}
    for day in sorted(set(days)):
        month = (day.year, day.month)
        counts[month] = counts.get(month, 0) + 1
        ranks[day] = counts[month]
    return ranks


# An absence in a child's sequence of days in one activity: its reason id and waiting days.
type AbsenceMark = tuple[int, int] | None


def waiting_period_billed(sequence: Sequence[AbsenceMark]) -> list[bool]:
    """Which days of a child's sequence in one activity are billed because of a waiting period.

    `sequence` holds, in date order, the child's days that happened in the
    activity (attended or absent; days not booked are left out): None for a day
    attended, (reason id, waiting days) for an absence. Within a run of
    consecutive absences under the same reason, the first `waiting days` are
    billed (jours de carence) and the following ones are not. Returns, for each
    day, whether the waiting period makes it billed (False for attended days).
    """
    billed: list[bool] = []
    run_reason: int | None = None
    run_length = 0
    for mark in sequence:
        if mark is None:
            run_reason, run_length = None, 0
            billed.append(False)
            continue
        reason_id, waiting_days = mark
        if reason_id == run_reason:
            run_length += 1
        else:
            run_reason, run_length = reason_id, 1
        billed.append(run_length <= waiting_days)
    return billed


def terms_on(day: datetime.date, history: Sequence[TariffTerms]) -> TariffTerms | None:
    """The tariff in force on `day` from an activity's tariffs, or None before the first."""
    current = None
    for terms in sorted(history, key=lambda t: t.valid_from):
        if terms.valid_from <= day:
            current = terms
    return current


def total(prices: Iterable[Decimal]) -> Decimal:
    return round_money(sum(prices, ZERO))
