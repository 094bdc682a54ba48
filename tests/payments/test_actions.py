"""Staff-recorded payments: numbering, allocation oldest first, surplus credit, re-allocation, refunds, slips."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.billing.balance import family_balance
from ardoise.billing.models import CreditNote, Invoice, PaymentAllocation
from ardoise.billing.statements import invoice_summary, statement
from ardoise.families.models import Family
from ardoise.payments import actions
from ardoise.payments.models import DepositSlipEntry, Refund
from ardoise.towns.models import Town
from tests.factories import FamilyFactory

D = Decimal
DAY = datetime.date(2027, 3, 9)


def pay(family: Family, amount: str, actor: User | None = None, method: str = "cheque", **kwargs: object):  # type: ignore[no-untyped-def]
    return actions.record_payment(
        family,
        actor,
        method=method,
        received_on=kwargs.pop("on", DAY),
        amount=D(amount),
        **kwargs,  # type: ignore[arg-type]
    )


def allocations_of(payment: object) -> list[tuple[str, Decimal]]:
    return [
        (allocation.invoice.number, allocation.amount)
        for allocation in PaymentAllocation.objects.filter(payment=payment)
        .select_related("invoice")
        .order_by("invoice__issued_on")
    ]


def test_it_settles_the_oldest_invoices_first(
    family: Family, finance_agent: User, invoice_for: Callable[..., Invoice]
) -> None:
    newer = invoice_for(family, "50.00", datetime.date(2027, 2, 28))
    older = invoice_for(family, "30.00", datetime.date(2027, 1, 31))
    payment = pay(family, "40.00", finance_agent, reference="1234567", bank="Banque Postale")
    assert allocations_of(payment) == [(older.number, D("30.00")), (newer.number, D("10.00"))]
    assert invoice_summary(older).status == "paid"
    assert invoice_summary(newer).remaining == D("40.00")
    assert family_balance(family) == D("40.00")
    entry = AuditEntry.objects.get(action="payment.record")
    assert entry.actor == finance_agent
    assert payment.number in entry.summary


def test_it_keeps_a_surplus_as_credit(family: Family, invoice_for: Callable[..., Invoice]) -> None:
    invoice = invoice_for(family, "20.00")
    payment = pay(family, "50.00")
    assert allocations_of(payment) == [(invoice.number, D("20.00"))]
    assert family_balance(family) == D("-30.00")


def test_it_numbers_payments_without_gaps_per_year(family: Family) -> None:
    numbers = [pay(family, "1.00").number for _ in range(3)]
    assert numbers == ["R2027-000001", "R2027-000002", "R2027-000003"]
    assert pay(family, "1.00", on=datetime.date(2028, 1, 3)).number == "R2028-000001"


@pytest.mark.parametrize("amount", ["0", "-5", "10.001"])
def test_it_refuses_an_amount_not_positive_or_with_more_than_two_decimals(family: Family, amount: str) -> None:
    with pytest.raises(actions.PaymentRefused):
        pay(family, amount)
    assert not family.payments.exists()


def test_it_refuses_a_method_staff_do_not_record(family: Family) -> None:
    with pytest.raises(actions.PaymentRefused):
        pay(family, "10.00", method="card")


def test_it_reallocates_the_credit_to_a_later_invoice(
    family: Family, finance_agent: User, invoice_for: Callable[..., Invoice]
) -> None:
    payment = pay(family, "25.00")
    assert allocations_of(payment) == []
    invoice = invoice_for(family, "20.00", datetime.date(2027, 3, 31))
    actions.reallocate(payment, finance_agent)
    assert allocations_of(payment) == [(invoice.number, D("20.00"))]
    entry = AuditEntry.objects.get(action="payment.reallocate")
    assert entry.changes["allocations"] == [{}, {str(invoice.pk): "20.00"}]


def test_it_moves_a_payment_to_a_chosen_invoice(
    family: Family, finance_agent: User, invoice_for: Callable[..., Invoice]
) -> None:
    older = invoice_for(family, "30.00", datetime.date(2027, 1, 31))
    newer = invoice_for(family, "30.00", datetime.date(2027, 2, 28))
    payment = pay(family, "30.00")
    assert allocations_of(payment) == [(older.number, D("30.00"))]
    actions.reallocate(payment, finance_agent, newer)
    assert allocations_of(payment) == [(newer.number, D("30.00"))]
    assert invoice_summary(older).status == "unpaid"


def test_it_refuses_to_move_a_payment_to_another_familys_invoice(
    family: Family, town: Town, invoice_for: Callable[..., Invoice]
) -> None:
    payment = pay(family, "30.00")
    other = invoice_for(FamilyFactory(town=town), "30.00")
    with pytest.raises(actions.PaymentRefused):
        actions.reallocate(payment, None, other)


def test_it_does_not_allocate_credit_already_refunded(family: Family, invoice_for: Callable[..., Invoice]) -> None:
    payment = pay(family, "30.00")
    actions.refund(family, None, amount=D("30.00"), refunded_on=DAY, method="transfer", reason="Départ de la commune")
    invoice_for(family, "20.00", datetime.date(2027, 3, 31))
    actions.reallocate(payment, None)
    assert allocations_of(payment) == []
    assert family_balance(family) == D("20.00")


# Refunds


def test_it_refunds_at_most_the_credit(
    family: Family, finance_agent: User, invoice_for: Callable[..., Invoice]
) -> None:
    invoice_for(family, "10.00")
    pay(family, "25.00")
    with pytest.raises(actions.PaymentRefused, match=r"15\.00"):
        actions.refund(
            family, finance_agent, amount=D("15.01"), refunded_on=DAY, method="transfer", reason="Trop-perçu"
        )
    refund = actions.refund(
        family, finance_agent, amount=D("15.00"), refunded_on=DAY, method="transfer", reason="Trop-perçu"
    )
    assert refund.number == "RB2027-000001"
    assert family_balance(family) == D("0.00")
    assert AuditEntry.objects.get(action="refund.create").actor == finance_agent
    with pytest.raises(actions.PaymentRefused):
        actions.refund(family, finance_agent, amount=D("0.01"), refunded_on=DAY, method="transfer", reason="Encore")


def test_it_refuses_a_refund_without_reason_or_with_a_bad_amount(family: Family) -> None:
    pay(family, "25.00")
    with pytest.raises(actions.PaymentRefused):
        actions.refund(family, None, amount=D("5.00"), refunded_on=DAY, method="transfer", reason="  ")
    with pytest.raises(actions.PaymentRefused):
        actions.refund(family, None, amount=D("-5.00"), refunded_on=DAY, method="transfer", reason="x")
    assert not Refund.objects.exists()


def test_it_shows_a_refund_as_a_debit_on_the_statement(family: Family, invoice_for: Callable[..., Invoice]) -> None:
    invoice = invoice_for(family, "10.00", datetime.date(2027, 1, 31))
    CreditNote.objects.create(town=family.town, invoice=invoice, number="AV-1", issued_on=DAY, amount=D("4.00"))
    pay(family, "20.00", on=datetime.date(2027, 2, 1))
    actions.refund(family, None, amount=D("14.00"), refunded_on=DAY, method="cheque", reason="Trop-perçu")
    relevé = statement(family, 2026)
    refund_line = relevé.operations[-1]
    assert (refund_line.kind, refund_line.debit, refund_line.credit) == ("refund", D("14.00"), D("0.00"))
    assert refund_line.label == "Remboursement : Chèque du Trésor public"
    assert relevé.balance == D("0.00") == family_balance(family)
    assert family_balance(family, before=DAY) == D("-10.00")


# Deposit slips


def test_it_groups_unbanked_cheques_on_a_slip_with_their_total(family: Family, town: Town, finance_agent: User) -> None:
    first = pay(family, "12.50")
    second = pay(FamilyFactory(town=town), "40.00")
    cash = pay(family, "5.00", method="cash")
    assert actions.unbanked_payments(town, "cheque") == [first, second]
    slip = actions.create_deposit_slip(
        town, finance_agent, method="cheque", payment_ids=[first.pk, second.pk], deposited_on=DAY
    )
    assert (slip.number, slip.total) == ("B2027-000001", D("52.50"))
    assert actions.unbanked_payments(town, "cheque") == []
    assert actions.unbanked_payments(town, "cash") == [cash]
    assert AuditEntry.objects.get(action="deposit_slip.create").actor == finance_agent
    with pytest.raises(actions.PaymentRefused):
        actions.create_deposit_slip(town, finance_agent, method="cheque", payment_ids=[first.pk], deposited_on=DAY)
    with pytest.raises(actions.PaymentRefused):
        actions.create_deposit_slip(town, finance_agent, method="cheque", payment_ids=[cash.pk], deposited_on=DAY)
    with pytest.raises(actions.PaymentRefused):
        actions.create_deposit_slip(town, finance_agent, method="cheque", payment_ids=[], deposited_on=DAY)
    assert DepositSlipEntry.objects.count() == 2


def test_it_does_not_put_another_towns_payment_on_a_slip(family: Family, other_town: Town) -> None:
    payment = pay(family, "12.50")
    with pytest.raises(actions.PaymentRefused):
        actions.create_deposit_slip(other_town, None, method="cheque", payment_ids=[payment.pk], deposited_on=DAY)


@pytest.mark.usefixtures("immediate_tasks")
def test_it_tells_the_family_what_its_payment_settled(
    family: Family, parent: User, invoice_for: Callable[..., Invoice], django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    older = invoice_for(family, "30.00", datetime.date(2027, 1, 31))
    with django_capture_on_commit_callbacks(execute=True):
        pay(family, "45.00")
    [message] = mail.outbox
    assert message.to == [parent.email]
    assert "45,00" in message.subject
    assert f"facture {older.number} : 30,00" in message.body
    assert "Le reste, 15,00\u00a0€, est porté à votre crédit" in message.body
