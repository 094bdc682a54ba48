"""The planning's view of a day, and loading a town's closures and school years."""

import datetime
from dataclasses import dataclass, field

import pytest
from pytest_django import DjangoAssertNumQueries

from ardoise.activities.models import Activity
from ardoise.calendars.days import DayStatus, day_status, load_closures, school_year_for
from ardoise.calendars.deadlines import PARIS, DeadlineKind, DeadlineRule
from ardoise.calendars.models import Closure, SchoolYear
from ardoise.calendars.opening import ClosedReason, ClosureSpan
from ardoise.towns.models import Site, Town

WEEKLY_THURSDAY_NOON = DeadlineRule(DeadlineKind.WEEKLY, weekday=3, time=datetime.time(12, 0))


@dataclass
class FakeActivity:
    pk: int = 10
    site_id: int = 1
    weekdays: list[int] = field(default_factory=lambda: [0, 1, 3, 4])
    runs_in_school_holidays: bool = False
    holidays_only: bool = False
    deadline_rule: DeadlineRule = WEEKLY_THURSDAY_NOON


CANTEEN = FakeActivity()
MONDAY = datetime.date(2027, 6, 14)
THURSDAY_NOON = datetime.datetime(2027, 6, 10, 12, 0, tzinfo=PARIS)


def test_it_gives_the_deadline_of_an_open_day() -> None:
    status = day_status(MONDAY, CANTEEN, "B", [], THURSDAY_NOON)
    assert status == DayStatus(open=True, closed_reason=None, deadline=THURSDAY_NOON, changeable=True)


def test_it_is_not_changeable_after_the_deadline() -> None:
    status = day_status(MONDAY, CANTEEN, "B", [], THURSDAY_NOON + datetime.timedelta(minutes=1))
    assert status == DayStatus(open=True, closed_reason=None, deadline=THURSDAY_NOON, changeable=False)


@pytest.mark.parametrize(
    ("day", "closed_reason"),
    [
        ("2027-06-16", ClosedReason.NOT_RUNNING),
        ("2027-05-17", ClosedReason.PUBLIC_HOLIDAY),
        ("2027-05-07", ClosedReason.SCHOOL_HOLIDAY),
        ("2027-06-15", ClosedReason.CLOSURE),
    ],
)
def test_it_gives_no_deadline_to_a_closed_day(day: str, closed_reason: ClosedReason) -> None:
    strike = ClosureSpan(datetime.date(2027, 6, 15), datetime.date(2027, 6, 15), 1, None, "Grève")
    status = day_status(datetime.date.fromisoformat(day), CANTEEN, "B", [strike], THURSDAY_NOON)
    assert status == DayStatus(open=False, closed_reason=closed_reason, deadline=None, changeable=False)


@pytest.mark.django_db
def test_it_loads_a_towns_closures_in_one_query(django_assert_num_queries: DjangoAssertNumQueries) -> None:
    town = Town.objects.create(slug="ville", name="Ville", zone="B")
    other_town = Town.objects.create(slug="autre", name="Autre", zone="A")
    site = Site.objects.create(town=town, name="École du Centre")
    canteen = Activity.objects.create(
        town=town, site=site, code="repas", label="Repas", weekdays=[0, 1, 3, 4], deadline_kind="weekly"
    )
    june = (datetime.date(2027, 6, 1), datetime.date(2027, 6, 30))
    Closure.objects.create(
        town=town, site=site, starts_on=datetime.date(2027, 6, 15), ends_on=datetime.date(2027, 6, 15), label="Grève"
    )
    Closure.objects.create(
        town=town,
        activity=canteen,
        starts_on=datetime.date(2027, 5, 31),
        ends_on=datetime.date(2027, 6, 1),
        label="Cuisine",
    )
    Closure.objects.create(  # after the range
        town=town, starts_on=datetime.date(2027, 7, 1), ends_on=datetime.date(2027, 7, 2), label="Juillet"
    )
    Closure.objects.create(  # another town
        town=other_town, starts_on=datetime.date(2027, 6, 15), ends_on=datetime.date(2027, 6, 15), label="Ailleurs"
    )

    with django_assert_num_queries(1):
        closures = load_closures(town, *june)

    assert sorted(closures, key=lambda span: span.starts_on) == [
        ClosureSpan(datetime.date(2027, 5, 31), datetime.date(2027, 6, 1), None, canteen.pk, "Cuisine"),
        ClosureSpan(datetime.date(2027, 6, 15), datetime.date(2027, 6, 15), site.pk, None, "Grève"),
    ]
    status = day_status(datetime.date(2027, 6, 15), canteen, town.zone, closures, THURSDAY_NOON)
    assert status.closed_reason == ClosedReason.CLOSURE


@pytest.mark.django_db
def test_it_finds_the_school_year_of_a_day() -> None:
    town = Town.objects.create(slug="ville", name="Ville", zone="B")
    year = SchoolYear.objects.create(
        town=town, start_year=2026, starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 7, 2), zone="B"
    )
    assert school_year_for(town, datetime.date(2026, 9, 1)) == year
    assert school_year_for(town, datetime.date(2027, 7, 2)) == year
    assert school_year_for(town, datetime.date(2027, 7, 15)) is None
