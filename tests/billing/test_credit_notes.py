"""Credit notes (avoirs): bounded by what is not credited yet, numbered without gaps, audited."""

from collections.abc import Callable
from decimal import Decimal

import pytest

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.billing import actions, runs
from ardoise.billing.models import CreditNote, Invoice, InvoicingRun
from ardoise.billing.statements import InvoiceStatus, invoice_summary
from ardoise.families.models import Child
from ardoise.towns.models import Town
from tests.billing.conftest import Book

D = Decimal
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
