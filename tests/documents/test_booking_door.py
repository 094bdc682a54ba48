"""Booking an activity that needs a document: refused without a valid one, naming it — for parents, staff and
the API alike — and a document refused or expired counts at once."""

import datetime
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings import actions
from ardoise.bookings.actions import Change
from ardoise.bookings.models import Booking
from ardoise.documents import requirements
from ardoise.documents.actions import Decision, decide
from ardoise.documents.models import DocumentType, SupportingDocument
from ardoise.families.models import Child, Family
from ardoise.towns.models import Town
from tests.api.test_api import login
from tests.documents.fixtures import INSURANCE

WEDNESDAY = datetime.date(2027, 3, 17)
NOW = datetime.datetime(2027, 3, 9, 10, 0, tzinfo=datetime.UTC)


def wednesdays_from(first: datetime.date, count: int) -> list[datetime.date]:
    return [first + datetime.timedelta(days=7 * n) for n in range(count)]


def test_it_refuses_a_wednesday_without_an_insurance_certificate_naming_it(
    children: list[Child], wednesdays: Activity, insurance: DocumentType
) -> None:
    review = actions.review(children[0], [Change(WEDNESDAY, wednesdays.pk, True)], now=NOW)
    [refusal] = review.refusals
    assert refusal.code == "invalid"
    assert refusal.message == f"{INSURANCE} manquante ou expirée pour Sarah."
    assert not review.outcomes


def test_it_books_a_wednesday_with_a_valid_certificate(
    children: list[Child], wednesdays: Activity, insurance: DocumentType, uploaded: Callable[..., SupportingDocument]
) -> None:
    uploaded(insurance, children[0])
    review = actions.review(children[0], [Change(WEDNESDAY, wednesdays.pk, True)], now=NOW)
    assert review.accepted
    # Chloé's certificate is hers: Sarah's does not count for her.
    assert actions.review(children[1], [Change(WEDNESDAY, wednesdays.pk, True)], now=NOW).refusals


def test_it_refuses_a_pending_certificate_and_the_days_after_it_expires(
    children: list[Child], wednesdays: Activity, insurance: DocumentType, uploaded: Callable[..., SupportingDocument]
) -> None:
    uploaded(insurance, children[0], dated_on=datetime.date(2026, 9, 1), accepted=False)
    assert actions.review(children[0], [Change(WEDNESDAY, wednesdays.pk, True)], now=NOW).refusals
    SupportingDocument.objects.update(status="accepted")
    # Valid until 31 August 2027: the first Wednesday of September is refused, and only that one.
    days = [datetime.date(2027, 6, 30), datetime.date(2027, 9, 8)]
    assert [
        lack[0].label
        for lack in requirements.missing_by_change(children[0], [(wednesdays.pk, d) for d in days]).values()
    ] == [INSURANCE]
    assert requirements.missing_for(children[0], wednesdays, days[0]) == []
    assert requirements.missing_for(children[0], wednesdays, days[1]) == [insurance]


def test_a_certificate_refused_after_acceptance_stops_bookings_at_once(
    children: list[Child],
    wednesdays: Activity,
    insurance: DocumentType,
    uploaded: Callable[..., SupportingDocument],
    front_desk: User,
) -> None:
    document = uploaded(insurance, children[0])
    assert actions.review(children[0], [Change(WEDNESDAY, wednesdays.pk, True)], now=NOW).accepted
    decide(document, front_desk, Decision(False, "Attestation illisible"), base_url="https://x.test/")
    assert actions.review(children[0], [Change(WEDNESDAY, wednesdays.pk, True)], now=NOW).refusals


def test_it_refuses_staff_on_behalf_too_but_lets_a_booked_day_be_cancelled(
    family: Family,
    children: list[Child],
    wednesdays: Activity,
    insurance: DocumentType,
    front_desk: User,
) -> None:
    with pytest.raises(actions.BatchRefused) as refused:
        actions.apply_family(
            family, [(children[0], [Change(WEDNESDAY, wednesdays.pk, True)])], actor=front_desk, as_staff=True
        )
    assert refused.value.refusals[0].message == f"{INSURANCE} manquante ou expirée pour Sarah."
    # A day booked before the document was asked can still be cancelled.
    Booking.objects.create(town=family.town, child=children[0], activity=wednesdays, date=WEDNESDAY, state="booked")
    assert actions.review(children[0], [Change(WEDNESDAY, wednesdays.pk, False)], now=NOW).accepted
    assert actions.review(children[0], [Change(WEDNESDAY, wednesdays.pk, True)], now=NOW).accepted


def test_it_refuses_the_api_booking_with_code_invalid(
    parent: User, children: list[Child], wednesdays: Activity, insurance: DocumentType
) -> None:
    api = login(parent)
    changes = {"changes": [{"date": WEDNESDAY.isoformat(), "activity_id": wednesdays.pk, "book": True}]}
    response = api.post(f"children/{children[0].pk}/bookings", changes)
    assert response.status_code == 409
    [error] = response.json()["errors"]
    assert error["code"] == "invalid"
    assert error["message"] == f"{INSURANCE} manquante ou expirée pour Sarah."


def test_it_shows_the_refusal_on_the_parents_planning(
    town: Town, parent: User, children: list[Child], wednesdays: Activity, insurance: DocumentType, client_for
) -> None:
    posted = {"change": [f"{children[0].pk}:{wednesdays.pk}:{WEDNESDAY.isoformat()}:1"]}
    response = client_for(parent).post(reverse("portal:booking_confirm", args=[town.slug]), posted)
    assert response.status_code == 409
    assert escape(f"{INSURANCE} manquante ou expirée pour Sarah.") in response.content.decode()
    assert not Booking.objects.filter(child=children[0]).exists()


def test_it_looks_documents_up_with_a_flat_number_of_queries(
    children: list[Child], wednesdays: Activity, insurance: DocumentType, uploaded: Callable[..., SupportingDocument]
) -> None:
    uploaded(insurance, children[0])
    counts = []
    for weeks in (1, 10):
        changes = [Change(day, wednesdays.pk, True) for day in wednesdays_from(WEDNESDAY, weeks)]
        with CaptureQueriesContext(connection) as captured:
            requirements.missing_by_change(children[0], [(c.activity_id, c.date) for c in changes])
        counts.append(len(captured))
    assert counts == [2, 2]
