"""A run's Magnus and JVS Millésime downloads: the finance user gets the file, or the reasons on the run's page."""

import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from ardoise.activities.models import Activity
from ardoise.billing.models import InvoicingRun
from ardoise.families.models import Family
from ardoise.towns.models import Role, Town
from tests.factories import staff_member
from tests.treasury.conftest import issued_run, make_handover, make_invoice


def run_of(town: Town, family: Family, canteen: Activity) -> InvoicingRun:
    return issued_run(town, [family], [(canteen, 10, "3.50")])


@pytest.mark.usefixtures("exportable")
def test_it_downloads_a_runs_magnus_export(
    town: Town, family: Family, canteen: Activity, finance_agent: Any, client_for: Any
) -> None:
    run = run_of(town, family, canteen)
    client = client_for(finance_agent)

    page = client.get(reverse("backoffice:invoicing_run", args=[town.slug, run.pk])).content.decode()
    magnus_url = reverse("backoffice:invoicing_run_export", args=[town.slug, run.pk, "magnus"])
    assert magnus_url in page
    response = client.get(magnus_url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="magnus-facturation-{run.pk}.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert b'"35.00"' in archive.read("WTAMC001.txt")
    assert client.get(magnus_url).content == response.content


@pytest.mark.usefixtures("exportable")
def test_it_downloads_a_runs_jvs_export(
    town: Town, family: Family, canteen: Activity, town_admin: Any, client_for: Any
) -> None:
    run = run_of(town, family, canteen)

    response = client_for(town_admin).get(reverse("backoffice:invoicing_run_export", args=[town.slug, run.pk, "jvs"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=iso-8859-1"
    assert response.content.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")


@pytest.mark.usefixtures("exportable")
def test_a_software_it_does_not_know_answers_404(
    town: Town, family: Family, canteen: Activity, finance_agent: Any, client_for: Any
) -> None:
    run = run_of(town, family, canteen)

    url = reverse("backoffice:invoicing_run_export", args=[town.slug, run.pk, "sage"])
    response = client_for(finance_agent).get(url)

    assert response.status_code == 404


def test_it_sends_back_to_the_run_with_the_reasons_when_refused(
    town: Town, family: Family, parent: Any, canteen: Activity, finance_agent: Any, client_for: Any
) -> None:
    run = run_of(town, family, canteen)
    client = client_for(finance_agent)

    response = client.get(reverse("backoffice:invoicing_run_export", args=[town.slug, run.pk, "magnus"]), follow=True)

    assert response.redirect_chain == [(reverse("backoffice:invoicing_run", args=[town.slug, run.pk]), 302)]
    assert "Les paramètres du Trésor public ne sont pas renseignés" in response.content.decode()


def test_it_answers_404_for_another_towns_run(
    town: Town, other_town: Town, family: Family, canteen: Activity, client_for: Any
) -> None:
    run = run_of(town, family, canteen)
    stranger = staff_member(other_town, Role.FINANCE, email="finances@autreville.test")

    response = client_for(stranger).get(
        reverse("backoffice:invoicing_run_export", args=[other_town.slug, run.pk, "jvs"])
    )

    assert response.status_code == 404


@pytest.mark.usefixtures("exportable")
def test_it_downloads_a_handovers_exports_from_the_bordereau_page(
    town: Town, family: Family, canteen: Activity, finance_agent: Any, client_for: Any
) -> None:
    handover = make_handover(town, 4, [(make_invoice(family, [(canteen, 10, "3.50")]), Decimal("35.00"))])
    client = client_for(finance_agent)

    page = client.get(reverse("backoffice:treasury_handover", args=[town.slug, handover.pk])).content.decode()
    magnus_url = reverse("backoffice:treasury_handover_export", args=[town.slug, handover.pk, "magnus"])
    jvs_url = reverse("backoffice:treasury_handover_export", args=[town.slug, handover.pk, "jvs"])
    assert magnus_url in page
    assert jvs_url in page

    magnus_file = client.get(magnus_url)
    jvs_file = client.get(jvs_url)
    assert magnus_file["Content-Disposition"] == 'attachment; filename="magnus-bordereau-2027-4.zip"'
    assert jvs_file["Content-Disposition"] == 'attachment; filename="jvs-bordereau-2027-4.xml"'
    assert b'<NbrPce V="1"/>' in jvs_file.content


def test_it_sends_back_to_the_bordereau_when_refused(
    town: Town, family: Family, parent: Any, canteen: Activity, treasury_settings: Any, finance_agent: Any,
    client_for: Any,
) -> None:  # fmt: skip
    handover = make_handover(town, 5, [(make_invoice(family, [(canteen, 10, "3.50")]), Decimal("35.00"))])

    response = client_for(finance_agent).get(
        reverse("backoffice:treasury_handover_export", args=[town.slug, handover.pk, "jvs"]), follow=True
    )

    assert response.redirect_chain == [(reverse("backoffice:treasury_handover", args=[town.slug, handover.pk]), 302)]
    assert "Aucun code produit (ni code par défaut) pour : Restauration scolaire" in response.content.decode()
