"""API v1 `POST invoices/{id}/payment`: the simulator's URL to send the parent to, 409 and 404 refusals."""

from typing import Any

from ardoise.accounts.models import User
from ardoise.payments.models import OnlinePayment
from tests.api.test_api import login
from tests.factories import seed_001_account
from tests.payments.conftest import make_invoice


def test_it_answers_the_simulators_url(parent: User, family: Any) -> None:
    _, april = seed_001_account(family)
    response = login(parent).post(f"invoices/{april.pk}/payment", {})
    assert response.status_code == 200
    online = OnlinePayment.objects.get()
    assert online.amount == april.total
    assert online.invoice == april
    assert response.json() == {"redirect_url": f"http://testserver/saint-exemple/paiement/simulateur/{online.idop}/"}


def test_it_refuses_a_paid_invoice_or_one_under_the_minimum(parent: User, family: Any) -> None:
    february, _ = seed_001_account(family)
    api = login(parent)
    response = api.post(f"invoices/{february.pk}/payment", {})
    assert (response.status_code, response.json()["detail"]) == (409, "Cette facture est déjà réglée.")
    small = make_invoice(family, "0.50")
    response = api.post(f"invoices/{small.pk}/payment", {})
    assert response.status_code == 409
    assert "à partir de 1,00 €" in response.json()["detail"]
    assert not OnlinePayment.objects.exists()


def test_it_answers_404_for_another_familys_or_an_unknown_invoice(parent: User, outsider: User, family: Any) -> None:
    _, april = seed_001_account(family)
    assert login(outsider).post(f"invoices/{april.pk}/payment", {}).status_code == 404
    assert login(parent).post("invoices/999999/payment", {}).status_code == 404
    assert not OnlinePayment.objects.exists()
