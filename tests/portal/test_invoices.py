"""The parent's home account figures, invoices list, invoice PDF and statement."""

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.families.models import Family
from tests.factories import BookingFactory, seed_001_account

pytestmark = pytest.mark.django_db


def test_it_shows_the_balance_unpaid_invoices_and_last_movements_on_home(
    parent: User, family: Family, client_for: Any
) -> None:
    seed_001_account(family)
    html = client_for(parent).get(reverse("portal:home", args=[family.town.slug])).content.decode()
    assert "120,60" in html
    assert "2027-000036" in html  # the unpaid April invoice
    assert "Règlement : Chèque" in html
    assert "Facture : 01/02/2027 - 31/03/2027" in html


def test_it_shows_what_each_child_has_this_week(
    parent: User, family: Family, children: list[Any], meals: Any, client_for: Any
) -> None:
    BookingFactory(child=children[0], activity=meals, date=datetime.date(2027, 3, 11))
    html = client_for(parent).get(reverse("portal:home", args=[family.town.slug])).content.decode()
    assert "Jeu 11</time> · Repas" in html
    assert "Rien de réservé cette semaine." in html  # the other child


def test_it_lists_invoices_with_their_state(parent: User, family: Family, client_for: Any) -> None:
    seed_001_account(family)
    html = client_for(parent).get(reverse("portal:invoices", args=[family.town.slug])).content.decode()
    assert "Payée" in html
    assert "À payer" in html


def test_it_serves_the_invoice_pdf_to_its_family_only(
    parent: User, outsider: User, family: Family, client_for: Any, settings: Any
) -> None:
    settings.ARDOISE_PDF_RENDERER = "ardoise.billing.pdf.FakePdfRenderer"
    _, april = seed_001_account(family)
    url = reverse("portal:invoice_pdf", args=[family.town.slug, april.pk])
    response = client_for(parent).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert client_for(outsider).get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_it_gives_the_statement_of_seed_001(parent: User, family: Family, client_for: Any) -> None:
    seed_001_account(family)
    client = client_for(parent)
    url = reverse("portal:statement", args=[family.town.slug])
    html = client.get(url, {"annee": 2026}).content.decode()
    assert "363,80" in html  # total debit
    assert "243,20" in html  # total credit
    assert "120,60" in html  # balance
    assert client.get(url, {"annee": "abc"}).status_code == 404
    assert client.get(url, {"annee": 1990}).status_code == 404


def test_it_links_the_tax_certificates_of_last_year_and_this_year(
    parent: User, family: Family, client_for: Any, frozen: Any
) -> None:
    client = client_for(parent)
    html = client.get(reverse("portal:invoices", args=[family.town.slug])).content.decode()
    assert "Attestation fiscale" in html
    for year in (2026, 2027):
        url = reverse("portal:tax_certificate", args=[family.town.slug, year])
        assert f'href="{url}"' in html
    assert client.get(reverse("portal:tax_certificate", args=[family.town.slug, 2026]))["Content-Type"] == (
        "application/pdf"
    )
