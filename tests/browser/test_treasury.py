"""Issue 12's PES V2 "Done when", in Chromium on the demo town: a finance user exports February's invoicing
run to PES V2 (and downloads the same file again), hands over February's unpaid invoices to the comptable
public, and sees them marked on the bordereau and on an invoice's page.

Frozen on Tuesday 9 March 2027 (tests.moment): last month is February, which the demo leaves to finance; it is
issued here through the same action as the "Émettre" button.
"""

import re
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import Page, expect

from ardoise.activities.models import Activity
from ardoise.billing import runs
from ardoise.billing.models import Invoice, InvoicingRun
from ardoise.demo.builder import build_demo
from ardoise.towns.models import Town
from ardoise.treasury import pes
from ardoise.treasury.models import Handover, RunExport
from tests.moment import NOW

pytestmark = pytest.mark.browser

STAFF_PASSWORD = "demo-staff"


@pytest.fixture
def demo(transactional_db: None, frozen: time_machine.Traveller, settings) -> Town:
    settings.ARDOISE_PDF_RENDERER = "ardoise.billing.pdf.FakePdfRenderer"
    return build_demo(NOW.date())


@pytest.fixture
def february(demo: Town) -> InvoicingRun:
    run = runs.create_run(
        demo,
        None,
        period_start=NOW.date().replace(month=2, day=1),
        period_end=NOW.date().replace(month=2, day=28),
        activities=list(Activity.objects.filter(town=demo)),
    )
    runs.issue_run(run, None)
    run.refresh_from_db()
    return run


def log_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/demo/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile("/login/"))


def test_finance_exports_a_run_to_pes_hands_over_februarys_unpaid_invoices_and_sees_them_marked(
    live_server, demo: Town, february: InvoicingRun, desktop_page: Page, tmp_path: Path
) -> None:
    page = desktop_page
    base = live_server.url
    invoices = list(Invoice.objects.filter(town=demo, run=february).order_by("number"))
    assert invoices
    log_in(page, base, "regie@demo.test", STAFF_PASSWORD)

    # The run, exported to PES V2 once, downloaded twice: the same bytes.
    page.goto(base + reverse("backoffice:invoicing_run", args=[demo.slug, february.pk]))
    page.get_by_role("button", name="Exporter en PES V2").click()
    expect(page.locator(".message--success, [role=status]").first).to_contain_text("Bordereau de titres 2027-")
    export = RunExport.objects.get(town=demo, run=february)
    downloads = []
    for attempt in range(2):
        with page.expect_download() as download:
            page.get_by_role("link", name="Télécharger le fichier PES V2").click()
        target = tmp_path / f"run-{attempt}.xml"
        download.value.save_as(target)
        downloads.append(target.read_bytes())
    assert downloads[0] == downloads[1] == bytes(export.pes)
    assert downloads[0].startswith(b"<?xml version='1.0' encoding='ISO-8859-1'?>")
    assert pes.check(downloads[0]) == []

    # Trésor public: February's unpaid invoices, handed over.
    page.get_by_role("navigation").get_by_role("link", name="Trésor public").click()
    expect(page.get_by_role("heading", name="Trésor public", exact=True)).to_be_visible()
    expect(page.get_by_label("Mois", exact=True)).to_have_value("2027-02")
    expect(page.locator("main")).to_contain_text(re.compile(r"février 2027 : \d+ factures? impayées?"))
    page.get_by_role("button", name="Transmettre les factures impayées de ce mois").click()

    handover = Handover.objects.get(town=demo)
    expect(page.get_by_role("heading", name=f"Bordereau de titres {handover.year}-{handover.number}")).to_be_visible()
    marked = Invoice.objects.filter(town=demo, handed_over_at__isnull=False).order_by("number")
    assert marked.count() == handover.invoice_count > 0
    first = marked.first()
    assert first is not None
    row = page.locator("tbody tr", has_text=first.number)
    expect(row).to_contain_text("Transmise au Trésor public")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le fichier PES V2").click()
    target = tmp_path / "handover.xml"
    download.value.save_as(target)
    assert target.read_bytes() == bytes(handover.pes)
    assert pes.check(target.read_bytes()) == []

    # The invoice's page says it was handed over, and where it is paid now.
    row.get_by_role("link", name=first.number).click()
    expect(page.get_by_role("heading", name=f"Facture {first.number}")).to_be_visible()
    notice = page.locator(".treasury-handed-over")
    expect(notice).to_contain_text("Transmise au Trésor public le 09/03/2027")
    expect(notice).to_contain_text("Service de gestion comptable de Saint-Exemple")

    # Handing February over again finds nothing left: refused, nothing changes.
    page.get_by_role("navigation").get_by_role("link", name="Trésor public").click()
    page.get_by_role("button", name="Transmettre les factures impayées de ce mois").click()
    expect(page.locator(".form-errors")).to_contain_text("Aucune facture impayée de ce mois")
    assert Handover.objects.filter(town=demo).count() == 1
