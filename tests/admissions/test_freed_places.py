"""A place freed in the back office goes to the first on the waiting list: "retirer" an enrolment, a capacity
raised in the configuration."""

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
from tests.admissions.conftest import fill
from tests.backoffice.test_configuration import activity_data

pytestmark = pytest.mark.usefixtures("admission_settings")


def test_it_offers_the_place_of_an_enrolment_staff_withdraw(
    client_for: Callable[[User], Client],
    front_desk: User,
    family: Family,
    parent: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    enrolled = fill(wednesdays, year, 2, other_child)
    request = actions.request_enrolment(
        family.children.get(first_name="Sarah"), wednesdays, school_year=year, weekly_pattern=[2], actor=parent
    )
    enrollment = Enrollment.objects.get(child=enrolled[0])
    response = client_for(front_desk).post(
        reverse("backoffice:unenrol", args=[family.town.slug, enrolled[0].family_id, enrollment.pk])
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == EnrolmentStatus.OFFERED


def test_it_offers_the_places_a_raised_capacity_frees(
    client_for: Callable[[User], Client],
    town_admin: User,
    family: Family,
    parent: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    fill(wednesdays, year, 2, other_child)
    requests = [
        actions.request_enrolment(child, wednesdays, school_year=year, weekly_pattern=[2], actor=parent)
        for child in family.children.order_by("pk")
    ]
    data = activity_data(
        wednesdays.site,
        code="mercredi",
        label="Accueil du mercredi",
        weekdays=["2"],
        capacity="3",
        deadline_kind="weekly",
        deadline_weekday="3",
        needs_validation="on",
    )
    response = client_for(town_admin).post(
        reverse("backoffice:config_activity_edit", args=[family.town.slug, wednesdays.pk]), data
    )
    assert response.status_code == 302
    statuses = [EnrolmentStatus(request.__class__.objects.get(pk=request.pk).status) for request in requests]
    assert statuses == [EnrolmentStatus.OFFERED, EnrolmentStatus.WAITING]
