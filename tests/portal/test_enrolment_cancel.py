# ruff: noqa: F811 — the admissions fixtures, imported below, are parameters of the tests.
"""A family cancels an enrolment from its portal ("Se désinscrire") or the API: coming days cancelled, the place
offered to the first family waiting; another family's enrolment answers 404; a finished year is refused."""

import datetime
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.admissions import actions
from ardoise.admissions.models import EnrolmentStatus
from ardoise.bookings.models import Enrollment
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import Child, Family
from ardoise.towns.models import Town
from tests.admissions.conftest import admission_settings, fill, other_child, wednesdays, year  # noqa: F401
from tests.api.test_api import login
from tests.factories import EnrollmentFactory

pytestmark = pytest.mark.usefixtures("admission_settings")


def cancel_url(town: Town, enrollment: Enrollment) -> str:
    return reverse("portal:enrollment_cancel", args=[town.slug, enrollment.pk])


def test_it_lets_a_family_cancel_its_enrolment_and_offers_the_place_to_the_first_waiting(
    client_for: Callable[[User], Client],
    town: Town,
    family: Family,
    parent: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    enrolled = fill(wednesdays, year, 2, other_child)
    waiting = actions.request_enrolment(
        family.children.get(first_name="Sarah"), wednesdays, school_year=year, weekly_pattern=[2], actor=parent
    )
    leaving_parent = User.objects.filter(guardian__family=enrolled[0].family).first()
    assert leaving_parent is not None
    enrollment = Enrollment.objects.get(child=enrolled[0])
    client = client_for(leaving_parent)
    page = client.get(reverse("portal:enrolments", args=[town.slug])).content.decode()
    assert "Se désinscrire" in page
    assert cancel_url(town, enrollment) in page
    confirm = client.get(cancel_url(town, enrollment)).content.decode()
    assert "liste d'attente" in confirm
    assert "Confirmer la désinscription" in confirm
    response = client.post(cancel_url(town, enrollment), follow=True)
    assert "est désinscrit(e)" in response.content.decode()
    assert not Enrollment.objects.filter(pk=enrollment.pk).exists()
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.OFFERED
    assert (
        "Une place s'est libérée"
        in client_for(parent).get(reverse("portal:enrolments", args=[town.slug])).content.decode()
    )


def test_it_answers_404_for_another_familys_enrolment(
    client_for: Callable[[User], Client],
    town: Town,
    outsider: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    [child] = fill(wednesdays, year, 1, other_child)
    enrollment = Enrollment.objects.get(child=child)
    client = client_for(outsider)
    assert client.get(cancel_url(town, enrollment)).status_code == 404
    assert client.post(cancel_url(town, enrollment)).status_code == 404
    assert login(outsider).post(f"enrollments/{enrollment.pk}/withdraw", {}).status_code == 404
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()


def test_it_refuses_to_cancel_an_enrolment_of_a_finished_year(
    client_for: Callable[[User], Client],
    town: Town,
    family: Family,
    parent: User,
    wednesdays: Activity,
    year: SchoolYear,
) -> None:
    enrollment = Enrollment.objects.create(
        town=town, child=family.children.get(first_name="Sarah"), activity=wednesdays, school_year=year
    )
    SchoolYear.objects.filter(pk=year.pk).update(ends_on=datetime.date(2026, 9, 30))
    response = client_for(parent).post(cancel_url(town, enrollment), follow=True)
    assert "Cette année scolaire est terminée" in response.content.decode()
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()
    api_response = login(parent).post(f"enrollments/{enrollment.pk}/withdraw", {})
    assert api_response.status_code == 409
    assert "terminée" in api_response.json()["detail"]


def test_it_cancels_an_enrolment_through_the_api_and_offers_the_place(
    family: Family,
    parent: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    enrolled = fill(wednesdays, year, 2, other_child)
    waiting = actions.request_enrolment(
        family.children.get(first_name="Sarah"), wednesdays, school_year=year, weekly_pattern=[2], actor=parent
    )
    leaving_parent = User.objects.filter(guardian__family=enrolled[0].family).first()
    assert leaving_parent is not None
    enrollment = Enrollment.objects.get(child=enrolled[0])
    response = login(leaving_parent).post(f"enrollments/{enrollment.pk}/withdraw", {})
    assert response.status_code == 200
    assert "cancelled_bookings" in response.json()
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.OFFERED


def test_it_lists_the_familys_enrolments_through_the_api_with_the_ids_to_withdraw(
    family: Family,
    parent: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    [neighbour] = fill(wednesdays, year, 1, other_child)
    sarah = family.children.get(first_name="Sarah")
    EnrollmentFactory(child=sarah, activity=wednesdays, school_year=year, weekly_pattern=[2])
    api = login(parent)

    listed = api.get("enrollments").json()

    mine = Enrollment.objects.get(child=sarah, activity=wednesdays)
    assert {
        "id": mine.pk,
        "child_id": sarah.pk,
        "activity_id": wednesdays.pk,
        "school_year": year.start_year,
        "weekly_pattern": [2],
    } in listed
    assert Enrollment.objects.get(child=neighbour).pk not in {item["id"] for item in listed}
    assert all(item["child_id"] in set(family.children.values_list("pk", flat=True)) for item in listed)
    assert api.post(f"enrollments/{mine.pk}/withdraw", {}).status_code == 200
    assert mine.pk not in {item["id"] for item in api.get("enrollments").json()}
