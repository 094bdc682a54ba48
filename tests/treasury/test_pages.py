"""The Trésor public pages, the run's PES export button, and the marks of an invoice handed over
(invoice page, statement, family page; staff and parents). Frozen on 9 March 2027: last month is February."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.billing.models import Invoice, InvoicingRun
from ardoise.families.models import Family
from ardoise.towns.models import Town
from ardoise.treasury import pes
from ardoise.treasury.models import Handover, ProductCode, RunExport, TreasurySettings
from tests.treasury.conftest import issued_run, make_invoice, more_families

pytestmark = pytest.mark.usefixtures("frozen")


def url(town: Town, name: str, *args: object) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


@pytest.fixture
def finance(client_for: Callable[[User], Client], finance_agent: User) -> Client:
    return client_for(finance_agent)


@pytest.fixture
def unpaid(family: Family, parent: User, canteen: Activity, treasury_settings: Any, product_codes: Any) -> Invoice:
    return make_invoice(family, [(canteen, 10, "3.50")])


def test_it_proposes_last_months_unpaid_invoices(town: Town, finance: Client, unpaid: Invoice) -> None:
    response = finance.get(url(town, "treasury"))

    assert response.status_code == 200
    text = response.content.decode()
    assert "février 2027 : 1 facture impayée, 35,00 € restant dus." in text
    assert unpaid.number in text


def test_it_hands_over_and_shows_the_bordereau(town: Town, finance: Client, unpaid: Invoice) -> None:
    response = finance.post(url(town, "treasury_hand_over"), {"month": "2027-02"})

    handover = Handover.objects.get(town=town)
    assert response.status_code == 302
    assert response["Location"] == url(town, "treasury_handover", handover.pk)
    page = finance.get(response["Location"]).content.decode()
    assert unpaid.number in page
    assert "Transmise au Trésor public" in page
    download = finance.get(url(town, "treasury_handover_pes", handover.pk))
    assert download.content == bytes(handover.pes)
    assert download["Content-Disposition"] == 'attachment; filename="PES_12300_2027_0000001.xml"'
    assert pes.check(download.content) == []


def test_a_refused_hand_over_says_why_and_changes_nothing(town: Town, finance: Client, unpaid: Invoice) -> None:
    ProductCode.objects.filter(town=town).delete()

    response = finance.post(url(town, "treasury_hand_over"), {"month": "2027-02"})

    assert response.status_code == 422
    assert "Aucun code produit pour : Restauration scolaire." in response.content.decode()
    assert not Handover.objects.filter(town=town).exists()
    unpaid.refresh_from_db()
    assert unpaid.handed_over_at is None


def test_it_refuses_a_month_it_does_not_offer(town: Town, finance: Client, unpaid: Invoice) -> None:
    response = finance.post(url(town, "treasury_hand_over"), {"month": "2027-03"})

    assert response.status_code == 422
    assert not Handover.objects.filter(town=town).exists()


def test_the_page_reads_a_constant_number_of_queries(
    town: Town, site: Any, finance: Client, canteen: Activity, treasury_settings: Any, product_codes: Any
) -> None:
    def add(n: int) -> None:
        for family in more_families(town, n, site):
            make_invoice(family, [(canteen, 2, "3.50")])

    add(1)
    with CaptureQueriesContext(connection) as few:
        assert finance.get(url(town, "treasury")).status_code == 200
    add(6)
    finance.post(url(town, "treasury_hand_over"), {"month": "2027-02"})
    add(3)
    with CaptureQueriesContext(connection) as many:
        assert finance.get(url(town, "treasury")).status_code == 200

    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_bordereau_page_reads_a_constant_number_of_queries(
    town: Town, site: Any, finance: Client, canteen: Activity, treasury_settings: Any, product_codes: Any
) -> None:
    def hand_over(n: int, month: int) -> Handover:
        for family in more_families(town, n, site):
            make_invoice(family, [(canteen, 2, "3.50")], issued_on=datetime.date(2027, month, 20))
        finance.post(url(town, "treasury_hand_over"), {"month": f"2027-{month:02d}"})
        return Handover.objects.get(town=town, period_start=datetime.date(2027, month, 1))

    small, large = hand_over(1, 1), hand_over(7, 2)
    with CaptureQueriesContext(connection) as few:
        assert finance.get(url(town, "treasury_handover", small.pk)).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert finance.get(url(town, "treasury_handover", large.pk)).status_code == 200

    assert large.invoice_count == 7
    assert len(many.captured_queries) == len(few.captured_queries)


def test_it_saves_the_settings(town: Town, finance: Client) -> None:
    response = finance.post(
        url(town, "treasury_settings"),
        {
            "siret": "21750001600019",
            "collectivity_code": "123",
            "budget_code": "00",
            "accounting_post_code": "0750100",
            "label": "Saint-Exemple",
            "accountant_name": "SGC de Saint-Exemple",
        },
    )

    assert response.status_code == 302
    assert TreasurySettings.objects.get(town=town).accountant_name == "SGC de Saint-Exemple"


def test_it_refuses_wrong_settings(town: Town, finance: Client) -> None:
    response = finance.post(
        url(town, "treasury_settings"),
        {
            "siret": "123",
            "collectivity_code": "123",
            "budget_code": "00",
            "accounting_post_code": "0750100",
            "label": "x",
            "accountant_name": "x",
        },
    )

    assert response.status_code == 422
    assert "14 chiffres." in response.content.decode()
    assert not TreasurySettings.objects.filter(town=town).exists()


def test_it_adds_changes_and_deletes_a_product_code(town: Town, finance: Client, canteen: Activity) -> None:
    added = finance.post(
        url(town, "treasury_product_code_new"),
        {"activity": canteen.pk, "code": "cant", "nature": "7067", "function": "251", "label": "Cantine"},
    )
    code = ProductCode.objects.get(town=town)
    assert added.status_code == 302
    assert (code.activity, code.code) == (canteen, "CANT")

    finance.post(
        url(town, "treasury_product_code", code.pk),
        {"activity": "", "code": "PERI", "nature": "7066", "function": "", "label": "Périscolaire"},
    )
    code.refresh_from_db()
    assert (code.activity, code.code) == (None, "PERI")

    finance.post(url(town, "treasury_product_code_delete", code.pk))
    assert not ProductCode.objects.filter(town=town).exists()


def test_a_product_code_of_another_town_is_404(town: Town, other_town: Town, finance: Client) -> None:
    elsewhere = ProductCode.objects.create(town=other_town, code="X", nature="7066", label="x")

    assert finance.get(url(town, "treasury_product_code", elsewhere.pk)).status_code == 404


def test_the_run_page_exports_to_pes_and_downloads_the_same_file(
    town: Town,
    family: Family,
    parent: User,
    finance: Client,
    canteen: Activity,
    treasury_settings: Any,
    product_codes: Any,
) -> None:
    run = issued_run(town, [family], [(canteen, 10, "3.50")], issued_at=None)
    assert "Exporter en PES V2" in finance.get(url(town, "invoicing_run", run.pk)).content.decode()

    response = finance.post(url(town, "treasury_run_export", run.pk))

    export = RunExport.objects.get(town=town, run=run)
    assert response["Location"] == url(town, "invoicing_run", run.pk)
    page = finance.get(url(town, "invoicing_run", run.pk)).content.decode()
    assert "Télécharger le fichier PES V2" in page
    first = finance.get(url(town, "treasury_run_export_pes", export.pk)).content
    second = finance.get(url(town, "treasury_run_export_pes", export.pk)).content
    assert first == second == bytes(export.pes)


def test_a_refused_run_export_says_why(town: Town, finance: Client, unpaid: Invoice) -> None:
    run = InvoicingRun.objects.create(
        town=town, period_start=datetime.date(2027, 2, 1), period_end=datetime.date(2027, 2, 28)
    )

    response = finance.post(url(town, "treasury_run_export", run.pk), follow=True)

    assert "Seule une facturation émise" in response.content.decode()
    assert not RunExport.objects.filter(town=town).exists()


# Marks of an invoice handed over


@pytest.fixture
def handed_over(town: Town, finance: Client, unpaid: Invoice) -> Invoice:
    finance.post(url(town, "treasury_hand_over"), {"month": "2027-02"})
    unpaid.refresh_from_db()
    return unpaid


def test_the_invoice_page_says_it_was_handed_over_and_where_it_is_paid(
    town: Town, finance: Client, handed_over: Invoice
) -> None:
    text = finance.get(url(town, "invoicing_invoice", handed_over.pk)).content.decode()

    assert "Transmise au Trésor public le 09/03/2027 (bordereau de titres 2027-1)." in text
    assert "Service de gestion comptable de Saint-Exemple" in text


def test_the_staff_family_page_marks_it(
    town: Town, finance: Client, client_for: Any, town_admin: User, handed_over: Invoice
) -> None:
    text = client_for(town_admin).get(url(town, "family", handed_over.family_id)).content.decode()

    assert "(transmise au Trésor public)" in text


def test_the_parent_sees_where_to_pay_and_no_pay_button(
    town: Town, client_for: Any, parent: User, handed_over: Invoice
) -> None:
    client = client_for(parent)
    for name in ("portal:invoices", "portal:home"):
        text = client.get(reverse(name, args=[town.slug])).content.decode()
        assert "Transmise au Trésor public : à régler auprès du comptable public" in text
        assert "Service de gestion comptable de Saint-Exemple" in text
        assert reverse("portal:pay_invoice", args=[town.slug, handed_over.pk]) not in text
    statement = client.get(reverse("portal:statement", args=[town.slug]) + "?annee=2026").content.decode()
    assert "(transmise au Trésor public)" in statement
