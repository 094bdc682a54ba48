"""Finance's payments pages: record, re-allocate, deposit slips (print, CSV), refunds, provider; who may see them."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.billing.models import Invoice, Payment
from ardoise.billing.statements import invoice_summary
from ardoise.families.models import Family
from ardoise.payments import actions
from ardoise.payments.models import ProviderConfig, Refund
from ardoise.towns.models import Town
from tests.factories import FamilyFactory

D = Decimal
DAY = datetime.date(2027, 3, 9)


def url(town: Town, name: str, *args: object) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


def test_it_records_a_cheque_for_a_family(
    town: Town, family: Family, finance_agent: User, client_for: Callable[[User], Client], invoice_for: Any
) -> None:
    invoice = invoice_for(family, "243.20")
    client = client_for(finance_agent)
    response = client.post(
        url(town, "payments"),
        {
            "family": "1",
            "method": "cheque",
            "amount": "243,20",
            "reference": "0001234",
            "bank": "CCM",
            "received_on": "2027-03-09",
        },
    )
    payment = Payment.objects.get()
    assert response["Location"] == url(town, "payment", payment.pk)
    assert (payment.amount, payment.recorded_by, payment.bank) == (D("243.20"), finance_agent, "CCM")
    assert invoice_summary(invoice).status == "paid"
    page = client.get(url(town, "payments")).content.decode()
    assert payment.number in page
    assert invoice.number in page


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount", "0"), ("amount", "12.345"), ("amount", "douze"), ("family", "999"), ("method", "card")],
)
def test_it_redisplays_a_wrong_payment_with_its_error(
    town: Town, family: Family, finance_agent: User, client_for: Callable[[User], Client], field: str, value: str
) -> None:
    data = {"family": "1", "method": "cheque", "amount": "10", "received_on": "2027-03-09", field: value}
    response = client_for(finance_agent).post(url(town, "payments"), data)
    assert response.status_code == 422
    assert not Payment.objects.exists()


def test_it_lists_payments_in_a_constant_number_of_queries(
    town: Town,
    family: Family,
    finance_agent: User,
    client_for: Callable[[User], Client],
    invoice_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(finance_agent)
    invoice_for(family, "10.00")
    actions.record_payment(family, None, method="cheque", received_on=DAY, amount=D("5.00"))
    client.get(url(town, "payments"))
    with CaptureQueriesContext(connection) as one:
        client.get(url(town, "payments"))
    for _ in range(5):
        other = FamilyFactory(town=town)
        invoice_for(other, "10.00")
        actions.record_payment(other, None, method="cheque", received_on=DAY, amount=D("15.00"))
    with django_assert_max_num_queries(len(one)):
        client.get(url(town, "payments"))


def test_it_reallocates_a_payment_to_a_chosen_invoice(
    town: Town, family: Family, finance_agent: User, client_for: Callable[[User], Client], invoice_for: Any
) -> None:
    older = invoice_for(family, "30.00", datetime.date(2027, 1, 31))
    newer: Invoice = invoice_for(family, "30.00", datetime.date(2027, 2, 28))
    payment = actions.record_payment(family, None, method="cheque", received_on=DAY, amount=D("30.00"))
    client = client_for(finance_agent)
    assert newer.number in client.get(url(town, "payment", payment.pk)).content.decode()
    client.post(url(town, "payment", payment.pk), {"invoice": str(newer.pk)})
    assert invoice_summary(newer).status == "paid"
    assert invoice_summary(older).status == "unpaid"
    other = invoice_for(FamilyFactory(town=town), "30.00")
    client.post(url(town, "payment", payment.pk), {"invoice": str(other.pk)})
    client.post(url(town, "payment", payment.pk), {"invoice": "x"})
    assert invoice_summary(newer).status == "paid"
    assert AuditEntry.objects.filter(action="payment.reallocate").count() == 1


def test_it_never_lets_a_spreadsheet_run_a_bank_or_reference_in_the_slip_csv(
    town: Town, family: Family, finance_agent: User, client_for: Callable[[User], Client]
) -> None:
    payment = actions.record_payment(
        family, None, method="cheque", received_on=DAY, amount=D("12.50"), bank='=HYPERLINK("http://x","y")'
    )
    client = client_for(finance_agent)
    response = client.post(
        url(town, "deposit_slips"),
        {"method": "cheque", "payment": [payment.pk], "deposited_on": "2027-03-10"},
        follow=True,
    )
    slip_id = response.resolver_match.kwargs["slip_id"]
    lines = client.get(url(town, "deposit_slip_csv", slip_id)).content.decode().splitlines()
    assert ';"\'=HYPERLINK(""http://x"",""y"")";' in lines[1]
    assert lines[1].endswith(";12.50")


def test_it_makes_a_printable_deposit_slip_and_its_csv(
    town: Town, family: Family, finance_agent: User, client_for: Callable[[User], Client]
) -> None:
    first = actions.record_payment(family, None, method="cheque", received_on=DAY, amount=D("12.50"), bank="CCM")
    second = actions.record_payment(family, None, method="cheque", received_on=DAY, amount=D("7.50"))
    client = client_for(finance_agent)
    assert first.number in client.get(url(town, "deposit_slips")).content.decode()
    response = client.post(
        url(town, "deposit_slips"),
        {"method": "cheque", "payment": [first.pk, second.pk], "deposited_on": "2027-03-10"},
        follow=True,
    )
    page = response.content.decode()
    assert "B2027-000001" in page
    assert "20,00" in page
    assert "Imprimer" in page
    slip_id = response.resolver_match.kwargs["slip_id"]
    csv = client.get(url(town, "deposit_slip_csv", slip_id)).content.decode()
    assert csv.splitlines()[1].startswith(f"B2027-000001;2027-03-10;{first.number};2027-03-09;1;DUPONT;CCM;;12.50")
    assert csv.splitlines()[-1].endswith("TOTAL;;;;;;20.00")
    again = client.post(
        url(town, "deposit_slips"), {"method": "cheque", "payment": [first.pk], "deposited_on": "2027-03-10"}
    )
    assert again.status_code == 422
    assert client.post(url(town, "deposit_slips"), {"method": "cheque", "deposited_on": ""}).status_code == 422


def test_it_refunds_a_credit_and_refuses_more(
    town: Town, family: Family, finance_agent: User, client_for: Callable[[User], Client]
) -> None:
    actions.record_payment(family, None, method="cheque", received_on=DAY, amount=D("20.00"))
    client = client_for(finance_agent)
    data = {"family": "1", "amount": "20,01", "method": "transfer", "reason": "Trop-perçu", "refunded_on": "2027-03-10"}
    assert client.post(url(town, "refunds"), data).status_code == 422
    assert client.post(url(town, "refunds"), {**data, "amount": "20,00"}).status_code == 302
    assert Refund.objects.get().amount == D("20.00")
    assert "Trop-perçu" in client.get(url(town, "refunds")).content.decode()


def test_it_lets_the_administrator_choose_payfip(
    town: Town, town_admin: User, finance_agent: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(town_admin)
    page = url(town, "config_online_payment")
    assert client.post(page, {"provider": "payfip_ws", "numcli": "12", "saisie": "T"}).status_code == 422
    assert client.post(page, {"provider": "payfip_ws", "numcli": "123456", "saisie": "W"}).status_code == 302
    config = ProviderConfig.objects.get(town=town)
    assert (config.provider, config.numcli, config.saisie) == ("payfip_ws", "123456", "W")
    assert AuditEntry.objects.get(action="payments.provider").changes["provider"] == ["simulator", "payfip_ws"]
    assert client_for(finance_agent).get(page).status_code == 403


PAGES = [("payments", ()), ("deposit_slips", ()), ("refunds", ())]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_it_keeps_the_pages_to_finance_and_administrators(
    town: Town,
    family: Family,
    finance_agent: User,
    town_admin: User,
    front_desk: User,
    site_agent: User,
    kitchen_agent: User,
    parent: User,
    stranger: User,
    client_for: Callable[[User], Client],
    name: str,
    args: tuple[object, ...],
) -> None:
    for allowed in (finance_agent, town_admin):
        assert client_for(allowed).get(url(town, name, *args)).status_code == 200
    for refused in (front_desk, site_agent, kitchen_agent):
        assert client_for(refused).get(url(town, name, *args)).status_code == 403
        assert client_for(refused).post(url(town, name, *args), {"family": "1", "amount": "5"}).status_code == 403
    for outside in (parent, stranger):
        assert client_for(outside).get(url(town, name, *args)).status_code == 404
    assert not Payment.objects.exists()
    assert not Refund.objects.exists()


def test_it_answers_404_for_another_towns_payment_or_slip(
    town: Town, other_town: Town, finance_agent: User, client_for: Callable[[User], Client]
) -> None:
    elsewhere = FamilyFactory(town=other_town)
    payment = actions.record_payment(elsewhere, None, method="cheque", received_on=DAY, amount=D("5.00"))
    slip = actions.create_deposit_slip(other_town, None, method="cheque", payment_ids=[payment.pk], deposited_on=DAY)
    client = client_for(finance_agent)
    assert client.get(url(town, "payment", payment.pk)).status_code == 404
    assert client.post(url(town, "payment", payment.pk), {}).status_code == 404
    assert client.get(url(town, "deposit_slip", slip.pk)).status_code == 404
    assert client.get(url(town, "deposit_slip_csv", slip.pk)).status_code == 404
    assert client.post(url(town, "payment_reversal", payment.pk), {"reason": "bounced_cheque"}).status_code == 404


def test_it_cancels_a_bounced_cheque_and_the_invoice_is_due_again(
    town: Town, family: Family, finance_agent: User, client_for: Callable[[User], Client], invoice_for: Any
) -> None:
    invoice = invoice_for(family, "42.00")
    cheque = actions.record_payment(family, None, method="cheque", received_on=DAY, amount=D("42.00"))
    client = client_for(finance_agent)
    assert "Annuler ce règlement" in client.get(url(town, "payment", cheque.pk)).content.decode()

    response = client.post(
        url(town, "payment_reversal", cheque.pk),
        {"reason": "bounced_cheque", "reversed_on": "2027-03-12", "detail": "Lettre de la banque du 11/03"},
        follow=True,
    )

    page = response.content.decode()
    assert "annulé" in page
    assert "Chèque impayé" in page
    assert "Annuler ce règlement" not in page
    listed = client.get(url(town, "payments")).content.decode()
    assert "annulé" in listed
    assert invoice_summary(invoice).remaining == D("42.00")
    entry = AuditEntry.objects.get(action="payment.reverse")
    assert entry.actor == finance_agent
    # Re-allocating a cancelled payment is refused with a message, not an error page.
    refused = client.post(url(town, "payment", cheque.pk), {}, follow=True)
    assert refused.status_code == 200
    assert "Ce règlement a été annulé." in refused.content.decode()
    assert invoice_summary(invoice).remaining == D("42.00")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "lost", "reversed_on": "2027-03-12"}, "Sélectionnez un choix valide"),
        ({"reason": "entry_error", "reversed_on": "pas une date"}, "Saisissez une date valide"),
        ({"reason": "entry_error", "reversed_on": "2027-03-01"}, "ne peut pas précéder le règlement"),
    ],
)
def test_it_refuses_a_wrong_cancellation_and_changes_nothing(
    town: Town,
    family: Family,
    finance_agent: User,
    client_for: Callable[[User], Client],
    invoice_for: Any,
    data: dict[str, str],
    message: str,
) -> None:
    invoice = invoice_for(family, "42.00")
    cheque = actions.record_payment(family, None, method="cheque", received_on=DAY, amount=D("42.00"))
    response = client_for(finance_agent).post(url(town, "payment_reversal", cheque.pk), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert invoice_summary(invoice).status == "paid"
    assert not AuditEntry.objects.filter(action="payment.reverse").exists()


def test_it_lets_only_finance_and_administrators_cancel_a_payment(
    town: Town, family: Family, front_desk: User, site_agent: User, client_for: Callable[[User], Client]
) -> None:
    cheque = actions.record_payment(family, None, method="cheque", received_on=DAY, amount=D("42.00"))
    data = {"reason": "entry_error", "reversed_on": "2027-03-12"}
    assert client_for(front_desk).post(url(town, "payment_reversal", cheque.pk), data).status_code == 403
    assert client_for(site_agent).post(url(town, "payment_reversal", cheque.pk), data).status_code == 403
    assert client_for(front_desk).get(url(town, "payment_reversal", cheque.pk)).status_code in (403, 405)
