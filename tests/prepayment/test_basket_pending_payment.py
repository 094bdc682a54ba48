"""A basket has one online payment pending at a time (issue 10: one basket was paid three times)."""

from decimal import Decimal

from django.urls import reverse

from ardoise.billing.balance import family_balance
from ardoise.billing.models import Payment
from ardoise.bookings.models import Booking
from ardoise.payments import actions as payments
from ardoise.payments.models import OnlinePayment, OnlineState
from ardoise.prepayment import actions
from ardoise.prepayment.models import Basket, BasketPayment, BasketState
from tests.moment import NEXT_MONDAY, NOW, week
from tests.prepayment.conftest import changes, confirm, simulate

D = Decimal


def test_paying_a_basket_again_sends_the_parent_back_to_its_pending_payment(
    prepaid, family, parent, client_for, children, meals
) -> None:
    client = client_for(parent)
    first = confirm(client, prepaid, changes(children[0], meals, week(NEXT_MONDAY)))
    basket = Basket.objects.get()
    # The provider's tab was closed; "Payer" on the basket page, twice.
    again = [client.post(reverse("portal:basket_pay", args=[prepaid.slug, basket.pk])) for _ in range(2)]
    assert [response["Location"] for response in again] == [first["Location"]] * 2
    assert OnlinePayment.objects.count() == BasketPayment.objects.count() == 1
    for response in (first, *again):
        simulate(client, prepaid, response, "pay")
    basket.refresh_from_db()
    assert basket.state == BasketState.PAID
    assert Payment.objects.filter(family=family).count() == 1
    assert Booking.objects.count() == 4
    assert family_balance(family) == D("-10.00")


def test_paying_a_basket_is_refused_while_a_payment_of_another_amount_is_pending(
    prepaid, family, parent, client_for, children, meals
) -> None:
    client = client_for(parent)
    confirm(client, prepaid, changes(children[0], meals, week(NEXT_MONDAY)))
    basket = Basket.objects.get()
    # A cash payment at the desk meanwhile: the basket now asks less than its pending payment.
    payments.record_payment(family, None, method="cash", received_on=NOW.date(), amount=D("4.00"))
    refused = client.post(reverse("portal:basket_pay", args=[prepaid.slug, basket.pk]), follow=True)
    assert "Un paiement en ligne est déjà en cours pour « Réservations" in refused.content.decode()
    assert OnlinePayment.objects.count() == 1
    assert OnlinePayment.objects.get().state == OnlineState.INITIATED


def test_the_action_returns_the_pending_payment_without_a_second_link(prepaid, family, parent, children, meals):
    reviewed = actions.bookings.review(
        children[0], [actions.bookings.Change(day, meals.pk, True) for day in week(NEXT_MONDAY)], now=NOW
    )
    basket = actions.create_basket(family, parent, reviewed.outcomes, now=NOW).basket
    assert basket is not None

    def url_for(name: str, online: OnlinePayment) -> str:
        return f"http://testserver/{name}/{online.token}/"

    urls = {actions.pay(basket, email="p@example.test", url_for=url_for, now=NOW).redirect_url for _ in range(3)}
    assert len(urls) == 1
    assert BasketPayment.objects.filter(basket=basket).count() == 1
