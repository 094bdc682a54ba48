"""One online operation pending at a time per invoice (issue 10: one invoice was paid twice).

A second "Payer en ligne" while the first operation is still pending sends the
parent back to it (same amount) or is refused; once its time is over, a new one
opens and the old one, if the provider still says it was paid, becomes credit.
"""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.billing.balance import family_balance
from ardoise.billing.models import Invoice, Payment
from ardoise.billing.statements import invoice_summary
from ardoise.families.models import Family
from ardoise.payments import actions
from ardoise.payments.models import OnlinePayment, OnlineState, SimulatedOperation
from ardoise.towns.models import Town
from tests.payments.fake_payfip import FakePayFiP

D = Decimal
MOMENT = datetime.datetime(2027, 2, 10, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def frozen_clock() -> Any:
    with time_machine.travel(MOMENT, tick=False) as traveller:
        yield traveller


def start(client: Client, town: Town, invoice: Invoice) -> Any:
    return client.post(reverse("portal:pay_invoice", args=[town.slug, invoice.pk]))


def pay_in_simulator(client: Client, url: str, choice: str = "pay") -> Any:
    return client.post(url, {"choice": choice}, follow=True)


def test_it_sends_the_parent_back_to_the_operation_pending_for_the_invoice(
    town: Town,
    family: Family,
    parent: User,
    client_for: Callable[[User], Client],
    invoice_for: Any,
    frozen_clock: Any,
) -> None:
    invoice = invoice_for(family, "258.40")
    client = client_for(parent)
    first = start(client, town, invoice)
    # The parent closed the provider's tab and presses "Payer en ligne" again, twice.
    again = start(client, town, invoice)
    third = start(client_for(parent), town, invoice)
    assert first["Location"] == again["Location"] == third["Location"]
    assert OnlinePayment.objects.count() == 1
    assert SimulatedOperation.objects.count() == 1
    for url in (first["Location"], again["Location"]):
        pay_in_simulator(client, url)
    assert Payment.objects.filter(family=family).count() == 1
    assert invoice_summary(invoice).status == "paid"
    assert family_balance(family) == D("0.00")


def test_it_refuses_a_second_operation_for_another_amount_while_one_is_pending(
    town: Town,
    family: Family,
    parent: User,
    client_for: Callable[[User], Client],
    invoice_for: Any,
    frozen_clock: Any,
) -> None:
    invoice = invoice_for(family, "258.40")
    client = client_for(parent)
    first = start(client, town, invoice)
    # Meanwhile the régie recorded a cheque: 200.00 remain, while the open operation asks 258.40.
    actions.record_payment(family, None, method="cheque", received_on=datetime.date(2027, 2, 10), amount=D("58.40"))
    refused = start(client, town, invoice)
    assert refused.status_code == 302
    assert refused["Location"].endswith("/factures/")
    page = client.get(refused["Location"]).content.decode()
    assert "Un paiement en ligne est déjà en cours pour « Facture" in page
    assert "réessayez à partir de 11h20" in page
    assert OnlinePayment.objects.count() == 1
    pay_in_simulator(client, first["Location"])
    # The first operation paid the whole 258.40: what it paid beyond the invoice is credit.
    assert family_balance(family) == D("-58.40")


def test_it_opens_a_new_operation_once_the_pending_one_was_refused(
    town: Town,
    family: Family,
    parent: User,
    client_for: Callable[[User], Client],
    invoice_for: Any,
    frozen_clock: Any,
) -> None:
    invoice = invoice_for(family, "42.00")
    client = client_for(parent)
    first = start(client, town, invoice)
    pay_in_simulator(client, first["Location"], "refuse")
    second = start(client, town, invoice)
    assert second["Location"] != first["Location"]
    assert list(OnlinePayment.objects.order_by("pk").values_list("state", flat=True)) == [
        OnlineState.REFUSED,
        OnlineState.INITIATED,
    ]


def test_it_asks_the_provider_about_the_pending_operation_before_opening_another(
    town: Town,
    family: Family,
    parent: User,
    client_for: Callable[[User], Client],
    invoice_for: Any,
    frozen_clock: Any,
) -> None:
    invoice = invoice_for(family, "42.00")
    client = client_for(parent)
    start(client, town, invoice)
    # Paid at the provider, the tab closed before it called back: no notification yet.
    SimulatedOperation.objects.update(result="P")
    refused = start(client, town, invoice)
    assert refused["Location"].endswith("/factures/")
    assert "Cette facture est déjà réglée." in client.get(refused["Location"]).content.decode()
    assert OnlinePayment.objects.get().state == OnlineState.PAID
    assert Payment.objects.filter(family=family).count() == 1


def test_a_pending_operation_stops_blocking_after_its_time_and_a_late_payment_becomes_credit(
    town: Town,
    family: Family,
    parent: User,
    client_for: Callable[[User], Client],
    invoice_for: Any,
    frozen_clock: Any,
    settings: Any,
) -> None:
    settings.ONLINE_PAYMENT_PENDING_MINUTES = 20
    invoice = invoice_for(family, "258.40")
    client = client_for(parent)
    first = start(client, town, invoice)
    # While the provider's page still takes it (15 minutes), the parent is sent back to it…
    frozen_clock.shift(datetime.timedelta(minutes=14))
    assert start(client, town, invoice)["Location"] == first["Location"]
    # …then, until the operation's 20 minutes are over, a payment may still be under way there: refused.
    frozen_clock.shift(datetime.timedelta(minutes=2))
    refused = start(client, town, invoice)
    assert refused["Location"].endswith("/factures/")
    assert "réessayez à partir de 11h20" in client.get(refused["Location"]).content.decode()
    assert OnlinePayment.objects.count() == 1
    frozen_clock.shift(datetime.timedelta(minutes=4))
    second = start(client, town, invoice)
    assert second["Location"] != first["Location"]
    old, new = OnlinePayment.objects.order_by("pk")
    assert (old.state, new.state) == (OnlineState.SUPERSEDED, OnlineState.INITIATED)
    assert AuditEntry.objects.filter(action="online_payment.supersede", object_id=old.pk).exists()
    pay_in_simulator(client, second["Location"])
    assert invoice_summary(invoice).status == "paid"
    # The old operation's page was still open, and the provider took the money there: it is not lost.
    page = pay_in_simulator(client, first["Location"]).content.decode()
    assert "Paiement accepté" in page
    old.refresh_from_db()
    assert old.state == OnlineState.PAID
    assert Payment.objects.filter(family=family).count() == 2
    assert invoice_summary(invoice).paid == D("258.40")
    assert family_balance(family) == D("-258.40")


def test_it_keeps_one_payfip_operation_per_invoice(
    town: Town,
    family: Family,
    parent: User,
    client_for: Callable[[User], Client],
    payfip: FakePayFiP,
    invoice_for: Any,
    frozen_clock: Any,
) -> None:
    invoice = invoice_for(family, "258.40")
    client = client_for(parent)
    first = start(client, town, invoice)
    again = start(client, town, invoice)
    online = OnlinePayment.objects.get()
    assert first["Location"] == again["Location"] == f"https://www.payfip.gouv.fr/tpa/paiementws.web?idop={online.idop}"
    assert len(payfip.calls_of("creerPaiementSecurise")) == 1
    # PayFiP was asked about the operation before the parent was sent back to it.
    assert payfip.calls_of("recupererDetailPaiementSecurise") == [{"idOp": online.idop}]


def test_the_database_refuses_two_pending_operations_for_one_reference(
    town: Town, family: Family, invoice_for: Any
) -> None:
    invoice = invoice_for(family, "42.00")

    def pending() -> OnlinePayment:
        return OnlinePayment.objects.create(
            town=town, invoice=invoice, family=family, provider="simulator", amount=D("42.00"), reference="R1"
        )

    pending()
    with pytest.raises(IntegrityError), transaction.atomic():
        pending()
    OnlinePayment.objects.update(state=OnlineState.SUPERSEDED, updated_at=timezone.now())
    pending()
    assert OnlinePayment.objects.count() == 2
