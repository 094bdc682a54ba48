"""Parents pressing "Payer" at once on one invoice or basket open one operation (PostgreSQL, real threads)."""

import threading
from collections.abc import Callable

import pytest
import time_machine
from django.db import connection

from ardoise.families.models import Family
from ardoise.payments import actions
from ardoise.payments.models import OnlinePayment
from ardoise.prepayment import actions as prepayment
from ardoise.prepayment.models import BasketPayment
from tests.factories import ChildFactory, FamilyFactory, SiteFactory, TownFactory, UserFactory
from tests.moment import NOW
from tests.payments.conftest import make_invoice
from tests.prepayment.conftest import make_basket, make_prepaid

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

CLICKS = 6


def url_for(name: str, online: OnlinePayment) -> str:
    return f"http://testserver/{online.town.slug}/paiement/{name}/{online.token}/"


def at_once(start: Callable[[], str]) -> list[str]:
    """Run `start` in CLICKS threads released together; returns each one's redirect URL or refusal."""
    barrier = threading.Barrier(CLICKS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def click() -> None:
        try:
            barrier.wait()
            try:
                outcome = start()
            except (actions.PaymentRefused, prepayment.BasketRefused) as refused:
                outcome = f"refused: {refused.message}"
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def family_in_a_new_town() -> Family:
    town = TownFactory()
    family = FamilyFactory(town=town)
    ChildFactory(family=family, site=SiteFactory(town=town))
    UserFactory(town=town)
    return family


def test_it_opens_one_operation_for_an_invoice_paid_from_several_tabs_at_once() -> None:
    with time_machine.travel(NOW, tick=False):
        family = family_in_a_new_town()
        invoice = make_invoice(family, "258.40")
        outcomes = at_once(lambda: actions.start_online_payment(invoice, "parent@example.test", url_for)[1])
    online = OnlinePayment.objects.get(invoice=invoice)
    assert len(outcomes) == CLICKS
    # Each tab is sent to the one operation, or told that it is under way.
    assert {outcome for outcome in outcomes if not outcome.startswith("refused")} == {online.redirect_url}
    assert all("déjà en cours" in outcome for outcome in outcomes if outcome.startswith("refused"))


def test_it_opens_one_operation_for_a_basket_paid_from_several_tabs_at_once() -> None:
    with time_machine.travel(NOW, tick=False):
        family = family_in_a_new_town()
        make_prepaid(family.town)
        basket = make_basket(family)
        outcomes = at_once(
            lambda: prepayment.pay(basket, email="parent@example.test", url_for=url_for, now=NOW).redirect_url or ""
        )
    online = OnlinePayment.objects.get(reference=f"PANIER{basket.pk}")
    assert BasketPayment.objects.get(basket=basket).online == online
    assert {outcome for outcome in outcomes if not outcome.startswith("refused")} == {online.redirect_url}
