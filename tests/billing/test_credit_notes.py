"""Credit notes (avoirs): bounded by what is not credited yet, numbered without gaps, audited."""

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.billing import actions, runs
from ardoise.billing.balance import family_balance
from ardoise.billing.models import CreditNote, Invoice, InvoicingRun, PaymentAllocation
from ardoise.billing.statements import InvoiceStatus, invoice_summary
from ardoise.families.models import Child
from ardoise.payments.actions import record_payment, refund
from ardoise.towns.models import Town
from tests.billing.conftest import Book

D = Decimal
TODAY = datetime.date(2027, 3, 9)
pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def invoice(
    town: Town, children: list[Child], meals: Activity, book: Book, march_run: Callable[..., InvoicingRun]
) -> Invoice:
    for n in (8, 9, 11, 12):
        book(children[0], meals, n)
    [issued] = runs.issue_run(march_run(town, meals), None).invoices
    assert issued.total == D("10.00")
    return issued


def test_it_credits_an_invoice_in_parts_up_to_its_total(invoice: Invoice, finance_agent: User) -> None:
    first = actions.issue_credit_note(invoice, "2.50", "Grève du 9 mars", actor=finance_agent)
    assert first.number == "AV-2027-000001"
    assert actions.uncredited(invoice) == D("7.50")
    with pytest.raises(actions.CreditNoteRefused, match="7,50"):
        actions.issue_credit_note(invoice, "7.51", "Trop", actor=finance_agent)
    second = actions.issue_credit_note(invoice, D("7.50"), "Annulation", actor=finance_agent)
    assert second.number.endswith("-000002")
    assert invoice_summary(invoice).status == InvoiceStatus.CANCELLED
    with pytest.raises(actions.CreditNoteRefused):
        actions.issue_credit_note(invoice, "0.01", "Encore", actor=finance_agent)
    # The invoice itself never changed.
    assert Invoice.objects.get(pk=invoice.pk).total == D("10.00")
    entry = AuditEntry.objects.get(action="credit_note.issue", object_id=first.pk)
    assert entry.actor == finance_agent
    assert "Grève du 9 mars" in entry.summary


@pytest.mark.parametrize("amount", ["0", "-1", "abc", "1.005", "NaN", "Infinity"])
def test_it_refuses_amounts_that_are_not_positive_euros(invoice: Invoice, finance_agent: User, amount: str) -> None:
    with pytest.raises(actions.CreditNoteRefused):
        actions.issue_credit_note(invoice, amount, "Motif", actor=finance_agent)
    assert not CreditNote.objects.exists()


def test_it_requires_a_reason(invoice: Invoice, finance_agent: User) -> None:
    with pytest.raises(actions.CreditNoteRefused, match="motif"):
        actions.issue_credit_note(invoice, "1.00", "   ", actor=finance_agent)
    assert not CreditNote.objects.exists()


def test_it_gives_back_as_credit_what_was_paid_beyond_a_credited_invoice(invoice: Invoice, finance_agent: User) -> None:
    """Found by tests/money: a credit note on a paid invoice left the whole payment on it; once the credit
    was refunded, the next payment settled only part of the next invoice, which showed money still due
    (and payable online again) while the family owed nothing."""
    family = invoice.family
    payment = record_payment(family, finance_agent, method="cheque", received_on=TODAY, amount=D("10.00"))
    actions.issue_credit_note(invoice, "4.00", "Grève du 9 mars", actor=finance_agent)

    summary = invoice_summary(invoice)
    assert (summary.paid, summary.remaining, summary.status) == (D("6.00"), D("0.00"), InvoiceStatus.PAID)
    assert family_balance(family) == D("-4.00")
    entry = AuditEntry.objects.get(action="credit_note.issue")
    assert entry.changes["released"] == {str(payment.pk): "4.00"}

    refund(family, finance_agent, amount=D("4.00"), refunded_on=TODAY, method="transfer", reason="Avoir")
    later = Invoice.objects.create(
        town=family.town,
        family=family,
        number="2027-000900",
        issued_on=TODAY,
        due_on=TODAY,
        period_start=TODAY,
        period_end=TODAY,
        total=D("5.00"),
        payer_name=family.name,
    )
    record_payment(family, finance_agent, method="cash", received_on=TODAY, amount=D("5.00"))
    assert invoice_summary(later).status == InvoiceStatus.PAID
    assert family_balance(family) == D("0.00")


def test_it_releases_the_latest_payment_first_and_refunds_only_the_credit(
    invoice: Invoice, finance_agent: User
) -> None:
    family = invoice.family
    first = record_payment(family, finance_agent, method="cheque", received_on=TODAY, amount=D("6.00"))
    second = record_payment(family, finance_agent, method="cash", received_on=TODAY, amount=D("4.00"))
    actions.issue_credit_note(invoice, "10.00", "Annulation", actor=finance_agent)

    assert invoice_summary(invoice).status == InvoiceStatus.CANCELLED
    assert not PaymentAllocation.objects.filter(payment__in=[first, second]).exists()
    refund(family, finance_agent, amount=D("10.00"), refunded_on=TODAY, method="transfer", reason="Avoir")
    assert family_balance(family) == D("0.00")
