"""Online card payment: PayFiP through eopayment against a loopback fake, and the simulator."""

import datetime
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.billing.balance import family_balance
from ardoise.billing.models import Invoice, Payment
from ardoise.billing.statements import invoice_summary
from ardoise.families.models import Family
from ardoise.payments.models import OnlinePayment, OnlineState, ProviderConfig, ProviderKind, SimulatedOperation
from ardoise.towns.models import Town
from tests.payments.fake_payfip import FakePayFiP

D = Decimal


def start(client: Client, town: Town, invoice: Invoice) -> Any:
    return client.post(reverse("portal:pay_invoice", args=[town.slug, invoice.pk]))


def notify(town: Town, online: OnlinePayment, **posted: str) -> Any:
    """PayFiP's server calls the notification URL (no session, no CSRF token)."""
    return Client().post(reverse("payments:notification", args=[town.slug, online.token]), posted)


# PayFiP


def test_it_pays_an_invoice_through_payfip(
    town: Town, family: Family, parent: User, client_for: Callable[[User], Client], payfip: FakePayFiP, invoice_for: Any
) -> None:
    invoice = invoice_for(family, "120.60")
    response = start(client_for(parent), town, invoice)
    online = OnlinePayment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"https://www.payfip.gouv.fr/tpa/paiementws.web?idop={online.idop}"
    [created] = payfip.calls_of("creerPaiementSecurise")
    assert created["numcli"] == "123456"
    assert created["saisie"] == "T"
    assert created["exer"] == "2027"
    assert created["refdet"] == invoice.number.replace("-", "")
    assert created["montant"] == "12060"
    assert created["mel"] == "marie.dupont@example.test"
    assert created["urlnotif"] == f"http://testserver/saint-exemple/paiement/notification/{online.token}/"
    assert created["urlredirect"] == f"http://testserver/saint-exemple/paiement/retour/{online.token}/"

    payfip.pay(online.idop)
    assert notify(town, online, idOp=online.idop).status_code == 200
    assert payfip.calls_of("recupererDetailPaiementSecurise") == [{"idOp": online.idop}]
    online.refresh_from_db()
    assert (online.state, online.authorisation) == (OnlineState.PAID, "112233")
    payment = online.payment
    assert (payment.method, payment.amount, payment.reference) == ("card", D("120.60"), "112233")
    assert invoice_summary(invoice).status == "paid"
    assert family_balance(family) == D("0.00")


def test_it_credits_a_duplicated_notification_once(
    town: Town, family: Family, parent: User, client_for: Callable[[User], Client], payfip: FakePayFiP, invoice_for: Any
) -> None:
    invoice = invoice_for(family, "30.00")
    start(client_for(parent), town, invoice)
    online = OnlinePayment.objects.get()
    payfip.pay(online.idop)
    for _ in range(3):
        assert notify(town, online, idOp=online.idop).status_code == 200
    returned = client_for(parent).get(reverse("payments:return", args=[town.slug, online.token]), follow=True)
    assert "Paiement accepté" in returned.content.decode()
    assert Payment.objects.filter(family=family).count() == 1
    assert family_balance(family) == D("0.00")


def test_it_credits_nothing_while_payfip_has_no_result(
    town: Town, family: Family, parent: User, client_for: Callable[[User], Client], payfip: FakePayFiP, invoice_for: Any
) -> None:
    start(client_for(parent), town, invoice_for(family, "30.00"))
    online = OnlinePayment.objects.get()
    assert notify(town, online, idOp=online.idop).status_code == 200
    online.refresh_from_db()
    assert online.state == OnlineState.INITIATED
    assert not Payment.objects.exists()


def test_it_records_a_refused_card(
    town: Town, family: Family, parent: User, client_for: Callable[[User], Client], payfip: FakePayFiP, invoice_for: Any
) -> None:
    start(client_for(parent), town, invoice_for(family, "30.00"))
    online = OnlinePayment.objects.get()
    payfip.refuse(online.idop)
    notify(town, online, idOp=online.idop)
    online.refresh_from_db()
    assert online.state == OnlineState.REFUSED
    assert not Payment.objects.exists()


def test_it_rejects_and_logs_a_forged_notification(
    town: Town,
    family: Family,
    parent: User,
    client_for: Callable[[User], Client],
    payfip: FakePayFiP,
    invoice_for: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    start(client_for(parent), town, invoice_for(family, "30.00"))
    online = OnlinePayment.objects.get()
    caplog.set_level(logging.WARNING, logger="ardoise.payments")
    # An operation id nobody started, then an unknown token: PayFiP is not even asked.
    assert notify(town, online, idOp="forged-idop", resultrans="P", montant="3000").status_code == 200
    forged = OnlinePayment(town=town, token="00000000-0000-0000-0000-000000000000")
    assert notify(town, forged, idOp=online.idop, resultrans="P").status_code == 404
    assert payfip.calls_of("recupererDetailPaiementSecurise") == []
    # What is posted is never believed: PayFiP says the operation is not paid.
    assert notify(town, online, idOp=online.idop, resultrans="P", montant="3000").status_code == 200
    assert not Payment.objects.exists()
    assert "forged-idop" in caplog.text
    assert "00000000-0000-0000-0000-000000000000" in caplog.text


@pytest.mark.parametrize(
    ("overrides", "why"), [({"montant": "100"}, "amount 100 cents"), ({"refdet": "2027999999"}, "reference")]
)
def test_it_rejects_an_operation_that_does_not_match_the_payment_started(
    town: Town,
    family: Family,
    parent: User,
    client_for: Callable[[User], Client],
    payfip: FakePayFiP,
    invoice_for: Any,
    caplog: pytest.LogCaptureFixture,
    overrides: dict[str, str],
    why: str,
) -> None:
    start(client_for(parent), town, invoice_for(family, "30.00"))
    online = OnlinePayment.objects.get()
    payfip.pay(online.idop, **overrides)
    notify(town, online, idOp=online.idop)
    online.refresh_from_db()
    assert online.state == OnlineState.REJECTED
    assert not Payment.objects.exists()
    assert why in caplog.text


def test_it_refuses_under_payfips_minimum_before_redirecting(
    town: Town, family: Family, parent: User, client_for: Callable[[User], Client], payfip: FakePayFiP, invoice_for: Any
) -> None:
    invoice = invoice_for(family, "0.90")
    response = start(client_for(parent), town, invoice)
    assert response.status_code == 302
    assert response["Location"].endswith("/factures/")
    page = client_for(parent).get(response["Location"]).content.decode()
    assert "Moins de 1 € : à régler au guichet" in page
    assert payfip.calls == []
    assert not OnlinePayment.objects.exists()


def test_it_says_when_payfip_does_not_answer(
    town: Town, family: Family, parent: User, client_for: Callable[[User], Client], settings: Any, invoice_for: Any
) -> None:
    ProviderConfig.objects.create(town=town, provider=ProviderKind.PAYFIP_WS, numcli="123456", saisie="T")
    settings.PAYFIP_WSDL_URL = "http://127.0.0.1:9/nothing.wsdl"
    client = client_for(parent)
    response = start(client, town, invoice_for(family, "30.00"))
    assert response["Location"].endswith("/factures/")
    assert "Le service de paiement ne répond pas" in client.get(response["Location"]).content.decode()
    assert OnlinePayment.objects.get().state == OnlineState.ERROR


# The simulator


def test_it_pays_through_the_simulator(
    town: Town, family: Family, parent: User, client_for: Callable[[User], Client], invoice_for: Any
) -> None:
    invoice = invoice_for(family, "42.00")
    client = client_for(parent)
    response = start(client, town, invoice)
    online = OnlinePayment.objects.get()
    assert online.provider == ProviderKind.SIMULATOR
    assert response["Location"] == f"/saint-exemple/paiement/simulateur/{online.idop}/"
    page = client.get(response["Location"]).content.decode()
    assert invoice.number in page
    assert "42,00" in page
    done = client.post(response["Location"], {"choice": "pay"}, follow=True)
    assert "Paiement accepté" in done.content.decode()
    assert invoice_summary(invoice).status == "paid"
    # Posting again credits nothing more.
    client.post(response["Location"], {"choice": "pay"})
    notify(town, online, idOp=online.idop)
    assert Payment.objects.filter(family=family).count() == 1


def test_it_refuses_through_the_simulator(
    town: Town, family: Family, parent: User, client_for: Callable[[User], Client], invoice_for: Any
) -> None:
    invoice = invoice_for(family, "42.00")
    client = client_for(parent)
    url = start(client, town, invoice)["Location"]
    done = client.post(url, {"choice": "refuse"}, follow=True)
    assert "Paiement non effectué" in done.content.decode()
    assert OnlinePayment.objects.get().state == OnlineState.REFUSED
    assert invoice_summary(invoice).status == "unpaid"
    assert client.post(url, {"choice": "steal"}).status_code == 422


def test_it_keeps_the_simulator_to_the_familys_parents(
    town: Town,
    family: Family,
    parent: User,
    outsider: User,
    stranger: User,
    client_for: Callable[[User], Client],
    invoice_for: Any,
) -> None:
    url = start(client_for(parent), town, invoice_for(family, "42.00"))["Location"]
    online = OnlinePayment.objects.get()
    result = reverse("payments:result", args=[town.slug, online.token])
    for someone in (outsider, stranger):
        assert client_for(someone).post(url, {"choice": "pay"}).status_code == 404
        assert client_for(someone).get(result).status_code == 404
    assert SimulatedOperation.objects.get().result == ""
    assert not Payment.objects.exists()


def test_it_refuses_to_pay_another_familys_invoice(
    town: Town, family: Family, outsider: User, client_for: Callable[[User], Client], invoice_for: Any
) -> None:
    assert start(client_for(outsider), town, invoice_for(family, "42.00")).status_code == 404


def test_it_never_credits_a_simulator_operation_once_the_town_uses_payfip(
    town: Town, family: Family, parent: User, client_for: Callable[[User], Client], invoice_for: Any
) -> None:
    client = client_for(parent)
    url = start(client, town, invoice_for(family, "42.00"))["Location"]
    ProviderConfig.objects.create(town=town, provider=ProviderKind.PAYFIP_WS, numcli="123456")
    client.post(url, {"choice": "pay"})
    assert not Payment.objects.exists()


def test_it_offers_no_online_payment_in_production_without_configuration(
    town: Town, family: Family, parent: User, client_for: Callable[[User], Client], settings: Any, invoice_for: Any
) -> None:
    settings.PRODUCTION = True
    client = client_for(parent)
    response = start(client, town, invoice_for(family, "42.00"))
    assert response["Location"].endswith("/factures/")
    assert "pas proposé par la commune" in client.get(response["Location"]).content.decode()
    assert not OnlinePayment.objects.exists()


def test_it_shows_the_button_on_home_and_invoices_for_unpaid_invoices_only(
    town: Town, family: Family, parent: User, client_for: Callable[[User], Client], invoice_for: Any
) -> None:
    unpaid = invoice_for(family, "42.00", datetime.date(2027, 2, 28))
    invoice_for(family, "0.00")
    client = client_for(parent)
    for name in ("portal:invoices", "portal:home"):
        page = client.get(reverse(name, args=[town.slug])).content.decode()
        assert page.count('class="inline-form pay-online"') == 1
        assert reverse("portal:pay_invoice", args=[town.slug, unpaid.pk]) in page
