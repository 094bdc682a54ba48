"""Booking in a prepayment town: the basket, paying it through the simulator, and what stays as credit."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.billing.balance import family_balance
from ardoise.bookings import actions as bookings
from ardoise.bookings.models import Booking, BookingState
from ardoise.payments import actions as payments
from ardoise.payments.models import OnlinePayment, OnlineState
from ardoise.prepayment import actions
from ardoise.prepayment.models import Basket, BasketState, LineResult
from tests.factories import BookingFactory, ChildFactory
from tests.moment import NEXT_MONDAY, NOW, week
from tests.prepayment.conftest import changes, confirm, make_basket, simulate, ticks

pytestmark = pytest.mark.django_db
D = Decimal


def booked_days(child) -> list[datetime.date]:
    return sorted(Booking.objects.filter(child=child, state=BookingState.BOOKED).values_list("date", flat=True))


def test_the_review_shows_the_recap_and_what_to_pay(prepaid, parent, client_for, children, meals) -> None:
    sarah, chloe = children
    data = {"book": ticks(sarah, meals, week(NEXT_MONDAY)[:2]) + ticks(chloe, meals, week(NEXT_MONDAY)[:1])}
    html = client_for(parent).post(reverse("portal:booking_review", args=[prepaid.slug]), data).content.decode()
    assert "Récapitulatif de votre saisie" in html
    assert html.count("— Repas") == 3
    assert "Coût (tarif unitaire)" in html
    assert "À payer : <strong>7,50" in html
    assert "Payer 7,50 €" in html
    assert "Confirmer et enregistrer" not in html
    assert not Booking.objects.exists()
    assert not Basket.objects.exists()


def test_the_review_stays_as_it_was_in_a_town_that_bills_at_month_end(town, parent, client_for, children, meals):
    data = {"book": ticks(children[0], meals, week(NEXT_MONDAY))}
    html = client_for(parent).post(reverse("portal:booking_review", args=[town.slug]), data).content.decode()
    assert "Confirmer et enregistrer" in html
    assert "À payer" not in html


def test_the_review_says_when_nothing_changed_as_in_any_town(prepaid, parent, client_for, children, meals) -> None:
    html = client_for(parent).post(reverse("portal:booking_review", args=[prepaid.slug]), {}).content.decode()
    assert "Récapitulatif de votre saisie" in html
    assert "Vous n'avez rien changé : cochez ou décochez des jours dans le planning." in html
    assert "review__confirm" not in html


def test_it_books_the_days_once_paid_and_leaves_the_balance_in_credit(
    prepaid, family, parent, client_for, children, meals
):
    sarah = children[0]
    client = client_for(parent)
    response = confirm(client, prepaid, changes(sarah, meals, week(NEXT_MONDAY)[:3]))
    basket = Basket.objects.get()
    assert (basket.state, basket.cost, basket.amount) == (BasketState.OPEN, D("7.50"), D("7.50"))
    assert not Booking.objects.exists()  # Nothing is booked before the payment.

    online = simulate(client, prepaid, response, "pay")
    online.refresh_from_db()
    assert online.state == OnlineState.PAID
    assert online.amount == D("7.50")
    assert online.invoice is None
    assert online.reference == f"PANIER{basket.pk}"
    basket.refresh_from_db()
    assert basket.state == BasketState.PAID
    assert set(basket.lines.values_list("result", flat=True)) == {LineResult.BOOKED}
    assert booked_days(sarah) == week(NEXT_MONDAY)[:3]
    # Paid in advance: a credit that the month-end invoice of these days will use.
    assert family_balance(family) == D("-7.50")
    assert actions.position(family) == D("0.00")
    # The result page leads to the days booked, not to invoices.
    result = client.get(reverse("payments:result", args=[prepaid.slug, online.token])).content.decode()
    assert "Voir mes réservations" in result
    assert reverse("portal:basket", args=[prepaid.slug]) in result
    page = client.get(reverse("portal:basket_detail", args=[prepaid.slug, basket.pk])).content.decode()
    assert "Réservé" in page
    assert "Payé" in page


def test_a_refused_payment_books_nothing_and_keeps_the_basket(prepaid, family, parent, client_for, children, meals):
    client = client_for(parent)
    response = confirm(client, prepaid, changes(children[0], meals, week(NEXT_MONDAY)))
    online = simulate(client, prepaid, response, "refuse")
    assert OnlinePayment.objects.get(pk=online.pk).state == OnlineState.REFUSED
    assert not Booking.objects.exists()
    basket = Basket.objects.get()
    assert basket.state == BasketState.OPEN
    assert family_balance(family) == D("0.00")
    # Seen from home and planning, and paid on a second try.
    for name in ("portal:home", "portal:planning"):
        html = client.get(reverse(name, args=[prepaid.slug])).content.decode()
        assert "Votre panier attend son paiement : 4 jours, 10,00" in html
    again = client.post(reverse("portal:basket_pay", args=[prepaid.slug, basket.pk]))
    simulate(client, prepaid, again, "pay")
    assert booked_days(children[0]) == week(NEXT_MONDAY)


def test_a_second_notification_books_nothing_more(prepaid, family, parent, client_for, children, meals) -> None:
    client = client_for(parent)
    online = simulate(client, prepaid, confirm(client, prepaid, changes(children[0], meals, week(NEXT_MONDAY)[:2])))
    for _ in range(2):
        Client().post(reverse("payments:notification", args=[prepaid.slug, online.token]), {"idOp": online.idop})
    basket = Basket.objects.get()
    assert actions.fulfil(basket, now=NOW).state == BasketState.PAID  # Asked again: nothing happens.
    assert Booking.objects.count() == 2
    assert family_balance(family) == D("-5.00")


def test_a_credit_that_covers_the_cost_books_at_once(prepaid, family, parent, client_for, children, meals) -> None:
    sarah = children[0]
    payments.record_payment(family, None, method="cheque", received_on=datetime.date(2027, 3, 1), amount=D("20.00"))
    client = client_for(parent)
    html = client.post(
        reverse("portal:booking_review", args=[prepaid.slug]), {"book": ticks(sarah, meals, week(NEXT_MONDAY))}
    ).content.decode()
    assert "Avoir" in html
    assert "À payer : <strong>0,00" in html
    assert "réglé avec votre avoir" in html
    response = confirm(client, prepaid, changes(sarah, meals, week(NEXT_MONDAY)))
    assert response.status_code == 302
    assert "/panier/" in response["Location"]
    assert booked_days(sarah) == week(NEXT_MONDAY)
    assert not OnlinePayment.objects.exists()
    assert actions.position(family) == D("-10.00")


def test_a_partial_credit_and_a_restant_du_are_counted(prepaid, family, parent, client_for, children, meals) -> None:
    sarah = children[0]
    payments.record_payment(family, None, method="cheque", received_on=datetime.date(2027, 3, 1), amount=D("4.00"))
    client = client_for(parent)
    response = confirm(client, prepaid, changes(sarah, meals, week(NEXT_MONDAY)))
    online = simulate(client, prepaid, response)
    assert OnlinePayment.objects.get(pk=online.pk).amount == D("6.00")
    assert actions.position(family) == D("0.00")
    # A day attended without booking, then booking: the restant dû is asked with the new day.
    BookingFactory(child=sarah, activity=meals, date=datetime.date(2027, 3, 8), state=BookingState.PRESENT_UNBOOKED)
    due = actions.position(family)
    assert due > 0
    confirm(client, prepaid, changes(sarah, meals, [NEXT_MONDAY + datetime.timedelta(days=7)]))
    assert Basket.objects.get(state=BasketState.OPEN).amount == D("2.50") + due


def test_cancelling_applies_at_once_and_leaves_the_money_as_credit(
    prepaid, family, parent, client_for, children, meals
):
    sarah = children[0]
    client = client_for(parent)
    simulate(client, prepaid, confirm(client, prepaid, changes(sarah, meals, week(NEXT_MONDAY))))
    response = confirm(client, prepaid, changes(sarah, meals, week(NEXT_MONDAY)[:1], book=False))
    assert response.status_code == 302
    assert "simulateur" not in response["Location"]
    assert booked_days(sarah) == week(NEXT_MONDAY)[1:]
    assert Basket.objects.filter(state=BasketState.OPEN).count() == 0
    assert actions.position(family) == D("-2.50")


@pytest.mark.usefixtures("immediate_tasks")
def test_a_cancellation_is_confirmed_by_email_as_in_any_town(
    prepaid, family, parent, client_for, children, meals, mailoutbox, django_capture_on_commit_callbacks
):
    sarah = children[0]
    BookingFactory(child=sarah, activity=meals, date=NEXT_MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client_for(parent), prepaid, changes(sarah, meals, [NEXT_MONDAY], book=False))
    assert response.status_code == 302
    assert [mail.subject for mail in mailoutbox] == ["Saint-Exemple : vos réservations sont enregistrées"]
    assert "Lundi 15/03/2027 · Repas · Annulé" in mailoutbox[0].body


def test_a_basket_expires_and_can_be_taken_up_again(prepaid, family, parent, client_for, children, meals, settings):
    settings.PREPAYMENT_BASKET_MINUTES = 30
    sarah = children[0]
    client = client_for(parent)
    confirm(client, prepaid, changes(sarah, meals, week(NEXT_MONDAY)))
    basket = Basket.objects.get()
    with time_machine.travel(NOW + datetime.timedelta(minutes=31), tick=False):
        page = client.get(reverse("portal:basket", args=[prepaid.slug])).content.decode()
        assert "Ce panier a expiré" in page
        assert "Reprendre ce panier" in page
        refused = client.post(reverse("portal:basket_pay", args=[prepaid.slug, basket.pk]), follow=True)
        assert "Ce panier a expiré" in refused.content.decode()
        assert OnlinePayment.objects.count() == 1  # Only the first attempt.
        renewed = client.post(reverse("portal:basket_renew", args=[prepaid.slug, basket.pk]))
        assert renewed.status_code == 302
    basket.refresh_from_db()
    assert basket.state == BasketState.EXPIRED
    fresh = Basket.objects.get(state=BasketState.OPEN)
    assert fresh.lines.count() == 4
    assert fresh.cost == D("10.00")


def test_a_basket_paid_in_time_keeps_the_deadlines_of_its_creation(prepaid, family, parent, children, meals):
    sarah = children[0]
    # Created on Thursday 11:50, ten minutes before next week's deadline.
    created_at = datetime.datetime(2027, 3, 11, 11, 50, tzinfo=NOW.tzinfo)
    review = _review(sarah, meals, week(NEXT_MONDAY), created_at)
    basket = actions.create_basket(family, parent, review.outcomes, now=created_at).basket
    assert basket is not None
    actions.fulfil(basket, now=created_at + datetime.timedelta(minutes=20))  # paid at 12:10, before expiry
    assert booked_days(sarah) == week(NEXT_MONDAY)


def test_a_basket_paid_after_it_expired_is_judged_at_payment(prepaid, family, parent, children, meals) -> None:
    sarah = children[0]
    created_at = datetime.datetime(2027, 3, 11, 11, 50, tzinfo=NOW.tzinfo)
    basket = actions.create_basket(
        family, parent, _review(sarah, meals, week(NEXT_MONDAY), created_at).outcomes, now=created_at
    ).basket
    assert basket is not None
    paid = actions.fulfil(basket, now=created_at + datetime.timedelta(hours=2))
    assert paid.state == BasketState.PAID
    assert not booked_days(sarah)
    assert {line.result for line in paid.lines.all()} == {LineResult.NOT_BOOKED}
    assert "date limite" in paid.lines.first().message


def test_a_place_taken_meanwhile_leaves_its_amount_as_credit(prepaid, family, parent, client_for, children, meals):
    sarah = children[0]
    meals.capacity = 1
    meals.save()
    client = client_for(parent)
    response = confirm(client, prepaid, changes(sarah, meals, week(NEXT_MONDAY)[:2]))
    # Another child takes Monday's last place before the parent pays.
    other = ChildFactory(family__town=prepaid, site=sarah.site)
    BookingFactory(child=other, activity=meals, date=NEXT_MONDAY)
    simulate(client, prepaid, response)
    assert booked_days(sarah) == [week(NEXT_MONDAY)[1]]
    basket = Basket.objects.get()
    monday = basket.lines.get(day=NEXT_MONDAY)
    assert monday.result == LineResult.NOT_BOOKED
    assert "Plus de place" in monday.message
    assert actions.position(family) == D("-2.50")  # Monday's 2.50 stays as credit.
    page = client.get(reverse("portal:basket_detail", args=[prepaid.slug, basket.pk])).content.decode()
    assert "Non réservé (montant en avoir)" in page
    assert "Plus de place" in page


def test_tout_supprimer_abandons_and_a_late_payment_stays_as_credit(
    prepaid, family, parent, client_for, children, meals
):
    client = client_for(parent)
    response = confirm(client, prepaid, changes(children[0], meals, week(NEXT_MONDAY)))
    basket = Basket.objects.get()
    assert client.post(reverse("portal:basket_abandon", args=[prepaid.slug, basket.pk])).status_code == 302
    basket.refresh_from_db()
    assert basket.state == BasketState.ABANDONED
    html = client.get(reverse("portal:planning", args=[prepaid.slug])).content.decode()
    assert "Votre panier attend" not in html
    # The provider's page was still open in another tab and the parent paid there.
    simulate(client, prepaid, response)
    assert not Booking.objects.exists()
    assert family_balance(family) == D("-10.00")
    assert client.post(reverse("portal:basket_abandon", args=[prepaid.slug, basket.pk])).status_code == 302


def test_a_new_basket_takes_the_days_of_the_one_waiting(prepaid, family, parent, client_for, children, meals) -> None:
    sarah, chloe = children
    client = client_for(parent)
    confirm(client, prepaid, changes(sarah, meals, week(NEXT_MONDAY)[:2]))
    response = confirm(client, prepaid, changes(chloe, meals, week(NEXT_MONDAY)[:1]))
    first, second = Basket.objects.order_by("pk")
    assert first.state == BasketState.REPLACED
    assert second.state == BasketState.OPEN
    assert second.lines.count() == 3
    assert second.amount == D("7.50")
    simulate(client, prepaid, response)
    assert booked_days(sarah) == week(NEXT_MONDAY)[:2]
    assert booked_days(chloe) == week(NEXT_MONDAY)[:1]


def test_the_basket_pages_read_a_constant_number_of_queries(
    prepaid, family, parent, client_for, children, meals, django_assert_num_queries
) -> None:
    client = client_for(parent)
    confirm(client, prepaid, changes(children[0], meals, week(NEXT_MONDAY)[:1]))
    simulate(client, prepaid, confirm(client, prepaid, changes(children[1], meals, week(NEXT_MONDAY)[:1])))
    confirm(client, prepaid, changes(children[0], meals, week(NEXT_MONDAY)[1:2]))
    pages = [reverse("portal:basket", args=[prepaid.slug]), reverse("portal:home", args=[prepaid.slug])]
    counts = []
    for weeks in (1, 3):  # Not Easter week.
        with CaptureQueriesContext(connection) as captured:
            for url in pages:
                assert client.get(url).status_code == 200
        counts.append(len(captured))
        # More days, more children's lines, one more basket paid.
        monday = NEXT_MONDAY + datetime.timedelta(days=7 * weeks)
        simulate(client, prepaid, confirm(client, prepaid, changes(children[1], meals, week(monday))))
        confirm(client, prepaid, changes(children[0], meals, week(monday)[:2]))
    assert counts[0] == counts[1]


def test_the_banner_is_not_shown_in_a_town_that_bills_at_month_end(town, parent, client_for, children, meals) -> None:
    html = client_for(parent).get(reverse("portal:home", args=[town.slug])).content.decode()
    assert "Restant dû" not in html
    assert "restant dû" not in html


def test_the_home_page_says_restant_du_or_avoir(prepaid, family, parent, client_for, children, meals) -> None:
    client = client_for(parent)
    BookingFactory(child=children[0], activity=meals, date=datetime.date(2027, 3, 8), state=BookingState.PRESENT)
    assert "restant dû de <strong>2,50" in client.get(reverse("portal:home", args=[prepaid.slug])).content.decode()
    payments.record_payment(family, None, method="cash", received_on=datetime.date(2027, 3, 9), amount=D("10.00"))
    assert "Avoir : <strong>7,50" in client.get(reverse("portal:home", args=[prepaid.slug])).content.decode()


def _review(child, activity, days, now):
    return bookings.review(child, [bookings.Change(day, activity.pk, True) for day in days], now=now)


def test_the_basket_page_says_what_its_restant_du_is_made_of_as_the_home_page_does(
    prepaid, family, parent, client_for, children, meals
) -> None:
    # Invoiced 3.00, paid 10.00 (balance −7.00), two meals booked and not invoiced (5.00): avoir 2.00.
    from tests.payments.conftest import make_invoice

    make_invoice(family, "3.00")
    payments.record_payment(family, None, method="cash", received_on=datetime.date(2027, 3, 1), amount=D("10.00"))
    for day in week(NEXT_MONDAY)[:2]:
        BookingFactory(child=children[0], activity=meals, date=day, state=BookingState.BOOKED)
    client = client_for(parent)
    basket = " ".join(client.get(reverse("portal:basket", args=[prepaid.slug])).content.decode().split())
    home = " ".join(client.get(reverse("portal:home", args=[prepaid.slug])).content.decode().split())
    assert "Votre solde à ce jour" in basket
    assert "<dd>-7,00&nbsp;€</dd>" in basket
    assert "<dd>+ 5,00&nbsp;€</dd>" in basket
    assert "<dt><strong>Avoir</strong></dt><dd><strong>2,00&nbsp;€</strong></dd>" in basket
    assert "Restant dû" not in basket
    # The home page's balance is the basket page's, and its banner says how the avoir follows from it.
    assert '<p class="balance__amount">-7,00&nbsp;€</p>' in home
    assert "Avoir : <strong>2,00&nbsp;€</strong>" in home
    assert "Votre solde à ce jour, -7,00&nbsp;€, plus 5,00&nbsp;€ de jours réservés, pas encore facturés." in home


@pytest.mark.parametrize(
    "name", ["portal:basket_detail", "portal:basket_pay", "portal:basket_renew", "portal:basket_abandon"]
)
def test_the_basket_pages_answer_404_in_a_town_that_bills_at_month_end(town, family, parent, client_for, name) -> None:
    basket = make_basket(family)
    client = client_for(parent)
    assert client.get(reverse("portal:basket", args=[town.slug])).status_code == 404
    url = reverse(name, args=[town.slug, basket.pk])
    assert client.get(url).status_code in (404, 405)
    assert client.post(url).status_code in (404, 405)
    assert Basket.objects.get(pk=basket.pk).state == BasketState.OPEN
