"""API v1 `POST invoices/{id}/payment` while an operation of the invoice is pending (issue 10: paid twice)."""

import datetime
from decimal import Decimal
from typing import Any

from ardoise.accounts.models import User
from ardoise.billing.balance import family_balance
from ardoise.billing.models import Payment
from ardoise.payments import actions
from ardoise.payments.models import OnlinePayment, SimulatedOperation
from tests.api.test_api import login
from tests.factories import seed_001_account


def test_it_answers_the_pending_operation_again_instead_of_opening_another(parent: User, family: Any) -> None:
    _, april = seed_001_account(family)
    api = login(parent)
    first = api.post(f"invoices/{april.pk}/payment", {})
    again = api.post(f"invoices/{april.pk}/payment", {})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    online = OnlinePayment.objects.get()
    # Paid through the one operation: the invoice is paid once.
    SimulatedOperation.objects.filter(idop=online.idop).update(result="P")
    actions.check_online_payment(online)
    assert Payment.objects.filter(family=family, method="card").count() == 1
    assert family_balance(family) == Decimal("0.00")


def test_it_refuses_with_409_while_an_operation_for_another_amount_is_pending(parent: User, family: Any) -> None:
    _, april = seed_001_account(family)
    api = login(parent)
    assert api.post(f"invoices/{april.pk}/payment", {}).status_code == 200
    actions.record_payment(family, None, method="cash", received_on=datetime.date(2027, 4, 9), amount=Decimal("20.60"))
    response = api.post(f"invoices/{april.pk}/payment", {})
    assert response.status_code == 409
    assert response.json()["detail"].startswith("Un paiement en ligne est déjà en cours pour « Facture 2027-000036")
    assert OnlinePayment.objects.count() == 1
