"""On Saturday and Sunday "cette semaine" and the week views open on the coming week, not the one just ended."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from ardoise.bookings.calendar import current_week
from ardoise.bookings.models import BookingState
from tests.factories import BookingFactory

PARIS = ZoneInfo("Europe/Paris")
FRIDAY, MONDAY = datetime.date(2027, 3, 12), datetime.date(2027, 3, 15)


@given(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2099, 12, 31)))
def test_it_is_this_weeks_monday_on_a_weekday_and_the_next_one_at_the_weekend(today) -> None:
    monday = current_week(today)
    assert monday.weekday() == 0
    if today.weekday() < 5:
        assert monday <= today < monday + datetime.timedelta(days=5)
    else:
        assert today < monday <= today + datetime.timedelta(days=2)


def moments(*pairs):
    return [pytest.param(datetime.datetime(*moment, tzinfo=PARIS), monday, id=f"{moment}") for moment, monday in pairs]


# Paris times; the clocks change on Sunday 28 March 2027 (and Easter Monday is the 29th).
WEEKEND = moments(
    ((2027, 3, 12, 23, 30), datetime.date(2027, 3, 8)),  # Friday night: still this week
    ((2027, 3, 13, 0, 30), MONDAY),  # Saturday just after midnight (still Friday in UTC)
    ((2027, 3, 14, 23, 30), MONDAY),  # Sunday night
    ((2027, 3, 26, 23, 30), datetime.date(2027, 3, 22)),  # Friday before the change
    ((2027, 3, 27, 0, 30), datetime.date(2027, 3, 29)),  # Saturday before the change
    ((2027, 3, 28, 3, 30), datetime.date(2027, 3, 29)),  # Sunday, just after the change
    ((2027, 3, 28, 23, 30), datetime.date(2027, 3, 29)),  # Sunday night (UTC+2)
    ((2027, 3, 29, 0, 30), datetime.date(2027, 3, 29)),  # Monday just after midnight (still Sunday in UTC)
    ((2026, 10, 25, 23, 30), datetime.date(2026, 10, 26)),  # the autumn change's Sunday night
)


@pytest.mark.django_db
@pytest.mark.parametrize(("moment", "monday"), WEEKEND)
def test_the_planning_opens_the_week_a_family_is_looking_at(town, family, parent, client_for, moment, monday):
    url = reverse("portal:planning", args=[town.slug])
    with time_machine.travel(moment, tick=False):
        client = client_for(parent)
        week = client.get(url, {"view": "week"}).content.decode()
        month = client.get(url, {"month": f"{moment:%Y-%m}"}).content.decode()
        elsewhere = client.get(url, {"view": "week", "week": "2026-01-07"}).content.decode()
    sunday = monday + datetime.timedelta(days=6)
    assert f"Semaine du {_day(monday)} " in week
    assert f"au {_day(sunday)} " in week
    # "Voir une semaine" from today's month, and "Aujourd'hui" from another week.
    assert f"week={monday.isoformat()}" in month
    assert f"week={monday.isoformat()}" in elsewhere


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment", [datetime.datetime(2027, 3, 13, 9, tzinfo=PARIS), datetime.datetime(2027, 3, 14, 20, tzinfo=PARIS)]
)
def test_the_home_page_shows_the_coming_week_at_the_weekend(town, family, parent, client_for, meals, moment):
    sarah = family.children.order_by("birth_date", "pk").first()
    BookingFactory(child=sarah, activity=meals, date=FRIDAY, state=BookingState.PRESENT)
    BookingFactory(child=sarah, activity=meals, date=MONDAY, state=BookingState.BOOKED)
    with time_machine.travel(moment, tick=False):
        html = client_for(parent).get(reverse("portal:home", args=[town.slug])).content.decode()
    assert 'datetime="2027-03-15"' in html
    assert 'datetime="2027-03-12"' not in html
    assert "Vos enfants la semaine prochaine" in html


@pytest.mark.django_db
def test_the_home_page_shows_this_week_on_a_weekday(town, family, parent, client_for, meals):
    sarah = family.children.order_by("birth_date", "pk").first()
    BookingFactory(child=sarah, activity=meals, date=FRIDAY, state=BookingState.BOOKED)
    with time_machine.travel(datetime.datetime(2027, 3, 12, 9, tzinfo=PARIS), tick=False):
        html = client_for(parent).get(reverse("portal:home", args=[town.slug])).content.decode()
    assert 'datetime="2027-03-12"' in html
    assert "Vos enfants cette semaine" in html


@pytest.mark.django_db
def test_the_back_office_planning_opens_the_coming_week_at_the_weekend(town, family, front_desk, client_for):
    url = reverse("backoffice:on_behalf", args=[town.slug, family.pk])
    with time_machine.travel(datetime.datetime(2027, 3, 13, 9, tzinfo=PARIS), tick=False):
        client = client_for(front_desk)
        week = client.get(url, {"view": "week"}).content.decode()
        month = client.get(url, {"month": "2027-03"}).content.decode()
    assert "Semaine du 15 mars au 21 mars 2027" in week
    assert "week=2027-03-15" in month


@pytest.mark.django_db
def test_the_planning_opens_on_the_current_week_with_the_month_one_tap_away(town, family, parent, client_for):
    url = reverse("portal:planning", args=[town.slug])
    with time_machine.travel(datetime.datetime(2027, 3, 13, 9, tzinfo=PARIS), tick=False):
        client = client_for(parent)
        default = client.get(url).content.decode()
        month = client.get(url, {"month": "2027-03"}).content.decode()
    assert "Semaine du 15 mars au 21 mars 2027" in default
    assert "Voir le mois" in default
    assert "month=2027-03" in default
    assert "Mars 2027" in month


def _day(day: datetime.date) -> str:
    """The day of the month as the pages write it ("1er", then "2", "3"…)."""
    return "1er" if day.day == 1 else str(day.day)
