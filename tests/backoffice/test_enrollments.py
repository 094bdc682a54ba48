"""Enrolling a child in an activity for a school year, and withdrawing them."""

import datetime
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.bookings import enrollments
from ardoise.bookings.models import Booking, BookingState, Enrollment
from ardoise.families.models import Child, Family
from tests.factories import ActivityFactory, BookingFactory, SchoolYearFactory


@pytest.fixture
def evening(family: Family, frozen: object) -> Activity:
    return ActivityFactory(town=family.town, site=family.children.first().site, garderie_soir=True)  # type: ignore[union-attr]


def enrol_url(family: Family, child: Child) -> str:
    return reverse("backoffice:enrol", args=[family.town.slug, family.pk, child.pk])


def test_it_enrols_a_child_with_a_weekly_pattern(
    client_for: Callable[[User], Client], front_desk: User, family: Family, evening: Activity
) -> None:
    year = SchoolYearFactory(town=family.town, start_year=2026)
    sarah = Child.objects.get(first_name="Sarah")
    data = {"activity": evening.pk, "school_year": year.pk, "weekly_pattern": ["0", "3"]}
    response = client_for(front_desk).post(enrol_url(family, sarah), data)
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(child=sarah, activity=evening)
    assert enrollment.weekly_pattern == [0, 3]
    entry = AuditEntry.objects.get(action="enrollment.create")
    assert entry.changes["weekly_pattern"] == [None, [0, 3]]
    assert entry.actor == front_desk


def test_it_changes_the_pattern_of_an_existing_enrollment(front_desk: User, family: Family, evening: Activity) -> None:
    year = SchoolYearFactory(town=family.town, start_year=2026)
    sarah = Child.objects.get(first_name="Sarah")
    enrollments.enrol(sarah, evening, year, [0], actor=front_desk)
    enrollments.enrol(sarah, evening, year, [1, 4], actor=front_desk)
    assert Enrollment.objects.get(child=sarah).weekly_pattern == [1, 4]
    assert AuditEntry.objects.get(action="enrollment.update").changes == {"weekly_pattern": [[0], [1, 4]]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weekly_pattern": ["2"]}, "Choisissez seulement des jours où l'activité a lieu."),
        ({"activity": ""}, "Choisissez une activité."),
        ({"activity": "999999"}, "Choisissez une activité de la commune."),
        ({"school_year": "past"}, "Choisissez une année scolaire en cours ou à venir."),
        ({"weekly_pattern": ["9"]}, "Jour de la semaine inconnu."),
    ],
)
def test_it_explains_a_refused_enrolment(
    client_for: Callable[[User], Client],
    front_desk: User,
    family: Family,
    evening: Activity,
    data: dict[str, object],
    message: str,
) -> None:
    import html

    year = SchoolYearFactory(town=family.town, start_year=2026)
    past = SchoolYearFactory(town=family.town, start_year=2020)
    sarah = Child.objects.get(first_name="Sarah")
    posted = {"activity": evening.pk, "school_year": year.pk} | data
    if posted["school_year"] == "past":
        posted["school_year"] = past.pk
    response = client_for(front_desk).post(enrol_url(family, sarah), posted)
    assert response.status_code == 422
    assert message in html.unescape(response.content.decode())
    assert not Enrollment.objects.exists()


def test_it_refuses_another_towns_activity(front_desk: User, family: Family, stranger: User, frozen: object) -> None:
    far = ActivityFactory(town=stranger.town)
    year = SchoolYearFactory(town=family.town, start_year=2026)
    with pytest.raises(enrollments.EnrollmentRefused):
        enrollments.enrol(Child.objects.get(first_name="Sarah"), far, year, [], actor=front_desk)


def test_it_unenrols_cancelling_coming_bookings_only(
    client_for: Callable[[User], Client], front_desk: User, family: Family, evening: Activity
) -> None:
    year = SchoolYearFactory(town=family.town, start_year=2026)
    sarah = Child.objects.get(first_name="Sarah")
    enrollment = enrollments.enrol(sarah, evening, year, [], actor=front_desk)
    past = BookingFactory(child=sarah, activity=evening, date=datetime.date(2027, 3, 1), state=BookingState.PRESENT)
    coming = BookingFactory(child=sarah, activity=evening, date=datetime.date(2027, 3, 15))
    response = client_for(front_desk).post(
        reverse("backoffice:unenrol", args=[family.town.slug, family.pk, enrollment.pk])
    )
    assert response.status_code == 302
    assert not Enrollment.objects.filter(pk=enrollment.pk).exists()
    assert Booking.objects.get(pk=past.pk).state == BookingState.PRESENT
    assert Booking.objects.get(pk=coming.pk).state == BookingState.CANCELLED
    entry = AuditEntry.objects.get(action="enrollment.delete")
    assert entry.changes["cancelled_bookings"] == 1


def test_it_answers_404_for_another_familys_enrollment(
    client_for: Callable[[User], Client], front_desk: User, family: Family, outsider: User, evening: Activity
) -> None:
    year = SchoolYearFactory(town=family.town, start_year=2026)
    leo = Child.objects.get(first_name="Léo")
    enrollment = enrollments.enrol(leo, evening, year, [], actor=front_desk)
    response = client_for(front_desk).post(
        reverse("backoffice:unenrol", args=[family.town.slug, family.pk, enrollment.pk])
    )
    assert response.status_code == 404
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()
