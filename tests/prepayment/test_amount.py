"""What a basket asks: cost + restant dû − credit, never below zero; the family's position."""

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ardoise.billing.models import Payment, PaymentMethod
from ardoise.bookings.models import BookingState
from ardoise.prepayment.actions import Quote, amount_to_pay, position
from tests.factories import BookingFactory
from tests.moment import NEXT_MONDAY
from tests.payments.conftest import make_invoice

D = Decimal
money = st.decimals(min_value=D("-5000"), max_value=D("5000"), places=2)
costs = st.decimals(min_value=D("0"), max_value=D("5000"), places=2)


@given(cost=costs, family_position=money)
def test_it_asks_the_cost_plus_what_is_due_less_the_credit_never_below_zero(cost, family_position) -> None:
    amount = amount_to_pay(cost, family_position)
    quote = Quote(cost, family_position)
    assert amount >= 0
    assert amount == quote.amount
    assert quote.due >= 0
    assert quote.credit >= 0
    if amount > 0:
        assert amount == cost - quote.credit + quote.due
    else:
        assert quote.credit >= cost + quote.due
    assert amount.as_tuple().exponent == -2


def test_it_counts_the_days_booked_and_not_invoiced_at_the_run_price(family, meals, children, frozen) -> None:
    sarah = children[0]
    BookingFactory(child=sarah, activity=meals, date=NEXT_MONDAY, state=BookingState.BOOKED)
    BookingFactory(child=sarah, activity=meals, date=NEXT_MONDAY + datetime.timedelta(days=1))
    assert position(family) == D("5.00")  # two meals at 2.50 (QF 800)
    make_invoice(family, "3.00")
    Payment.objects.create(
        town=family.town,
        family=family,
        number="R1",
        method=PaymentMethod.CHEQUE,
        received_on=datetime.date(2027, 3, 1),
        amount=D("20.00"),
    )
    assert position(family) == D("-12.00")  # 5.00 to bill + 3.00 invoiced − 20.00 paid


def test_it_knows_a_family_with_nothing_booked(family) -> None:
    assert position(family) == D("0.00")
