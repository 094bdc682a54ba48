# ruff: noqa: F811 — the admissions fixtures, imported below, are parameters of the tests.
"""The parents' "Inscriptions" page: asking for an enrolment, the waiting-list rank, the place offered."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.admissions import actions
from ardoise.admissions.models import EnrolmentRequest, EnrolmentStatus
from ardoise.bookings.models import Enrollment
from ardoise.calendars.models import SchoolYear
from ardoise.documents.models import Concerns, DocumentType
from ardoise.families.models import Child, Family
from ardoise.towns.models import Town
from tests.admissions.conftest import admission_settings, fill, other_child, wednesdays, year  # noqa: F401

pytestmark = pytest.mark.usefixtures("admission_settings")


def url(town: Town, name: str, *args: object) -> str:
    return reverse(f"portal:{name}", args=[town.slug, *args])


def sarah(family: Family) -> Child:
    return family.children.get(first_name="Sarah")


def test_it_puts_a_request_for_a_full_activity_on_the_waiting_list_and_shows_the_rank(
    client_for: Callable[[User], Client],
    town: Town,
    family: Family,
    parent: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    fill(wednesdays, year, 2, other_child)
    client = client_for(parent)
    form = client.get(url(town, "enrolment_new")).content.decode()
    assert "Accueil du mercredi" in form
    response = client.post(
        url(town, "enrolment_new"),
        {"child": sarah(family).pk, "activity": wednesdays.pk, "school_year": year.pk, "weekly_pattern": ["2"]},
    )
    assert response.status_code == 302
    page = client.get(url(town, "enrolments")).content.decode()
    assert "Sur liste d&#x27;attente" in page
    assert "1re sur la liste d&#x27;attente" in page


def test_it_keeps_what_was_typed_and_says_why_when_the_rules_refuse(
    client_for: Callable[[User], Client],
    town: Town,
    family: Family,
    parent: User,
    wednesdays: Activity,
    year: SchoolYear,
) -> None:
    response = client_for(parent).post(
        url(town, "enrolment_new"),
        {
            "child": sarah(family).pk,
            "activity": wednesdays.pk,
            "school_year": year.pk,
            "weekly_pattern": ["0"],
            "comment": "Merci de votre aide",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "n&#x27;a pas lieu certains des jours choisis" in page
    assert "Merci de votre aide" in page
    assert not EnrolmentRequest.objects.exists()


def test_it_refuses_another_familys_child_in_the_form(
    client_for: Callable[[User], Client],
    town: Town,
    family: Family,
    outsider: User,
    wednesdays: Activity,
    year: SchoolYear,
) -> None:
    response = client_for(outsider).post(
        url(town, "enrolment_new"),
        {"child": sarah(family).pk, "activity": wednesdays.pk, "school_year": year.pk, "weekly_pattern": ["2"]},
    )
    assert response.status_code == 422
    assert not EnrolmentRequest.objects.exists()


def test_it_shows_the_offer_with_its_deadline_and_enrols_when_accepted(
    client_for: Callable[[User], Client],
    town: Town,
    family: Family,
    parent: User,
    front_desk: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    enrolled = fill(wednesdays, year, 2, other_child)
    request = actions.request_enrolment(sarah(family), wednesdays, school_year=year, weekly_pattern=[2], actor=parent)
    actions.withdraw_enrolment(Enrollment.objects.get(child=enrolled[0]), actor=front_desk)
    client = client_for(parent)
    page = client.get(url(town, "enrolments")).content.decode()
    assert "Une place s'est libérée en Accueil du mercredi" in page
    assert "jeudi 11 mars 2027 à 10:00" in page
    response = client.post(url(town, "enrolment_offer_accept", request.pk))
    assert response.status_code == 302
    assert Enrollment.objects.filter(child=sarah(family), activity=wednesdays, school_year=year).exists()


def test_it_lets_the_family_decline_the_offer_and_withdraw_a_request(
    client_for: Callable[[User], Client],
    town: Town,
    family: Family,
    parent: User,
    wednesdays: Activity,
    year: SchoolYear,
) -> None:
    request = actions.request_enrolment(sarah(family), wednesdays, school_year=year, weekly_pattern=[2], actor=parent)
    response = client_for(parent).post(url(town, "enrolment_withdraw", request.pk))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == EnrolmentStatus.WITHDRAWN


def test_it_answers_404_for_another_familys_request(
    client_for: Callable[[User], Client],
    town: Town,
    family: Family,
    parent: User,
    outsider: User,
    wednesdays: Activity,
    year: SchoolYear,
) -> None:
    request = actions.request_enrolment(sarah(family), wednesdays, school_year=year, weekly_pattern=[2], actor=parent)
    client = client_for(outsider)
    assert client.post(url(town, "enrolment_withdraw", request.pk)).status_code == 404
    assert client.post(url(town, "enrolment_offer_accept", request.pk)).status_code == 404
    request.refresh_from_db()
    assert request.status == EnrolmentStatus.PENDING


def test_it_names_the_supporting_documents_an_open_request_still_needs(
    client_for: Callable[[User], Client],
    town: Town,
    family: Family,
    parent: User,
    wednesdays: Activity,
    year: SchoolYear,
) -> None:
    insurance = DocumentType.objects.create(
        town=town, label="Attestation d'assurance", concerns=Concerns.CHILD, validity_months=12
    )
    insurance.activities.set([wednesdays])
    actions.request_enrolment(sarah(family), wednesdays, school_year=year, weekly_pattern=[2], actor=parent)

    page = client_for(parent).get(url(town, "enrolments")).content.decode()

    assert "Pièces à fournir : Attestation d&#x27;assurance" in page
    assert url(town, "supporting_documents") in page
