"""What a parent reads as the price of a day under a forfait: the package and its price, not 0,00 €."""

import datetime
from decimal import Decimal

import pytest

from ardoise.billing.models import TariffMode
from ardoise.bookings import actions
from ardoise.bookings.calendar import FamilyCalendar
from ardoise.bookings.proposals import ChildReview
from ardoise.families.models import Family
from tests.factories import ActivityFactory, EnrollmentFactory, SchoolYearFactory, TariffFactory
from tests.moment import NOW

pytestmark = pytest.mark.usefixtures("frozen")
# Zone B's spring holidays 2027: 17 April to 2 May.
HOLIDAY_MONDAY = datetime.date(2027, 4, 19)


def test_it_shows_the_weekly_forfait_on_a_holiday_day_and_the_unit_price_elsewhere(family: Family) -> None:
    sarah = family.children.order_by("birth_date").first()
    assert sarah is not None
    year = SchoolYearFactory(town=family.town, start_year=2026)
    centre = ActivityFactory(
        site=sarah.site,
        code="vacances",
        label="Accueil de loisirs vacances",
        weekdays=[0, 1, 2, 3, 4],
        holidays_only=True,
        deadline_kind="day_before",
        deadline_weekday=None,
        deadline_time=datetime.time(18, 0),
    )
    TariffFactory(
        activity=centre,
        valid_from=datetime.date(2026, 9, 1),
        mode=TariffMode.WEEKLY_FLAT,
        base_price=Decimal("60.00"),
        non_resident_price=None,
        pai_price=None,
        penalty_price=None,
        bands=[(1000, "45.00"), (None, "60.00")],
    )
    EnrollmentFactory(child=sarah, activity=centre, school_year=year)
    calendar = FamilyCalendar.load(family, HOLIDAY_MONDAY, HOLIDAY_MONDAY)
    entry = calendar.entry(sarah, centre, HOLIDAY_MONDAY, NOW)
    assert entry.status.open
    assert entry.price_wording == "Forfait semaine 45,00\u00a0€"  # quotient familial 800
    review = actions.review(sarah, [actions.Change(HOLIDAY_MONDAY, centre.pk, True)], now=NOW)
    [line] = ChildReview(sarah, review).lines
    assert line["price"] == "Forfait semaine 45,00\u00a0€"
    # A per-day activity keeps its unit price.
    meals = ActivityFactory(site=sarah.site)
    TariffFactory(activity=meals, valid_from=datetime.date(2026, 9, 1), base_price=Decimal("2.50"))
    EnrollmentFactory(child=sarah, activity=meals, school_year=year)
    day = datetime.date(2027, 3, 18)
    review = actions.review(sarah, [actions.Change(day, meals.pk, True)], now=NOW)
    assert [line["price"] for line in ChildReview(sarah, review).lines] == ["2,50\u00a0€"]
