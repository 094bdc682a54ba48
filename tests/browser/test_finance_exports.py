"""Issue 12: a finance user downloads an invoicing run's Magnus export from the run's page, in Chromium.

The town has its treasury settings and product codes; the run of February 2027 is issued. The first
attempt is made before the settings exist: the page says what is missing and nothing is downloaded.
"""

import datetime
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.billing.models import Invoice, InvoicingRun, RunStatus
from ardoise.families.models import Family
from ardoise.towns.models import Site, Town
from ardoise.treasury.models import ProductCode, TreasurySettings
from tests.factories import PASSWORD, ActivityFactory
from tests.treasury.conftest import make_invoice

pytestmark = pytest.mark.browser


def log_in(page: Page, base: str, town: Town, user: User) -> None:
    page.goto(f"{base}/{town.slug}/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile("/login/"))


def test_a_finance_user_downloads_a_runs_magnus_export(
    live_server: Any,
    desktop_page: Page,
    town: Town,
    family: Family,
    parent: User,
    site: Site,
    finance_agent: User,
) -> None:
    canteen = ActivityFactory(town=town, site=site, code="cantine", label="Restauration scolaire")
    evening_care = ActivityFactory(town=town, site=site, code="garderie-soir", label="Garderie du soir")
    run = InvoicingRun.objects.create(
        town=town,
        period_start=datetime.date(2027, 2, 1),
        period_end=datetime.date(2027, 2, 28),
        status=RunStatus.ISSUED,
        issued_at=datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC),
    )
    invoice = make_invoice(family, [(canteen, 10, "3.50"), (evening_care, 4, "2.10")])
    Invoice.objects.filter(pk=invoice.pk).update(run=run)
    page = desktop_page
    log_in(page, live_server.url, town, finance_agent)
    run_page = f"{live_server.url}/{town.slug}/staff/facturation/{run.pk}/"

    # Without the town's treasury settings: the reasons, on the run's page.
    page.goto(run_page)
    page.get_by_role("link", name="Export Magnus").click()
    expect(page.get_by_text("Les paramètres du Trésor public ne sont pas renseignés")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/facturation/{run.pk}/$"))

    TreasurySettings.objects.create(
        town=town,
        siret="21750001600019",
        collectivity_code="123",
        budget_code="00",
        accounting_post_code="0750100",
        label="SAINT-EXEMPLE BUDGET PRINCIPAL",
        accountant_name="Service de gestion comptable de Saint-Exemple",
    )
    ProductCode.objects.create(town=town, code="PERI", nature="7066", function="421", label="Périscolaire")
    ProductCode.objects.create(
        town=town, activity=canteen, code="CANT", nature="7067", function="251", label="Restauration scolaire"
    )
    page.goto(run_page)
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Export Magnus").click()
    download = downloading.value

    assert download.suggested_filename == f"magnus-facturation-{run.pk}.zip"
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as archive:
        ecritures = archive.read("WTAMC001.txt").split(b"\r\n")
        details = archive.read("WTAMC001AS.txt").split(b"\r\n")
    # One line per imputation of the invoice: meals (7067, CANT) then evening care (7066, PERI).
    assert [row.split(b";")[25] for row in ecritures] == [b'"7067"', b'"7066"']
    assert [row.split(b";")[29] for row in ecritures] == [b'"35.00"', b'"8.40"']
    assert all(row.split(b";")[3] == b'"123"' for row in ecritures)
    assert len(details) == 2
