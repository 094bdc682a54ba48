"""API v1 absences: a free cancellation before the deadline, `absence_pending` in the planning's ENTRY."""

import datetime

import pytest

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings.models import Absence, Booking, BookingState
from ardoise.families.models import Child
from tests.api.test_api import login
from tests.factories import AbsenceReasonFactory, BookingFactory
from tests.moment import NEXT_MONDAY

pytestmark = pytest.mark.django_db

LATE_DAY = datetime.date(2027, 3, 11)


def test_it_cancels_a_day_still_cancellable_in_the_absence_answers_shape(
    parent: User, children: list[Child], meals: Activity
) -> None:
    AbsenceReasonFactory(town=meals.town, code="autres", billed=True)
    booking = BookingFactory(child=children[0], activity=meals, date=NEXT_MONDAY)
    api = login(parent)
    body = {"date": NEXT_MONDAY.isoformat(), "activity_id": meals.pk, "reason": "autres", "comment": ""}
    response = api.post(f"children/{children[0].pk}/absences", body)
    assert response.status_code == 201
    assert response.json() == {"id": None, "state": "none", "billed": False}
    booking.refresh_from_db()
    assert booking.state == BookingState.CANCELLED
    assert not Absence.objects.exists()
    planning = api.get(f"children/{children[0].pk}/planning", **{"from": "2027-03-15", "to": "2027-03-15"}).json()
    [entry] = planning["days"][0]["activities"]
    assert (entry["state"], entry["changeable"]) == ("none", True)
    # Nothing is booked any more: a second declaration is refused.
    assert api.post(f"children/{children[0].pk}/absences", body).status_code == 409


def test_it_shows_a_pending_absence_in_the_planning_entry(parent: User, children: list[Child], meals: Activity) -> None:
    AbsenceReasonFactory(town=meals.town, code="raison_medicale", billed=False, document_required=True)
    BookingFactory(child=children[0], activity=meals, date=LATE_DAY)
    api = login(parent)
    body = {"date": LATE_DAY.isoformat(), "activity_id": meals.pk, "reason": "raison_medicale", "comment": ""}
    response = api.post(f"children/{children[0].pk}/absences", body)
    assert response.status_code == 201
    answer = response.json()
    assert answer == {"id": Absence.objects.get().pk, "state": "absence_pending", "billed": False}
    planning = api.get(f"children/{children[0].pk}/planning", **{"from": "2027-03-11", "to": "2027-03-11"}).json()
    [entry] = planning["days"][0]["activities"]
    assert entry["state"] == "absence_pending"
    assert Booking.objects.get().state == BookingState.ABSENCE_PENDING
    schemas = api.get("openapi.json").json()["components"]["schemas"]
    assert "absence_pending" in schemas["EntryOut"]["properties"]["state"]["description"]
