"""Overdue invoices, the reminder schedule (first, second, once each) and the unpaid export."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from ardoise.accounts.models import User
from ardoise.billing import reminders, runs
from ardoise.billing.models import CreditNote, Invoice, Payment, PaymentAllocation, Reminder
from ardoise.families.models import Family
from ardoise.towns.models import Town

D = Decimal
BASE = "https://ardoise.example.test/"
DUE = datetime.date(2027, 4, 30)


def make_invoice(family: Family, number: str, total: str, due_on: datetime.date = DUE) -> Invoice:
    return Invoice.objects.create(
        town=family.town,
        family=family,
        number=number,
        issued_on=due_on - datetime.timedelta(days=30),
        due_on=due_on,
        period_start=datetime.date(2027, 3, 1),
        period_end=datetime.date(2027, 3, 31),
        total=D(total),
        payer_name="DUPONT Marie",
        payer_address="3 rue des Lilas\n00000 =Saint-Exemple",
    )


def send(town: Town, actor: User, today: datetime.date) -> list[Reminder]:
    return reminders.send_due_reminders(town, actor, today=today, settings=runs.billing_settings(town), base_url=BASE)


@pytest.mark.usefixtures("immediate_tasks")
def test_it_sends_the_first_then_the_second_reminder_on_schedule_once_each(
    town: Town, family: Family, parent: User, finance_agent: User, django_capture_on_commit_callbacks: object
) -> None:
    invoice = make_invoice(family, "2027-000010", "40.00")
    settings = runs.billing_settings(town)
    assert (settings.first_reminder_days, settings.second_reminder_days) == (15, 45)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert send(town, finance_agent, DUE + datetime.timedelta(days=14)) == []
        [first] = send(town, finance_agent, DUE + datetime.timedelta(days=15))
        assert send(town, finance_agent, DUE + datetime.timedelta(days=30)) == []
        [second] = send(town, finance_agent, DUE + datetime.timedelta(days=45))
        assert send(town, finance_agent, DUE + datetime.timedelta(days=90)) == []
    assert (first.level, second.level) == (1, 2)
    assert first.remaining == D("40.00")
    assert [message.to for message in mail.outbox] == [["marie.dupont@example.test"]] * 2
    assert "rappel, facture 2027-000010" in mail.outbox[0].subject
    assert "second rappel" in mail.outbox[1].subject
    assert "40,00" in mail.outbox[0].body
    overdue = reminders.overdue_invoices(town, DUE + datetime.timedelta(days=90), settings)
    assert [(item.invoice, item.reminded, item.due_level) for item in overdue] == [(invoice, 2, None)]


def test_it_follows_the_town_schedule(town: Town, family: Family, finance_agent: User) -> None:
    make_invoice(family, "2027-000010", "40.00")
    settings = runs.billing_settings(town)
    settings.first_reminder_days, settings.second_reminder_days = 5, 10
    settings.save()
    assert len(send(town, finance_agent, DUE + datetime.timedelta(days=5))) == 1
    assert len(send(town, finance_agent, DUE + datetime.timedelta(days=10))) == 1


def test_it_leaves_out_paid_credited_and_not_yet_due_invoices(town: Town, family: Family) -> None:
    paid = make_invoice(family, "2027-000001", "10.00")
    credited = make_invoice(family, "2027-000002", "10.00")
    make_invoice(family, "2027-000003", "10.00", due_on=DUE + datetime.timedelta(days=60))
    partly = make_invoice(family, "2027-000004", "10.07")
    cheque = Payment.objects.create(
        town=town, family=family, number="R-1", method="cheque", received_on=DUE, amount=D("10.06")
    )
    PaymentAllocation.objects.create(town=town, payment=cheque, invoice=paid, amount=D("10.00"))
    PaymentAllocation.objects.create(town=town, payment=cheque, invoice=partly, amount=D("0.06"))
    CreditNote.objects.create(town=town, invoice=credited, number="AV-1", issued_on=DUE, amount=D("10.00"), reason="x")
    today = DUE + datetime.timedelta(days=20)
    overdue = reminders.overdue_invoices(town, today, runs.billing_settings(town))
    assert [(item.invoice.number, item.remaining, item.days_late) for item in overdue] == [
        ("2027-000004", D("10.01"), 20)
    ]


def test_it_exports_unpaid_invoices_for_the_treasury(town: Town, family: Family) -> None:
    make_invoice(family, "2027-000010", "40.50")
    overdue = reminders.overdue_invoices(town, DUE + datetime.timedelta(days=3), runs.billing_settings(town))
    lines = reminders.unpaid_csv(overdue).splitlines()
    assert lines[0].startswith("numero_facture;date_facture;date_echeance")
    assert (
        lines[1]
        == "2027-000010;2027-03-31;2027-04-30;3;1;DUPONT Marie;3 rue des Lilas 00000 =Saint-Exemple;40,50;40,50;0"
    )


def test_it_never_lets_a_spreadsheet_run_a_payer_name(town: Town, family: Family) -> None:
    invoice = make_invoice(family, "2027-000010", "1.00")
    Invoice.objects.filter(pk=invoice.pk).update(payer_name="=HYPERLINK(1)")
    overdue = reminders.overdue_invoices(town, DUE + datetime.timedelta(days=3), runs.billing_settings(town))
    assert ";'=HYPERLINK(1);" in reminders.unpaid_csv(overdue)
