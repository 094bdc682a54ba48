import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.billing.balance import family_balance
from ardoise.billing.models import CreditNote, Invoice, Payment, PaymentMethod
from tests.factories import ChildFactory, FamilyFactory, GuardianFactory

DAY = dt.date(2026, 3, 2)


def invoice(family, number: str, total: str) -> Invoice:
    return Invoice.objects.create(
        town=family.town,
        family=family,
        number=number,
        issued_on=DAY,
        due_on=DAY + dt.timedelta(days=15),
        period_start=DAY.replace(day=1),
        period_end=DAY,
        total=Decimal(total),
        payer_name=family.name,
    )


def pay(family, number: str, amount: str) -> Payment:
    return Payment.objects.create(
        town=family.town, family=family, number=number, method=PaymentMethod.CHEQUE, received_on=DAY, amount=amount
    )


def home(town) -> str:
    return reverse("portal:home", args=[town.slug])


def test_it_requires_login(town):
    response = Client().get(home(town))
    assert response.status_code == 302
    assert response["Location"] == f"/{town.slug}/login/?next=/{town.slug}/"


def test_it_welcomes_the_parent_with_family_number_date_and_children(town, parent, family, client_for, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC))  # already Tuesday in Paris
    response = client_for(parent).get(home(town))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bienvenue Marie DUPONT" in html
    assert "N° famille" in html
    assert "<strong>1</strong>" in html
    assert "Mardi 3 mars 2026" in html
    for child in family.children.all():
        assert f"{child.first_name} {child.last_name}" in html
    assert "École Jules Ferry" in html
    assert "Saint-Exemple" in html


def test_it_shows_the_balance(town, parent, family, client_for):
    first = invoice(family, "F-2026-0001", "120.60")
    invoice(family, "F-2026-0002", "1000.00")
    CreditNote.objects.create(town=town, invoice=first, number="A-1", issued_on=DAY, amount="20.10", reason="Grève")
    pay(family, "R-1", "50.00")
    other = FamilyFactory(town=town)
    invoice(other, "F-2026-0003", "999.99")
    pay(other, "R-2", "10.00")

    assert family_balance(family) == Decimal("1050.50")
    html = client_for(parent).get(home(town)).content.decode()
    assert "1\xa0050,50&nbsp;€" in html  # French grouping and a non-breaking space before €
    assert "Montant restant à payer." in html


def test_it_computes_a_zero_and_a_credit_balance(town, family):
    assert family_balance(family) == Decimal("0.00")
    assert str(family_balance(family)) == "0.00"
    pay(family, "R-1", "15.50")
    assert family_balance(family) == Decimal("-15.50")


def test_it_shows_a_credit_balance(town, parent, family, client_for):
    pay(family, "R-1", "15.50")
    html = client_for(parent).get(home(town)).content.decode()
    assert "-15,50&nbsp;€" in html
    assert "Somme en votre faveur" in html


def test_it_answers_404_to_staff(town, front_desk, client_for):
    assert client_for(front_desk).get(home(town)).status_code == 404


def test_it_answers_404_to_a_parent_of_another_town(town, stranger, client_for):
    assert client_for(stranger).get(home(town)).status_code == 404


def test_it_answers_404_for_an_unknown_town(parent, client_for):
    assert client_for(parent).get("/nulle-part/").status_code == 404


def test_it_shows_only_the_parents_own_family(town, parent, outsider, client_for):
    html = client_for(outsider).get(home(town)).content.decode()
    assert "Léo" in html
    assert "Sarah" not in html
    assert "Chloé" not in html


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("children", [1, 4])
def test_it_uses_a_fixed_number_of_queries(town, client_for, children):
    small = FamilyFactory(town=town, number="10")
    ChildFactory(family=small)
    small_parent = GuardianFactory(family=small).user
    big = FamilyFactory(town=town, number="11")
    for _ in range(children):
        ChildFactory(family=big)
    invoice(big, "F-1", "10.00")
    big_parent = GuardianFactory(family=big).user
    assert query_count(client_for(big_parent), home(town)) == query_count(client_for(small_parent), home(town))
