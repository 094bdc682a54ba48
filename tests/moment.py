"""A family at a fixed moment: Tuesday 9 March 2027, 10:00 in Paris.

Next week (15–19 March) is still open under the weekly "Thursday 12:00" rule;
this week is closed. The clocks change on Sunday 28 March 2027, Easter Monday
is 29 March, zone B's spring holidays run from 17 April to 2 May.
"""

import datetime
from collections.abc import Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ardoise.activities.models import Activity
from ardoise.families.models import Child, Family
from tests.factories import ActivityFactory, EnrollmentFactory, SchoolYearFactory, TariffFactory

NOW = datetime.datetime(2027, 3, 9, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
NEXT_MONDAY = datetime.date(2027, 3, 15)


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def children(family: Family, frozen: time_machine.Traveller) -> list[Child]:
    return list(family.children.order_by("birth_date", "pk"))


@pytest.fixture
def meals(family: Family, children: list[Child]) -> Activity:
    """The `repas` of the family's school, both children enrolled, priced as in DEMO.md."""
    year = SchoolYearFactory(town=family.town, start_year=2026)
    activity = ActivityFactory(town=family.town, site=children[0].site)
    TariffFactory(
        activity=activity,
        valid_from=datetime.date(2026, 9, 1),
        bands=[(500, "1.00"), (1000, "2.50"), (1500, "3.20"), (None, "4.10")],
    )
    for child in children:
        EnrollmentFactory(child=child, activity=activity, school_year=year)
    return activity


@pytest.fixture
def wednesdays(family: Family, children: list[Child]) -> Activity:
    """The Wednesday centre: validated by staff, 24 places."""
    year = SchoolYearFactory(town=family.town, start_year=2026)
    activity = ActivityFactory(town=family.town, site=children[0].site, mercredi=True)
    TariffFactory(
        activity=activity,
        valid_from=datetime.date(2026, 9, 1),
        base_price=Decimal("12.00"),
        non_resident_price=None,
        pai_price=None,
        penalty_price=None,
        bands=[(1000, "9.00"), (None, "12.00")],
    )
    for child in children:
        EnrollmentFactory(child=child, activity=activity, school_year=year)
    return activity


def week(monday: datetime.date, weekdays: tuple[int, ...] = (0, 1, 3, 4)) -> list[datetime.date]:
    return [monday + datetime.timedelta(days=offset) for offset in weekdays]
