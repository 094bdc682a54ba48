"""The planning page: a month or a week per child or for all children, states, deadlines, isolation, queries."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings.models import BookingState
from ardoise.calendars.models import Closure
from ardoise.families.models import Child, Family
from tests.factories import (
    ActivityFactory,
    BookingFactory,
    ChildFactory,
    EnrollmentFactory,
    SchoolYearFactory,
    TariffFactory,
)
from tests.moment import NEXT_MONDAY

pytestmark = pytest.mark.django_db


def planning_url(town, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("portal:planning", args=[town.slug]) + (f"?{query}" if query else "")


def test_it_requires_login(town, meals: Activity) -> None:
    response = Client().get(planning_url(town))
    assert response.status_code == 302
    assert response["Location"].startswith(f"/{town.slug}/login/?next=")


def test_it_answers_404_to_staff(town, front_desk: User, client_for, meals: Activity) -> None:
    assert client_for(front_desk).get(planning_url(town)).status_code == 404


def test_it_answers_404_to_a_parent_of_another_town(town, stranger: User, client_for, meals: Activity) -> None:
    assert client_for(stranger).get(planning_url(town)).status_code == 404


def test_it_answers_404_for_another_familys_child(
    town, parent: User, outsider: User, client_for, meals: Activity
) -> None:
    leo = Child.objects.get(first_name="Léo")
    for value in (str(leo.pk), "999999", "abc", "1e9", "-1"):
        assert client_for(parent).get(planning_url(town, child=value)).status_code == 404, value


def test_it_shows_the_month_of_every_child_with_states_and_deadlines(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    sarah, chloe = children
    BookingFactory(child=sarah, activity=meals, date=NEXT_MONDAY)
    BookingFactory(child=chloe, activity=meals, date=datetime.date(2027, 3, 2), state=BookingState.PRESENT)
    response = client_for(parent).get(planning_url(town, month="2027-03"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mars 2027" in html
    assert "Sarah DUPONT" in html
    assert "Chloé DUPONT" in html
    # Next Monday is booked and can change until Thursday noon.
    key = f"{sarah.pk}:{meals.pk}:2027-03-15"
    assert f'id="w-{key}" name="book" value="{key}"\n             checked' in html
    assert "Modifiable jusqu&#x27;au jeu. 11/03 12h00" in html
    # This Friday is past its deadline: disabled, with the reason.
    late = f"{sarah.pk}:{meals.pk}:2027-03-12"
    assert f'value="{late}"\n              disabled' in html
    assert f'aria-describedby="w-{late}-note"' in html
    assert "Date limite dépassée (jeu. 04/03 12h00)" in html
    # A past day shows what happened, without a checkbox.
    assert "Présent" in html
    # Easter Monday (29 March) is a public holiday.
    assert "Jour férié" in html
    # The month costs what is booked: one meal at 2.50.
    assert "2,50\xa0€" in html


def test_it_shows_one_child_and_a_week(town, parent: User, client_for, children: list[Child], meals: Activity) -> None:
    _sarah, chloe = children
    response = client_for(parent).get(planning_url(town, child=str(chloe.pk), view="week", week="2027-03-17"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Semaine du 15 mars au 21 mars 2027" in html
    assert "Chloé DUPONT" in html
    assert "Sarah DUPONT" not in html
    assert "view=week&amp;week=2027-03-22" in html  # next week
    assert "Toute la semaine" in html


def test_it_falls_back_to_this_month_on_unreadable_periods(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    for params in (
        {"month": "2027-13"},
        {"month": "abc"},
        {"month": "99999-01"},
        {"view": "week", "week": "x"},
        {"view": "week", "week": "9999-12-31"},
        {"month": "0001-01"},
    ):
        response = client_for(parent).get(planning_url(town, **params))
        assert response.status_code == 200, params
    assert "Mars 2027" in client_for(parent).get(planning_url(town, month="2027-13")).content.decode()


def test_it_shows_closures_and_school_holidays_with_their_reason(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    Closure.objects.create(
        town=town,
        site=meals.site,
        starts_on=datetime.date(2027, 4, 6),
        ends_on=datetime.date(2027, 4, 6),
        label="Grève",
    )
    html = client_for(parent).get(planning_url(town, month="2027-04")).content.decode()
    assert "Fermeture" in html
    assert "Vacances scolaires" in html


def test_it_marks_the_page_in_the_menu(town, parent: User, client_for, children, meals) -> None:
    html = client_for(parent).get(planning_url(town)).content.decode()
    assert f'href="/{town.slug}/planning/" aria-current="page"' in html


def add_activities(family: Family, children: list[Child], count: int) -> None:
    year = SchoolYearFactory(town=family.town, start_year=2026)
    traits = ["garderie_matin", "garderie_soir", "etude", "mercredi"]
    for trait in traits[:count]:
        activity = ActivityFactory(town=family.town, site=children[0].site, **{trait: True})
        TariffFactory(activity=activity, valid_from=datetime.date(2026, 9, 1))
        for child in children:
            EnrollmentFactory(child=child, activity=activity, school_year=year)


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_it_builds_the_planning_in_a_constant_number_of_queries(
    town, family: Family, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    client = client_for(parent)
    sarah = children[0]
    small = count_queries(client, planning_url(town, child=str(sarah.pk), view="week", week="2027-03-15"))

    third = ChildFactory(family=family, site=sarah.site, first_name="Léa", birth_date=datetime.date(2022, 1, 1))
    EnrollmentFactory(child=third, activity=meals, school_year=SchoolYearFactory(town=town, start_year=2026))
    children = [*children, third]
    add_activities(family, children, 3)
    for child in children:
        for day in (datetime.date(2027, 3, 1), datetime.date(2027, 3, 15), datetime.date(2027, 3, 22)):
            BookingFactory(child=child, activity=meals, date=day)
    big = count_queries(client, planning_url(town, child="all", month="2027-03"))
    assert big == small
