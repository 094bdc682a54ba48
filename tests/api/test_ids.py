"""Ids outside the database's range (a 64-bit integer) are no id: 422 in a JSON body, 404 in an address,
a refusal on a page; never a 500 (SQLite could not even bind them: OverflowError)."""

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings.models import Absence, Booking
from ardoise.families.models import Child, Family
from ardoise.payments import actions as payments
from ardoise.payments.models import DepositSlipEntry
from ardoise.towns.ids import MAX_ID, parse_id
from ardoise.towns.models import Town
from tests.api.test_api import login
from tests.factories import AbsenceReasonFactory, BookingFactory
from tests.moment import NEXT_MONDAY

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = [2**63, 2**64 + 1, 10**30, 0, -1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", 1), (" 42 ", 42), (str(MAX_ID), MAX_ID), (str(2**63), None), ("0", None), ("-3", None), ("1e3", None)],
)
def test_it_reads_an_id_only_within_the_database_range(text: str, expected: int | None) -> None:
    assert parse_id(text) == expected
    assert parse_id(None) is None
    assert parse_id(True) is None
    assert parse_id("٣") is None  # a digit, but not one a URL or a form carries


@pytest.mark.parametrize("activity_id", OUT_OF_RANGE)
@pytest.mark.parametrize("call", ["bookings", "bookings/quote"])
def test_it_refuses_an_out_of_range_activity_id_in_a_booking_body(
    parent: User, children: list[Child], meals: Activity, activity_id: int, call: str
) -> None:
    changes = [{"date": NEXT_MONDAY.isoformat(), "activity_id": activity_id, "book": True}]
    response = login(parent).post(f"children/{children[0].pk}/{call}", {"changes": changes})
    assert response.status_code == 422, response.content
    assert response.json()["detail"] == "Données invalides."
    assert response.json()["errors"][0]["field"] == "body.payload.changes.0.activity_id"
    assert not Booking.objects.exists()


@pytest.mark.parametrize("activity_id", OUT_OF_RANGE)
def test_it_refuses_an_out_of_range_activity_id_in_an_absence(
    parent: User, children: list[Child], meals: Activity, activity_id: int
) -> None:
    AbsenceReasonFactory(town=meals.town, code="autres", label="Autres", billed=True)
    body = {"date": NEXT_MONDAY.isoformat(), "activity_id": activity_id, "reason": "autres"}
    response = login(parent).post(f"children/{children[0].pk}/absences", body)
    assert response.status_code == 422, response.content
    assert not Absence.objects.exists()


@pytest.mark.parametrize("number", [2**63, 2**64, 10**30])
def test_it_answers_404_for_an_out_of_range_id_in_an_address(parent: User, children: list[Child], number: int) -> None:
    api = login(parent)
    assert api.get(f"children/{number}/planning", **{"from": "2027-03-15", "to": "2027-03-16"}).status_code == 404
    assert api.get(f"invoices/{number}/pdf").status_code == 404
    assert api.post(f"invoices/{number}/payment", {}).status_code == 404
    assert api.post(f"children/{number}/bookings", {"changes": []}).status_code == 404


@pytest.mark.parametrize("activity", [str(2**63), str(10**30), "0", "-1"])
def test_it_refuses_an_out_of_range_activity_on_the_absence_page(
    client_for: Callable[[User], Client], parent: User, children: list[Child], meals: Activity, activity: str
) -> None:
    BookingFactory(child=children[0], activity=meals, date=NEXT_MONDAY)
    url = reverse("portal:absence_new", args=[parent.town.slug])
    response = client_for(parent).get(f"{url}?child={children[0].pk}&activity={activity}&date=2027-03-15")
    assert response.status_code == 409
    assert "demandés sont invalides" in response.content.decode()


def test_it_leaves_an_out_of_range_payment_off_a_deposit_slip(
    town: Town, family: Family, finance_agent: User, client_for: Callable[[User], Client]
) -> None:
    cheque = payments.record_payment(
        family, None, method="cheque", received_on=datetime.date(2027, 3, 9), amount=Decimal("12.50")
    )
    response = client_for(finance_agent).post(
        reverse("backoffice:deposit_slips", args=[town.slug]),
        {"method": "cheque", "payment": [cheque.pk, str(2**63)], "deposited_on": "2027-03-10"},
    )
    assert response.status_code == 302
    assert DepositSlipEntry.objects.get().payment == cheque
