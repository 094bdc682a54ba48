"""Baskets are the family's own: another family or town gets 404; the API refuses unpaid bookings."""

import pytest
from django.urls import reverse

from ardoise.bookings.models import Booking, BookingState
from ardoise.prepayment.models import Basket, BasketState
from tests.api.test_api import login
from tests.factories import BookingFactory
from tests.moment import NEXT_MONDAY, week
from tests.prepayment.conftest import make_basket

pytestmark = pytest.mark.django_db
PAGES = ("portal:basket_detail", "portal:basket_pay", "portal:basket_renew", "portal:basket_abandon")


@pytest.mark.parametrize("name", PAGES)
def test_it_answers_404_for_another_familys_basket(prepaid, family, outsider, client_for, name) -> None:
    basket = make_basket(family)
    client = client_for(outsider)
    url = reverse(name, args=[prepaid.slug, basket.pk])
    assert {client.get(url).status_code, client.post(url).status_code} <= {404, 405}
    assert client.post(url).status_code in (404, 405)
    assert Basket.objects.get(pk=basket.pk).state == BasketState.OPEN


@pytest.mark.parametrize("name", PAGES)
def test_it_answers_404_in_another_town(prepaid, family, stranger, client_for, name) -> None:
    basket = make_basket(family)
    client = client_for(stranger)
    for slug in (prepaid.slug, stranger.town.slug):
        url = reverse(name, args=[slug, basket.pk])
        assert client.post(url).status_code in (404, 405)
        assert client.get(url).status_code in (404, 405)
    assert Basket.objects.get(pk=basket.pk).state == BasketState.OPEN


@pytest.mark.parametrize("name", PAGES)
def test_it_answers_404_for_an_out_of_range_basket_id(prepaid, parent, client_for, name) -> None:
    client = client_for(parent)
    url = reverse(name, args=[prepaid.slug, 2**63])
    assert {client.get(url).status_code, client.post(url).status_code} <= {404, 405}


def test_it_answers_404_to_staff(prepaid, front_desk, client_for) -> None:
    assert client_for(front_desk).get(reverse("portal:basket", args=[prepaid.slug])).status_code == 404


def test_the_api_refuses_to_book_unpaid_days_in_a_prepayment_town(prepaid, parent, children, meals, frozen) -> None:
    api = login(parent)
    sarah = children[0]
    body = {"changes": [{"date": day.isoformat(), "activity_id": meals.pk, "book": True} for day in week(NEXT_MONDAY)]}
    response = api.post(f"children/{sarah.pk}/bookings", body)
    assert response.status_code == 409
    answer = response.json()
    assert "payer en ligne sur le portail famille" in answer["detail"]
    assert {error["code"] for error in answer["errors"]} == {"payment_required"}
    assert len(answer["errors"]) == 4
    assert not Booking.objects.exists()


def test_the_api_still_cancels_in_a_prepayment_town(prepaid, parent, children, meals, frozen) -> None:
    sarah = children[0]
    BookingFactory(child=sarah, activity=meals, date=NEXT_MONDAY, state=BookingState.BOOKED)
    api = login(parent)
    body = {"changes": [{"date": NEXT_MONDAY.isoformat(), "activity_id": meals.pk, "book": False}]}
    assert api.post(f"children/{sarah.pk}/bookings", body).status_code == 200
    assert Booking.objects.get().state == BookingState.CANCELLED


def test_the_api_books_as_before_elsewhere(town, parent, children, meals, frozen) -> None:
    body = {"changes": [{"date": NEXT_MONDAY.isoformat(), "activity_id": meals.pk, "book": True}]}
    assert login(parent).post(f"children/{children[0].pk}/bookings", body).status_code == 200


def test_finance_turns_prepayment_on_in_the_billing_settings(town, finance_agent, client_for) -> None:
    from ardoise.audit.models import AuditEntry
    from ardoise.billing.models import BillingSettings

    data = {"payment_days": 30, "first_reminder_days": 15, "second_reminder_days": 45, "prepayment": "on"}
    response = client_for(finance_agent).post(reverse("backoffice:invoicing_settings", args=[town.slug]), data)
    assert response.status_code == 302
    assert BillingSettings.objects.get(town=town).prepayment is True
    entry = AuditEntry.objects.filter(action="billing_settings.update").latest("pk")
    assert entry.changes["prepayment"] == [False, True]
