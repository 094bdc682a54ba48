"""Bookings on behalf of a family: after the deadline, over capacity with a confirmation, audited."""

import datetime
import html
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.bookings.models import Booking, BookingState
from ardoise.families.models import Child, Family
from tests.factories import BookingFactory, ChildFactory

THURSDAY = datetime.date(2027, 3, 11)  # this week: the parents' deadline has passed
WEDNESDAY = datetime.date(2027, 3, 17)
EASTER_MONDAY = datetime.date(2027, 3, 29)


def url(name: str, family: Family) -> str:
    return reverse(f"backoffice:{name}", args=[family.town.slug, family.pk])


def key(child: Child, activity: Activity, day: datetime.date) -> str:
    return f"{child.pk}:{activity.pk}:{day.isoformat()}"


def text(response: object) -> str:
    return html.unescape(response.content.decode())  # type: ignore[attr-defined]


def test_it_shows_the_planning_with_days_past_the_deadline_still_changeable(
    client_for: Callable[[User], Client], front_desk: User, family: Family, children: list[Child], meals: Activity
) -> None:
    response = client_for(front_desk).get(url("on_behalf", family), {"month": "2027-03"})
    assert response.status_code == 200
    page = text(response)
    thursday_box = f'id="w-{key(children[0], meals, THURSDAY)}"'
    assert thursday_box in page
    box = page.split(thursday_box)[1].split(">")[0]
    assert "disabled" not in box


def test_staff_book_after_the_deadline_and_it_is_audited(
    client_for: Callable[[User], Client],
    front_desk: User,
    family: Family,
    children: list[Child],
    meals: Activity,
    django_capture_on_commit_callbacks: object,
) -> None:
    client = client_for(front_desk)
    review = client.post(url("on_behalf_review", family), {"book": [key(children[0], meals, THURSDAY)]})
    assert review.status_code == 200
    assert "Confirmer et enregistrer" in text(review)
    assert not Booking.objects.exists()
    response = client.post(url("on_behalf_confirm", family), {"change": [key(children[0], meals, THURSDAY) + ":1"]})
    assert response.status_code == 302
    booking = Booking.objects.get(child=children[0], activity=meals, date=THURSDAY)
    assert booking.state == BookingState.BOOKED
    entry = AuditEntry.objects.get(action="booking.change")
    assert entry.actor == front_desk
    assert entry.changes["state"] == ["none", "booked"]


def test_staff_cancel_after_the_deadline(
    client_for: Callable[[User], Client], front_desk: User, family: Family, children: list[Child], meals: Activity
) -> None:
    BookingFactory(child=children[0], activity=meals, date=THURSDAY)
    response = client_for(front_desk).post(
        url("on_behalf_confirm", family), {"change": [key(children[0], meals, THURSDAY) + ":0"]}
    )
    assert response.status_code == 302
    assert Booking.objects.get(date=THURSDAY).state == BookingState.CANCELLED
    assert AuditEntry.objects.get(action="booking.change").changes["state"] == ["booked", "none"]


def test_a_closed_day_stays_closed_for_staff(
    client_for: Callable[[User], Client], front_desk: User, family: Family, children: list[Child], meals: Activity
) -> None:
    client = client_for(front_desk)
    review = client.post(url("on_behalf_review", family), {"book": [key(children[0], meals, EASTER_MONDAY)]})
    assert "n'a pas lieu le lundi 29 mars 2027" in text(review)
    client.post(url("on_behalf_confirm", family), {"change": [key(children[0], meals, EASTER_MONDAY) + ":1"]})
    assert not Booking.objects.exists()


@pytest.fixture
def full_wednesday(family: Family, children: list[Child], wednesdays: Activity) -> None:
    for _ in range(wednesdays.capacity or 0):
        BookingFactory(child=ChildFactory(town=family.town, site=children[0].site), activity=wednesdays, date=WEDNESDAY)


def test_overriding_capacity_needs_the_confirmation(
    client_for: Callable[[User], Client],
    front_desk: User,
    family: Family,
    children: list[Child],
    wednesdays: Activity,
    full_wednesday: None,
) -> None:
    client = client_for(front_desk)
    change = key(children[0], wednesdays, WEDNESDAY)
    review = client.post(url("on_behalf_review", family), {"book": [change]})
    assert "La capacité de 24 places est atteinte le mercredi 17 mars" in text(review)
    assert "réserver quand même ?" in text(review)
    assert 'name="override_capacity" value="1"' in text(review)
    refused = client.post(url("on_behalf_confirm", family), {"change": [change + ":1"]})
    assert refused.status_code == 409
    assert not Booking.objects.filter(child=children[0]).exists()
    done = client.post(url("on_behalf_confirm", family), {"change": [change + ":1"], "override_capacity": "1"})
    assert done.status_code == 302
    # Staff book directly: no validation request for what they decide themselves.
    assert Booking.objects.get(child=children[0], date=WEDNESDAY).state == BookingState.BOOKED
    assert Booking.objects.filter(activity=wednesdays, date=WEDNESDAY).count() == 25
    override = AuditEntry.objects.get(action="booking.override_capacity")
    assert override.actor == front_desk
    assert override.changes["capacity"] == 24


def test_it_answers_404_for_another_towns_or_another_familys_child(
    client_for: Callable[[User], Client],
    front_desk: User,
    family: Family,
    children: list[Child],
    meals: Activity,
    outsider: User,
    stranger: User,
) -> None:
    client = client_for(front_desk)
    durand = Family.objects.get(name="DURAND")
    other = reverse("backoffice:on_behalf", args=[family.town.slug, durand.pk])
    assert client.get(other).status_code == 404
    leo = Child.objects.get(first_name="Léo")
    response = client.post(url("on_behalf_confirm", family), {"change": [key(leo, meals, THURSDAY) + ":1"]})
    assert response.status_code == 404
    assert client.get(url("on_behalf", family), {"child": str(leo.pk)}).status_code == 404
    assert not Booking.objects.exists()


@pytest.mark.parametrize("persona", ["site_agent", "kitchen_agent", "finance_agent"])
def test_other_roles_cannot_book_on_behalf(
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
    family: Family,
    children: list[Child],
    meals: Activity,
    persona: str,
) -> None:
    client = client_for(request.getfixturevalue(persona))
    response = client.post(url("on_behalf_confirm", family), {"change": [key(children[0], meals, THURSDAY) + ":1"]})
    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_malformed_changes_are_refused_without_error(
    client_for: Callable[[User], Client], front_desk: User, family: Family, children: list[Child], meals: Activity
) -> None:
    response = client_for(front_desk).post(url("on_behalf_confirm", family), {"change": ["1:2:nope:1"]})
    assert response.status_code == 422
