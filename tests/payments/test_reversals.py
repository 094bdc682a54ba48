"""Cancelling a payment that never came through (bounced cheque, rejected debit, entry error),
and credit settling invoices issued later."""

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.billing.balance import family_balance
from ardoise.billing.models import Invoice, PaymentAllocation
from ardoise.billing.statements import invoice_summary, last_movements, statement
from ardoise.families.models import Family
from ardoise.payments import actions
from ardoise.payments.models import DepositMethod, PaymentReversal, ReversalReason
from tests.factories import FamilyFactory
from tests.payments.test_actions import allocations_of, pay

D = Decimal
DAY = datetime.date(2027, 3, 9)


def reverse(payment, actor: User | None = None, on: datetime.date = DAY, reason: str = ReversalReason.BOUNCED_CHEQUE):  # type: ignore[no-untyped-def]
    return actions.reverse_payment(payment, actor, reason=reason, reversed_on=on, detail="Retour banque")


def test_it_reopens_the_invoice_a_bounced_cheque_had_settled(
    family: Family, finance_agent: User, invoice_for: Callable[..., Invoice]
) -> None:
    invoice = invoice_for(family, "60.00")
    cheque = pay(family, "60.00", finance_agent)
    assert invoice_summary(invoice).status == "paid"

    reversal = reverse(cheque, finance_agent)

    assert reversal.number == "AN2027-000001"
    assert reversal.amount == D("60.00")
    assert invoice_summary(invoice).remaining == D("60.00")
    assert family_balance(family) == D("60.00")
    # The payment itself is untouched: the reversal is an operation of its own.
    cheque.refresh_from_db()
    assert cheque.amount == D("60.00")
    entry = AuditEntry.objects.get(action="payment.reverse")
    assert entry.actor == finance_agent
    assert cheque.number in entry.summary


def test_it_shows_the_reversal_as_a_debit_on_the_statement(
    family: Family, finance_agent: User, invoice_for: Callable[..., Invoice]
) -> None:
    invoice_for(family, "60.00", datetime.date(2027, 1, 31))
    cheque = pay(family, "60.00", finance_agent, on=datetime.date(2027, 2, 3))
    reverse(cheque, finance_agent, on=datetime.date(2027, 2, 10))

    year = statement(family, 2026)
    labels = [(operation.kind, operation.debit, operation.credit, operation.balance) for operation in year.operations]
    assert labels == [
        ("invoice", D("60.00"), D("0.00"), D("60.00")),
        ("payment", D("0.00"), D("60.00"), D("0.00")),
        ("reversal", D("60.00"), D("0.00"), D("60.00")),
    ]
    assert year.operations[-1].label == f"Chèque impayé : règlement {cheque.number}"
    assert year.balance == family_balance(family) == D("60.00")
    assert last_movements(family, 1)[0].kind == "reversal"
    assert last_movements(family, 1)[0].balance == D("60.00")


def test_it_settles_the_reopened_invoice_with_the_credit_left(
    family: Family, finance_agent: User, invoice_for: Callable[..., Invoice]
) -> None:
    invoice = invoice_for(family, "50.00")
    cheque = pay(family, "50.00", finance_agent)
    cash = pay(family, "30.00", finance_agent, method="cash")
    assert allocations_of(cash) == []

    reverse(cheque, finance_agent)

    assert allocations_of(cash) == [(invoice.number, D("30.00"))]
    assert invoice_summary(invoice).remaining == D("20.00")
    assert family_balance(family) == D("20.00")


def test_it_refuses_to_reverse_a_payment_twice(family: Family, invoice_for: Callable[..., Invoice]) -> None:
    invoice_for(family, "60.00")
    cheque = pay(family, "60.00")
    reverse(cheque)
    with pytest.raises(actions.PaymentRefused, match="déjà annulé"):
        reverse(cheque)
    assert PaymentReversal.objects.count() == 1
    assert family_balance(family) == D("60.00")


@pytest.mark.parametrize(
    ("reason", "on", "message"),
    [
        ("lost", DAY, "Motif d'annulation inconnu"),
        (ReversalReason.ENTRY_ERROR, DAY - datetime.timedelta(days=1), "ne peut pas précéder"),
    ],
)
def test_it_refuses_a_reversal_that_makes_no_sense_and_changes_nothing(
    family: Family, invoice_for: Callable[..., Invoice], reason: str, on: datetime.date, message: str
) -> None:
    invoice = invoice_for(family, "60.00")
    cheque = pay(family, "60.00")
    with pytest.raises(actions.PaymentRefused, match=message):
        reverse(cheque, on=on, reason=reason)
    assert not PaymentReversal.objects.exists()
    assert invoice_summary(invoice).status == "paid"
    assert family_balance(family) == D("0.00")


def test_a_reversed_payment_is_never_allocated_again_nor_banked(
    family: Family, finance_agent: User, invoice_for: Callable[..., Invoice]
) -> None:
    cheque = pay(family, "60.00", finance_agent)
    reverse(cheque, finance_agent)
    later = invoice_for(family, "40.00", datetime.date(2027, 3, 31))

    with pytest.raises(actions.PaymentRefused, match="annulé"):
        actions.reallocate(cheque, finance_agent, invoice=later)
    assert invoice_summary(later).remaining == D("40.00")
    assert cheque not in actions.unbanked_payments(family.town, DepositMethod.CHEQUE)
    with pytest.raises(actions.PaymentRefused):
        actions.create_deposit_slip(
            family.town, finance_agent, method=DepositMethod.CHEQUE, payment_ids=[cheque.pk], deposited_on=DAY
        )


def test_a_refunded_credit_then_bounced_leaves_the_family_owing_it(
    family: Family, finance_agent: User, invoice_for: Callable[..., Invoice]
) -> None:
    cheque = pay(family, "25.00", finance_agent)
    actions.refund(
        family, finance_agent, amount=D("25.00"), refunded_on=DAY, method="transfer", reason="Départ de la commune"
    )
    reverse(cheque, finance_agent)
    assert family_balance(family) == D("25.00")
    assert actions.free_credit(family) == D("-25.00")


def test_credit_settles_an_invoice_issued_later(
    family: Family, finance_agent: User, invoice_for: Callable[..., Invoice]
) -> None:
    advance = pay(family, "100.00", finance_agent)
    invoice = invoice_for(family, "70.00", datetime.date(2027, 3, 31))
    assert invoice_summary(invoice).remaining == D("70.00")

    settled = actions.settle_open_invoices(family)

    assert [(allocation.payment_id, allocation.amount) for allocation in settled] == [(advance.pk, D("70.00"))]
    assert invoice_summary(invoice).status == "paid"
    assert actions.free_credit(family) == D("30.00")
    assert family_balance(family) == D("-30.00")
    # Nothing more to do: a second call allocates nothing.
    assert actions.settle_open_invoices(family) == []
    assert PaymentAllocation.objects.filter(invoice=invoice).count() == 1


def test_it_lists_the_families_with_credit_in_a_few_queries(
    family: Family, finance_agent: User, invoice_for: Callable[..., Invoice], django_assert_num_queries
) -> None:
    settled, refunded, bounced = (FamilyFactory(town=family.town) for _ in range(3))
    invoice_for(settled, "20.00")
    pay(settled, "20.00")
    pay(family, "15.00")  # nothing to settle: all credit
    pay(refunded, "10.00")
    actions.refund(refunded, None, amount=D("10.00"), refunded_on=DAY, method="transfer", reason="Départ")
    reverse(pay(bounced, "30.00"))

    with django_assert_num_queries(3):
        assert actions.families_with_credit(family.town_id) == {family.pk}
