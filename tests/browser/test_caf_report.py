"""Issue 12's "an administrator prints the CAF report of a month", in Chromium on the demo town.

The demo is built on the frozen day of `tests.moment` (Tuesday 9 March 2027), with every roll call taken up
to yesterday: the report opens on last month, February 2027, and its PDF says what the page says.
"""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.utils.formats import number_format
from playwright.sync_api import Page, expect

from ardoise.caf.queries import caf_report
from ardoise.demo.builder import build_demo
from ardoise.towns.models import Town
from tests.billing.test_pdf import pdf_text
from tests.moment import NOW

pytestmark = pytest.mark.browser

STAFF_PASSWORD = "demo-staff"
FEBRUARY = (datetime.date(2027, 2, 1), datetime.date(2027, 2, 28))


@pytest.fixture
def demo(transactional_db: None, frozen: time_machine.Traveller) -> Town:
    return build_demo(NOW.date())


def test_an_administrator_opens_last_months_caf_report_and_downloads_its_pdf(
    live_server, demo: Town, desktop_page: Page, tmp_path: Path
) -> None:
    expected = caf_report(demo, None, *FEBRUARY, today=NOW.date())
    total = expected.tally.total
    assert total.presences > 0
    hours = number_format(total.hours, 2)

    page = desktop_page
    page.goto(f"{live_server.url}/demo/login/")
    page.locator("input[name=login]").fill("admin@demo.test")
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile("/login/"))

    page.get_by_role("navigation").get_by_role("link", name="Rapport CAF").click()
    expect(page.get_by_role("heading", name="Rapport d'activité CAF", exact=True)).to_be_visible()
    expect(page.get_by_label("Du", exact=True)).to_have_value("2027-02-01")
    expect(page.get_by_label("Au", exact=True)).to_have_value("2027-02-28")
    title = "Rapport d'activité CAF du 1er février 2027 au 28 février 2027"
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    table = page.get_by_role("table", name="Heures réalisées par activité, tranche d'âge et régime")
    expect(table.locator("tfoot tr").last).to_have_text(
        re.compile(rf"Total de la période\s*{total.children}\s*{total.presences}\s*{re.escape(hours)}")
    )
    expect(table).to_contain_text("Moins de 6 ans")
    expect(table).to_contain_text("6 ans et plus")
    expect(table).not_to_contain_text("Repas")  # the demo does not report the lunch break

    # Only the Wednesday centre: its total is the table's only subtotal.
    wednesday = next(activity for activity in expected.activities if activity.code == "mercredi")
    page.locator(f"input[name=activities][value='{wednesday.pk}']").check()
    page.get_by_role("button", name="Afficher").click()
    figures = expected.tally.by_activity[wednesday.pk]
    expect(page.locator("tr.caf-subtotal").first).to_contain_text(number_format(figures.hours, 2))
    page.get_by_role("link", name="Mois précédent").click()

    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger (PDF)").click()
    assert download.value.suggested_filename == "rapport-caf_2027-02-01_2027-02-28.pdf"
    pdf = tmp_path / "rapport.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = pdf_text(pdf.read_bytes(), tmp_path)
    for words in [
        title,
        "Saint-Exemple",
        "Heures réalisées",
        "Moins de 6 ans",
        "6 ans et plus",
        "Total de la période",
        # pdftotext reads the last row's figures before its heading: both are checked, not their order.
        f"{total.children} {total.presences} {hours}",
    ]:
        assert words in text, words
