# ruff: noqa: F811 — the admissions fixtures, imported below, are parameters of the tests.
"""Staff's "Demandes d'inscription" queue (bulk accept / refuse with a reason) and "Listes d'attente"."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.admissions import actions, queries
from ardoise.admissions.models import EnrolmentRequest, EnrolmentStatus
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import Child, Family
from ardoise.towns.models import Town
from tests.admissions.conftest import admission_settings, fill, other_child, wednesdays, year  # noqa: F401

pytestmark = pytest.mark.usefixtures("admission_settings")


def url(town: Town, name: str, *args: object) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


def three_requests(family: Family, parent: User, wednesdays: Activity, year: SchoolYear, other_child) -> list:
    wednesdays.capacity = 5
    wednesdays.save()
    hugo = other_child("Hugo")
    return [
        *(
            actions.request_enrolment(child, wednesdays, school_year=year, weekly_pattern=[2], actor=parent)
            for child in family.children.order_by("pk")
        ),
        actions.request_enrolment(
            hugo, wednesdays, school_year=year, weekly_pattern=[2], actor=hugo.family.guardians.get().user
        ),
    ]


def test_it_accepts_in_bulk_and_refuses_with_a_reason(
    client_for: Callable[[User], Client],
    town: Town,
    family: Family,
    parent: User,
    front_desk: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    first, second, third = three_requests(family, parent, wednesdays, year, other_child)
    client = client_for(front_desk)
    page = client.get(url(town, "enrolments")).content.decode()
    assert "Accueil du mercredi" in page
    response = client.post(url(town, "enrolments_decide"), {"request": [first.pk, second.pk], "decision": "accept"})
    assert response.status_code == 302
    # Refusing without a reason changes nothing and says why.
    response = client.post(url(town, "enrolments_decide"), {"request": [third.pk], "decision": "refuse", "reason": ""})
    assert response.status_code == 422
    assert "Donnez le motif du refus" in response.content.decode()
    assert EnrolmentRequest.objects.get(pk=third.pk).status == EnrolmentStatus.PENDING
    response = client.post(
        url(town, "enrolments_decide"), {"request": [third.pk], "decision": "refuse", "reason": "Hors secteur"}
    )
    assert response.status_code == 302
    statuses = {item.pk: (item.status, item.reason) for item in EnrolmentRequest.objects.all()}
    assert statuses == {
        first.pk: (EnrolmentStatus.ACCEPTED, ""),
        second.pk: (EnrolmentStatus.ACCEPTED, ""),
        third.pk: (EnrolmentStatus.REFUSED, "Hors secteur"),
    }


def test_it_lets_a_site_agent_read_but_not_decide(
    client_for: Callable[[User], Client],
    town: Town,
    family: Family,
    parent: User,
    site_agent: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    first, *_rest = three_requests(family, parent, wednesdays, year, other_child)
    client = client_for(site_agent)
    assert client.get(url(town, "enrolments")).status_code == 200
    response = client.post(url(town, "enrolments_decide"), {"request": [first.pk], "decision": "accept"})
    assert response.status_code == 403
    assert EnrolmentRequest.objects.get(pk=first.pk).status == EnrolmentStatus.PENDING


def test_it_shows_the_waiting_list_in_order_and_lets_only_the_administrator_reorder_it(
    client_for: Callable[[User], Client],
    town: Town,
    family: Family,
    parent: User,
    front_desk: User,
    town_admin: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    fill(wednesdays, year, 2, other_child)
    first, second = (
        actions.request_enrolment(child, wednesdays, school_year=year, weekly_pattern=[2], actor=parent)
        for child in family.children.order_by("pk")
    )
    page = client_for(front_desk).get(url(town, "waiting_lists")).content.decode()
    assert page.index(first.child.full_name) < page.index(second.child.full_name)
    assert client_for(front_desk).post(url(town, "waiting_move", second.pk), {"position": "1"}).status_code == 403
    response = client_for(town_admin).post(url(town, "waiting_move", second.pk), {"position": "1"})
    assert response.status_code == 302
    assert [item.pk for item in queries.waiting_list(wednesdays, year, None)] == [second.pk, first.pk]


def test_it_answers_404_for_another_towns_request(
    client_for: Callable[[User], Client],
    town: Town,
    family: Family,
    parent: User,
    wednesdays: Activity,
    year: SchoolYear,
    stranger: User,
) -> None:
    from tests.factories import staff_member

    request = actions.request_enrolment(
        family.children.first(), wednesdays, school_year=year, weekly_pattern=[2], actor=parent
    )
    other_admin = staff_member(stranger.town, "admin", email="admin@autreville.test")
    response = client_for(other_admin).post(
        reverse("backoffice:waiting_move", args=[stranger.town.slug, request.pk]), {"position": "1"}
    )
    assert response.status_code == 404
