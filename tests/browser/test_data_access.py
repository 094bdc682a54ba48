"""Issue 13's "a parent downloads their data": from "Mon dossier" to "Mes données", the PDF and the JSON
(phone); then an administrator produces the same for a written request (desktop)."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.families.models import Family
from tests.browser.test_requests_journey import log_in
from tests.privacy.populate import IBAN, populate
from tests.privacy.test_access_export import pdf_text

pytestmark = pytest.mark.browser


def test_a_parent_downloads_their_data_and_an_administrator_produces_it(
    live_server, phone_page: Page, desktop_page: Page, parent: User, town_admin: User, family: Family, tmp_path: Path
) -> None:
    """One journey (one live server session): the parent on a phone, then the administrator on a desktop."""
    populate(family, 1)
    number = family.invoices.get().number
    town = family.town
    page = phone_page

    log_in(page, live_server.url, town.slug, parent)
    page.goto(f"{live_server.url}/{town.slug}/dossier/")
    page.get_by_role("link", name="Mes données").last.click()
    expect(page.get_by_role("heading", name="Mes données", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("article 15 du RGPD")

    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger en PDF").click()
    assert download.value.suggested_filename.startswith("donnees-famille-1-")
    pdf = tmp_path / "donnees.pdf"
    download.value.save_as(pdf)
    text = pdf_text(pdf.read_bytes(), tmp_path)
    for words in ("Vos données personnelles", "Sarah", "Chloé", "Enfant0", number, "Arachide"):
        assert words in text

    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger en JSON").click()
    assert download.value.suggested_filename.endswith(".json")
    saved = tmp_path / "donnees.json"
    download.value.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert {child["first_name"] for child in data["children"]} >= {"Sarah", "Chloé"}
    assert data["family"]["iban"] == IBAN
    assert AuditEntry.objects.filter(town=town, action="privacy.access_export", actor=parent).count() == 2

    # An administrator answers a written request with the same data.
    page = desktop_page
    log_in(page, live_server.url, town.slug, town_admin)
    page.goto(f"{live_server.url}/{town.slug}/staff/familles/{family.pk}/")
    page.get_by_role("link", name="Produire les données (demande écrite)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Produire les données de la famille DUPONT")
    with page.expect_download() as download:
        page.get_by_role("link", name="Produire le JSON").click()
    saved = tmp_path / "service.json"
    download.value.save_as(saved)
    assert json.loads(saved.read_text(encoding="utf-8"))["family"]["name"] == "DUPONT"
    assert AuditEntry.objects.filter(town=town, action="privacy.access_export", actor=town_admin).count() == 1
