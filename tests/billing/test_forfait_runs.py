"""Invoicing runs bill a Forfait semaine once per week and a Forfait N jours by packs of N days."""

import datetime
from decimal import Decimal

import pytest

from ardoise.activities.models import Activity
from ardoise.billing import runs
from ardoise.billing.models import InvoicingRun, TariffMode
from ardoise.bookings.models import BookingState
from ardoise.families.models import Child
from ardoise.towns.models import Town
from tests.factories import ActivityFactory, BookingFactory, TariffFactory

D = Decimal
pytestmark = pytest.mark.usefixtures("frozen")

# Zone B's winter holidays 2027: Saturday 20 February to Sunday 7 March.
WINTER_WEEK = [datetime.date(2027, 2, 22) + datetime.timedelta(days=n) for n in range(5)]
NEXT_WEEK = [datetime.date(2027, 3, 1) + datetime.timedelta(days=n) for n in range(5)]


def holiday_centre(town: Town, child: Child, mode: str, price: str, pack_days: int | None = None) -> Activity:
    centre = ActivityFactory(
        town=town,
        site=child.site,
        code="vacances",
        label="Accueil de loisirs vacances",
        weekdays=[0, 1, 2, 3, 4],
        holidays_only=True,
    )
    TariffFactory(
        activity=centre,
        valid_from=datetime.date(2026, 9, 1),
        mode=mode,
        pack_days=pack_days,
        base_price=D(price),
        non_resident_price=None,
        pai_price=None,
        penalty_price=None,
    )
    return centre


def book(child: Child, activity: Activity, days: list[datetime.date]) -> None:
    for day in days:
        BookingFactory(child=child, activity=activity, date=day, state=BookingState.BOOKED)


def run_over(town: Town, activity: Activity, start: str, end: str) -> InvoicingRun:
    return runs.create_run(
        town,
        None,
        period_start=datetime.date.fromisoformat(start),
        period_end=datetime.date.fromisoformat(end),
        activities=[activity],
    )


def test_it_bills_one_week_package_per_week_and_nothing_on_school_days(town: Town, children: list[Child]) -> None:
    sarah, _chloe = children
    centre = holiday_centre(town, sarah, TariffMode.WEEKLY_FLAT, "60.00")
    book(sarah, centre, WINTER_WEEK + NEXT_WEEK[:2])
    # A school day: a holidays-only activity does not run, so it is never billed.
    book(sarah, centre, [datetime.date(2027, 3, 9)])
    [draft] = runs.preview(run_over(town, centre, "2027-02-01", "2027-03-31")).families
    assert [(line.label, line.quantity, line.unit_price, line.amount) for line in draft.lines] == [
        ("Accueil de loisirs vacances — forfait", 2, D("60.00"), D("120.00")),
    ]
    assert draft.booking_count == 7


def test_it_bills_a_week_split_across_two_runs_once_whichever_is_issued_first(
    town: Town, children: list[Child]
) -> None:
    sarah, chloe = children
    centre = holiday_centre(town, sarah, TariffMode.WEEKLY_FLAT, "60.00")
    book(sarah, centre, WINTER_WEEK)
    book(chloe, centre, WINTER_WEEK)
    february = run_over(town, centre, "2027-02-01", "2027-02-24")
    march = run_over(town, centre, "2027-02-25", "2027-03-31")
    # The February run is issued first: the March run leaves the week alone.
    [first] = runs.issue_run(february, None).invoices
    assert first.total == D("120.00")  # Sarah's and Chloé's week, both begun on 22 February.
    assert runs.preview(march).families == []
    # The other way round: the later run bills a week first, the earlier one does not bill it again.
    book(sarah, centre, NEXT_WEEK)
    late = run_over(town, centre, "2027-03-03", "2027-03-31")
    [second] = runs.issue_run(late, None).invoices
    assert second.total == D("60.00")
    assert runs.preview(run_over(town, centre, "2027-03-01", "2027-03-02")).families == []


def test_it_bills_pack_days_n_by_n_and_the_last_pack_pro_rata(town: Town, children: list[Child]) -> None:
    sarah, _chloe = children
    centre = holiday_centre(town, sarah, TariffMode.PACK_DAYS, "45.00", pack_days=4)
    book(sarah, centre, WINTER_WEEK + NEXT_WEEK[:2])
    [draft] = runs.preview(run_over(town, centre, "2027-02-01", "2027-03-31")).families
    # 7 days: one pack of 4 at 45.00, then 3 days of 4 at 45.00 × 3 / 4 = 33.75.
    assert [(line.label, line.quantity, line.unit_price, line.amount) for line in draft.lines] == [
        ("Accueil de loisirs vacances — forfait incomplet (au prorata des jours)", 1, D("33.75"), D("33.75")),
        ("Accueil de loisirs vacances — forfait", 1, D("45.00"), D("45.00")),
    ]
    assert draft.total == D("78.75")
