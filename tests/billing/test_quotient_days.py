"""A run prices each day at the quotient familial in force that day (quotients.queries), and a package at
the QF of its first day; the QF's history is read in one query whatever the number of families."""

import datetime
from decimal import Decimal

import pytest

from ardoise.activities.models import Activity
from ardoise.billing import runs
from ardoise.billing.models import InvoicingRun
from ardoise.families.models import Child, Family
from ardoise.quotients import actions as quotients
from tests.billing.conftest import Book
from tests.factories import ActivityFactory, EnrollmentFactory, SchoolYearFactory, TariffFactory

D = Decimal
pytestmark = pytest.mark.usefixtures("frozen")
MID_MARCH = datetime.date(2027, 3, 15)


def priced(run: InvoicingRun) -> list[tuple[str, int, Decimal]]:
    [draft] = runs.preview(run).families
    return sorted((line.child_name.split()[0], line.quantity, line.unit_price) for line in draft.lines)


def test_it_prices_each_day_at_that_day_s_quotient(
    family: Family, children: list[Child], meals: Activity, book: Book, march_run, front_desk
) -> None:
    sarah, _chloe = children
    for day in (8, 9, 15, 16):
        book(sarah, meals, day)
    quotients.store_quotient(family, 400, MID_MARCH, "caf", front_desk)  # band "≤ 500": 1.00 from the 15th
    assert priced(march_run(family.town, meals)) == [("Sarah", 2, D("1.00")), ("Sarah", 2, D("2.50"))]


def test_it_prices_a_new_quotient_only_from_its_day_even_when_the_file_changed(
    family: Family, children: list[Child], meals: Activity, book: Book, march_run, front_desk
) -> None:
    sarah, _chloe = children
    book(sarah, meals, 8)
    quotients.store_quotient(family, 1200, datetime.date(2027, 4, 1), "staff", front_desk)
    quotients.store_quotient(family, 1400, datetime.date(2027, 3, 1), "staff", front_desk)  # in force now
    assert priced(march_run(family.town, meals)) == [("Sarah", 1, D("3.20"))]


def test_it_prices_a_monthly_package_at_the_quotient_of_its_first_day(
    family: Family, children: list[Child], book: Book, march_run, front_desk
) -> None:
    sarah, _chloe = children
    evening = ActivityFactory(town=family.town, site=sarah.site, garderie_soir=True)
    TariffFactory(
        activity=evening,
        valid_from=datetime.date(2026, 9, 1),
        mode="monthly_flat",
        bands=[(500, "20.00"), (None, "40.00")],
    )
    EnrollmentFactory(child=sarah, activity=evening, school_year=SchoolYearFactory(town=family.town, start_year=2026))
    for day in (8, 16):
        book(sarah, evening, day)
    quotients.store_quotient(family, 400, MID_MARCH, "caf", front_desk)
    assert priced(march_run(family.town, evening)) == [("Sarah", 1, D("40.00"))]
    quotients.store_quotient(family, 300, datetime.date(2027, 3, 1), "caf", front_desk)
    assert priced(march_run(family.town, evening)) == [("Sarah", 1, D("20.00"))]
