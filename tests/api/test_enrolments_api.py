# ruff: noqa: F811 — the admissions fixtures, imported below, are parameters of the tests.
"""API v1: enrolment requests (create, list with the waiting-list rank), accept an offer, withdraw."""

from collections.abc import Callable

import pytest

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.admissions import actions
from ardoise.admissions.models import EnrolmentRequest, EnrolmentStatus
from ardoise.bookings.models import Enrollment
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import Child, Family
from tests.admissions.conftest import admission_settings, fill, other_child, wednesdays, year  # noqa: F401
from tests.api.test_api import login

pytestmark = pytest.mark.usefixtures("admission_settings")


def body(child: Child, activity: Activity, **overrides: object) -> dict[str, object]:
    return {"child_id": child.pk, "activity_id": activity.pk, "school_year": 2026, "weekly_pattern": [2]} | overrides


def test_it_creates_a_request_and_lists_it_with_its_rank(
    family: Family, parent: User, wednesdays: Activity, year: SchoolYear, other_child: Callable[..., Child]
) -> None:
    fill(wednesdays, year, 2, other_child)
    api = login(parent)
    sarah = family.children.get(first_name="Sarah")
    response = api.post("enrolment-requests", body(sarah, wednesdays))
    assert response.status_code == 201
    assert response.json()["status"] == "waiting"
    assert response.json()["rank"] == 1
    [listed] = api.get("enrolment-requests").json()
    assert (listed["child_id"], listed["status"], listed["rank"], listed["school_year"]) == (
        sarah.pk,
        "waiting",
        1,
        2026,
    )


def test_it_answers_409_with_the_reason_when_the_rules_refuse(
    family: Family, parent: User, wednesdays: Activity, year: SchoolYear
) -> None:
    response = login(parent).post("enrolment-requests", body(family.children.first(), wednesdays, weekly_pattern=[0]))
    assert response.status_code == 409
    assert "n'a pas lieu certains des jours choisis" in response.json()["detail"]
    assert not EnrolmentRequest.objects.exists()


@pytest.mark.parametrize(
    "overrides", [{"school_year": 1999}, {"weekly_pattern": [9]}, {"weekly_pattern": "mercredi"}, {"extra": 1}]
)
def test_it_answers_422_for_bad_input(
    family: Family, parent: User, wednesdays: Activity, year: SchoolYear, overrides: dict[str, object]
) -> None:
    response = login(parent).post("enrolment-requests", body(family.children.first(), wednesdays, **overrides))
    assert response.status_code == 422
    assert response.json()["detail"]


def test_it_answers_404_for_another_familys_child_or_request(
    family: Family, parent: User, outsider: User, wednesdays: Activity, year: SchoolYear
) -> None:
    sarah = family.children.get(first_name="Sarah")
    api = login(outsider)
    assert api.post("enrolment-requests", body(sarah, wednesdays)).status_code == 404
    request = actions.request_enrolment(sarah, wednesdays, school_year=year, weekly_pattern=[2], actor=parent)
    assert api.post(f"enrolment-requests/{request.pk}/withdraw", {}).status_code == 404
    assert api.post(f"enrolment-requests/{request.pk}/accept-offer", {}).status_code == 404
    assert api.get("enrolment-requests").json() == []


def test_it_accepts_an_offer_and_withdraws_a_request(
    family: Family,
    parent: User,
    front_desk: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    enrolled = fill(wednesdays, year, 2, other_child)
    sarah, chloe = family.children.get(first_name="Sarah"), family.children.get(first_name="Chloé")
    offered = actions.request_enrolment(sarah, wednesdays, school_year=year, weekly_pattern=[2], actor=parent)
    waiting = actions.request_enrolment(chloe, wednesdays, school_year=year, weekly_pattern=[2], actor=parent)
    api = login(parent)
    assert api.post(f"enrolment-requests/{offered.pk}/accept-offer", {}).status_code == 409
    actions.withdraw_enrolment(Enrollment.objects.get(child=enrolled[0]), actor=front_desk)
    listed = {item["id"]: item for item in api.get("enrolment-requests").json()}
    assert listed[offered.pk]["offer_expires_at"] == "2027-03-11T10:00:00+01:00"
    response = api.post(f"enrolment-requests/{offered.pk}/accept-offer", {})
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert Enrollment.objects.filter(child=sarah, activity=wednesdays).exists()
    response = api.post(f"enrolment-requests/{waiting.pk}/withdraw", {})
    assert response.status_code == 200
    assert response.json()["status"] == EnrolmentStatus.WITHDRAWN
