"""The "règlement reçu" e-mail says, in sentences, what the payment settled and what stays as credit."""

import datetime
from decimal import Decimal

from ardoise.billing.models import PaymentMethod
from ardoise.families.models import Family
from ardoise.messaging.models import OutgoingEmail
from ardoise.messaging.notifications import Kind
from ardoise.payments.actions import record_payment
from tests.outbox import sent, sent_text
from tests.payments.conftest import make_invoice


def pay(family: Family, amount: str) -> OutgoingEmail:
    record_payment(
        family, None, method=PaymentMethod.CASH, received_on=datetime.date(2027, 3, 8), amount=Decimal(amount)
    )
    return OutgoingEmail.objects.filter(kind=Kind.PAYMENT_RECEIVED).latest("pk")


def test_it_says_a_payment_without_invoice_goes_to_the_familys_credit(family: Family, parent: object) -> None:
    text, html = sent(pay(family, "40.00"))
    sentence = (
        "Il ne règle aucune facture pour l'instant : son montant est porté à votre crédit"
        " et sera déduit de vos prochaines factures."
    )
    assert sentence in text
    assert sentence in html
    assert "Il reste à votre crédit" not in text


def test_it_says_what_remains_as_credit_after_the_invoices_settled(family: Family, parent: object) -> None:
    invoice = make_invoice(family, "25.00")
    text, html = sent(pay(family, "40.00"))
    assert f"- facture {invoice.number} : 25,00\u00a0€" in text
    assert "Le reste, 15,00\u00a0€, est porté à votre crédit et sera déduit de vos prochaines factures." in text
    assert "Le reste, 15,00\u00a0€, est porté à votre crédit" in html


def test_it_says_nothing_of_credit_when_the_payment_is_all_used(family: Family, parent: object) -> None:
    make_invoice(family, "40.00")
    assert "crédit" not in sent_text(pay(family, "40.00"))
