"""The booking request's reads written once per process (issue 14): what they read, and that what they read
is never kept from one request to the next.

The statements are built on their first use and kept; the rows are read again on every call. These tests
commit for real (transactional test database), as a running town does: a requirement added by staff after the
statements were written is seen by the very next booking.
"""

import datetime
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings.calendar import NEEDS_CONSENT, NEEDS_DOCUMENT, FamilyCalendar
from ardoise.bookings.models import Booking, BookingState, Enrollment
from ardoise.bookings.notifications import guardians_of
from ardoise.consents import actions as consent_actions
from ardoise.consents.models import Concerns
from ardoise.documents import actions as document_actions
from ardoise.families.access import access_child
from ardoise.families.models import Child, Family
from ardoise.messaging.models import NotificationPreference
from ardoise.messaging.notifications import Kind, wanted_by
from tests.api.test_api import Api, login
from tests.factories import (
    ActivityFactory,
    BookingFactory,
    ChildFactory,
    ConsentKindFactory,
    EnrollmentFactory,
    FamilyFactory,
    GuardianFactory,
    SchoolYearFactory,
    StaffRoleFactory,
    UserFactory,
)
from tests.moment import NEXT_MONDAY

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("frozen")]


def book(api: Api, child: Child, activity: Activity, day: datetime.date) -> tuple[int, dict[str, Any]]:
    changes = [{"date": day.isoformat(), "activity_id": activity.pk, "book": True}]
    response = api.post(f"children/{child.pk}/bookings", {"changes": changes})
    return response.status_code, response.json()


@pytest.fixture
def admin(family: Family) -> User:
    user = UserFactory(town=family.town, email="admin@example.test")
    StaffRoleFactory(town=family.town, user=user)
    return user


def test_it_refuses_the_next_booking_once_staff_add_a_consent_it_needs(
    parent: User, admin: User, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    api = login(parent)
    assert book(api, sarah, meals, NEXT_MONDAY)[0] == 200  # the statements are written
    consent_actions.save_kind(
        meals.town,
        admin,
        None,
        {"code": "reglement", "label": "Règlement intérieur", "short_label": "Règlement", "text": "…"}
        | {"concerns": Concerns.FAMILY, "on_roll_call": False, "position": 0, "active": True},
        [meals],
        today=NEXT_MONDAY,
    )
    status, answer = book(api, sarah, meals, NEXT_MONDAY + datetime.timedelta(days=1))
    assert status == 409
    assert answer["errors"][0]["code"] == "invalid"
    assert "Règlement intérieur" in answer["errors"][0]["message"]


def test_it_refuses_the_next_booking_once_staff_add_a_document_it_needs(
    parent: User, admin: User, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    api = login(parent)
    assert book(api, sarah, meals, NEXT_MONDAY)[0] == 200
    document_actions.save_document_type(
        meals.town, admin, None, {"label": "Attestation d'assurance", "concerns": Concerns.CHILD}, [meals]
    )
    status, answer = book(api, sarah, meals, NEXT_MONDAY + datetime.timedelta(days=1))
    assert status == 409
    assert answer["errors"][0]["code"] == "invalid"
    assert "Attestation d'assurance" in answer["errors"][0]["message"]


def test_it_books_again_once_staff_no_longer_ask_the_consent(
    parent: User, admin: User, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    kind = ConsentKindFactory(town=meals.town, code="reglement", label="Règlement", needed_by=[meals])
    api = login(parent)
    assert book(api, sarah, meals, NEXT_MONDAY)[0] == 409
    kind.active = False
    kind.save()
    assert book(api, sarah, meals, NEXT_MONDAY)[0] == 200


def test_it_reads_the_family_s_enrollments_and_the_children_s_bookings_of_the_period(
    family: Family, children: list[Child], meals: Activity
) -> None:
    """Every enrollment of the family in the years shown (siblings too: their ranks), each with its child, its
    activity, its year and its requirement flags; the bookings of the children shown, in the period only."""
    sarah, chloe = children
    town = family.town
    next_year = SchoolYearFactory(town=town, start_year=2027)
    outings = ActivityFactory(town=town, site=sarah.site, code="sorties", label="Sorties")
    EnrollmentFactory(child=sarah, activity=outings, school_year=next_year)
    ConsentKindFactory(town=town, code="sorties", label="Sorties", needed_by=[outings])
    stranger = ChildFactory(town=town, site=sarah.site)  # another family's
    EnrollmentFactory(child=stranger, activity=meals, school_year=meals.enrollments.first().school_year)  # type: ignore[union-attr]
    start, end = datetime.date(2027, 6, 28), datetime.date(2027, 9, 10)  # two school years
    inside = [
        BookingFactory(child=sarah, activity=meals, date=datetime.date(2027, 7, 1)),
        BookingFactory(child=sarah, activity=outings, date=end, state=BookingState.CANCELLED),
    ]
    BookingFactory(child=sarah, activity=meals, date=end + datetime.timedelta(days=3))  # after the period
    BookingFactory(child=chloe, activity=meals, date=datetime.date(2027, 7, 1))  # a child not shown
    BookingFactory(child=stranger, activity=meals, date=datetime.date(2027, 7, 1))

    calendar = FamilyCalendar.load(family, start, end, children=[sarah], requirements=True)

    with CaptureQueriesContext(connection) as captured:
        read = {
            (enrollment.child.first_name, enrollment.activity.code, enrollment.school_year.start_year): (
                getattr(enrollment, NEEDS_CONSENT),
                getattr(enrollment, NEEDS_DOCUMENT),
            )
            for enrollment in calendar.enrollments[sarah.pk]
        }
    assert not captured.captured_queries  # each enrollment came with its child, activity and year
    assert read == {("Sarah", "repas", 2026): (False, False), ("Sarah", "sorties", 2027): (True, False)}
    assert calendar.sibling_ranks == {(sarah.pk, meals.pk): 1, (chloe.pk, meals.pk): 2, (sarah.pk, outings.pk): 1}
    assert {key: booking.pk for key, booking in calendar.bookings.items()} == {
        (booking.child_id, booking.activity_id, booking.date): booking.pk for booking in inside
    }
    stored = Booking.objects.get(pk=inside[1].pk)
    assert [
        (field.attname, getattr(calendar.bookings[(sarah.pk, outings.pk, end)], field.attname))
        for field in Booking._meta.concrete_fields
    ] == [(field.attname, getattr(stored, field.attname)) for field in Booking._meta.concrete_fields]
    # Without the flags (the planning): the same enrollments, read without them.
    planning = FamilyCalendar.load(family, start, end, children=[sarah, chloe])
    assert sorted(enrollment.pk for enrollment in planning.enrollments[sarah.pk]) == sorted(
        Enrollment.objects.filter(child=sarah).values_list("pk", flat=True)
    )
    assert not any(hasattr(enrollment, NEEDS_CONSENT) for enrollment in planning.enrollments[sarah.pk])
    assert len(planning.bookings) == 3


def test_it_reads_the_guardians_in_order_with_their_preferences(family: Family, parent: User) -> None:
    """By position; each with its preferences (none: every optional e-mail), so choosing costs no query."""
    marie = parent.guardian
    paul = GuardianFactory(family=family, position=0, first_name="Paul", email="paul@example.test")
    GuardianFactory(family=FamilyFactory(town=family.town, number="2"), position=1, email="other@example.test")
    NotificationPreference.objects.create(town=family.town, guardian=marie, booking_confirmation=False)

    guardians = guardians_of(family)

    assert [guardian.pk for guardian in guardians] == [paul.pk, marie.pk]
    with CaptureQueriesContext(connection) as captured:
        chosen = wanted_by(guardians, Kind.BOOKING_CONFIRMATION)
        everyone = wanted_by(guardians, Kind.NEW_MESSAGE)
    assert not captured.captured_queries
    assert [guardian.pk for guardian in chosen] == [paul.pk]
    assert [guardian.pk for guardian in everyone] == [paul.pk, marie.pk]


def test_it_reads_a_child_with_its_school_and_locks_it_in_a_transaction(family: Family, children: list[Child]) -> None:
    sarah = children[0]
    school = sarah.site.name
    with transaction.atomic():
        child = access_child(family, sarah.pk, for_update=True)
        with CaptureQueriesContext(connection) as captured:
            assert (child.first_name, child.site.name, child.family) == (sarah.first_name, school, family)
        assert not captured.captured_queries
    if connection.features.has_select_for_update:
        with pytest.raises(transaction.TransactionManagementError):
            access_child(family, sarah.pk, for_update=True)
