"""An invoice handed over to the comptable public is paid at the Trésor public: the régie takes no more money for it."""

import datetime
from decimal import Decimal
from typing import Any

import pytest

from ardoise.activities.models import Activity
from ardoise.billing import reminders, statements
from ardoise.billing.models import BillingSettings, Invoice, PaymentAllocation
from ardoise.directdebit import actions as direct_debit
from ardoise.families.models import Family
from ardoise.payments import actions as payments
from ardoise.payments.models import OnlinePayment, ProviderConfig, ProviderKind
from ardoise.towns.models import Town
from ardoise.treasury import actions
from tests.directdebit.conftest import sign_mandate
from tests.treasury.conftest import make_invoice

TODAY = datetime.date(2027, 3, 10)


@pytest.fixture
def handed_over(
    town: Town, family: Family, parent: Any, treasury_settings: Any, product_codes: Any, canteen: Activity
) -> Invoice:
    invoice = make_invoice(family, [(canteen, 10, "3.50")], issued_on=datetime.date(2027, 1, 31))
    actions.hand_over(town, None, year=2027, month=1, today=TODAY)
    invoice.refresh_from_db()
    assert invoice.handed_over_at is not None
    return invoice


def test_a_desk_payment_skips_it_and_settles_the_next_invoice(
    family: Family, handed_over: Invoice, canteen: Activity, finance_agent: Any
) -> None:
    later = make_invoice(family, [(canteen, 2, "3.50")])

    payments.record_payment(
        family, finance_agent, method="cash", received_on=TODAY, amount=Decimal("50.00"), reference=""
    )

    assert not PaymentAllocation.objects.filter(invoice=handed_over).exists()
    assert PaymentAllocation.objects.get(invoice=later).amount == Decimal("7.00")
    # The rest stays as the family's credit.
    assert payments.free_credit(family) == Decimal("43.00")


def test_online_payment_refuses_it(town: Town, handed_over: Invoice) -> None:
    ProviderConfig.objects.create(town=town, provider=ProviderKind.SIMULATOR)

    with pytest.raises(payments.PaymentRefused) as refused:
        payments.start_online_payment(handed_over, "marie@example.test", lambda name, online: "http://x/")

    assert "Trésor public" in refused.value.message
    assert not OnlinePayment.objects.filter(town=town).exists()


def test_a_payment_cannot_be_reallocated_to_it(family: Family, handed_over: Invoice, finance_agent: Any) -> None:
    payment = payments.record_payment(
        family, finance_agent, method="cash", received_on=TODAY, amount=Decimal("5.00"), reference=""
    )

    with pytest.raises(payments.PaymentRefused):
        payments.reallocate(payment, finance_agent, invoice=handed_over)

    assert not PaymentAllocation.objects.filter(invoice=handed_over).exists()


def test_direct_debit_plans_skip_it(town: Town, family: Family, handed_over: Invoice) -> None:
    sign_mandate(family)

    assert direct_debit.plan(town, datetime.date(2027, 3, 31)) == []


def test_reminders_skip_it(town: Town, handed_over: Invoice) -> None:
    settings = BillingSettings(town=town)

    assert reminders.overdue_invoices(town, datetime.date(2027, 6, 1), settings) == []


def test_summaries_and_statements_say_so(family: Family, handed_over: Invoice) -> None:
    [summary] = statements.invoice_summaries(family)
    assert summary.handed_over
    [operation] = statements.last_movements(family)
    assert operation.handed_over
    assert "Trésor public" in operation.label
