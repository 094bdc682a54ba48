"""A run's Magnus and JVS Millésime downloads: the finance user gets the file, or the reasons on the run's page."""

import datetime
import io
import zipfile
from typing import Any

from django.urls import reverse

from ardoise.activities.models import Activity
from ardoise.billing.models import Invoice, InvoicingRun, RunStatus
from ardoise.families.models import Family
from ardoise.towns.models import Role, Town
from tests.factories import staff_member
from tests.treasury.conftest import make_invoice


def issued_run(town: Town, family: Family, canteen: Activity) -> InvoicingRun:
    run = InvoicingRun.objects.create(
        town=town,
        period_start=datetime.date(2027, 2, 1),
        period_end=datetime.date(2027, 2, 28),
        status=RunStatus.ISSUED,
        issued_at=datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC),
    )
    invoice = make_invoice(family, [(canteen, 10, "3.50")])
    Invoice.objects.filter(pk=invoice.pk).update(run=run)
    return run


def test_it_downloads_a_runs_magnus_export(
    town: Town, family: Family, parent: Any, canteen: Activity, treasury_settings: Any, product_codes: Any,
    finance_agent: Any, client_for: Any,
) -> None:  # fmt: skip
    run = issued_run(town, family, canteen)
    client = client_for(finance_agent)

    page = client.get(reverse("backoffice:invoicing_run", args=[town.slug, run.pk])).content.decode()
    magnus_url = reverse("backoffice:invoicing_run_magnus", args=[town.slug, run.pk])
    assert magnus_url in page
    response = client.get(magnus_url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="magnus-facturation-{run.pk}.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert b'"35.00"' in archive.read("WTAMC001.txt")
    assert client.get(magnus_url).content == response.content


def test_it_downloads_a_runs_jvs_export(
    town: Town, family: Family, parent: Any, canteen: Activity, treasury_settings: Any, product_codes: Any,
    town_admin: Any, client_for: Any,
) -> None:  # fmt: skip
    run = issued_run(town, family, canteen)

    response = client_for(town_admin).get(reverse("backoffice:invoicing_run_jvs", args=[town.slug, run.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response.content.startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")


def test_it_sends_back_to_the_run_with_the_reasons_when_refused(
    town: Town, family: Family, parent: Any, canteen: Activity, finance_agent: Any, client_for: Any
) -> None:
    run = issued_run(town, family, canteen)
    client = client_for(finance_agent)

    response = client.get(reverse("backoffice:invoicing_run_magnus", args=[town.slug, run.pk]), follow=True)

    assert response.redirect_chain == [(reverse("backoffice:invoicing_run", args=[town.slug, run.pk]), 302)]
    assert "Les paramètres du Trésor public ne sont pas renseignés" in response.content.decode()


def test_it_answers_404_for_another_towns_run(
    town: Town, other_town: Town, family: Family, canteen: Activity, client_for: Any
) -> None:
    run = issued_run(town, family, canteen)
    stranger = staff_member(other_town, Role.FINANCE, email="finances@autreville.test")

    response = client_for(stranger).get(reverse("backoffice:invoicing_run_jvs", args=[other_town.slug, run.pk]))

    assert response.status_code == 404
