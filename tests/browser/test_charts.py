"""Finance's dashboard in Chromium, in the demo town (a year of history): four charts drawn with
the site's stylesheet and no policy violation, each with its table, on a desktop and on a phone."""

from collections.abc import Iterator

import pytest
import time_machine
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from ardoise.demo.builder import build_demo
from ardoise.towns.models import Town
from tests.browser.test_invoicing_journey import STAFF_PASSWORD, log_in
from tests.moment import NOW

pytestmark = pytest.mark.browser

DASHBOARD = "/demo/staff/facturation/tableau-de-bord/"
TITLES = [
    "Facturé et encaissé par mois",
    "Impayés par ancienneté",
    "Taux de recouvrement par mois d'émission",
    "Présences par semaine et par activité",
]
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def demo(transactional_db: None, frozen: time_machine.Traveller) -> Town:
    return build_demo(NOW.date())


def watched(browser: Browser, **options) -> tuple[Page, list[str]]:
    context = browser.new_context(locale="fr-FR", **options)
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(message.text)

    page.on("console", on_console)
    return page, errors


@pytest.fixture
def desktop(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    page, errors = watched(browser, viewport={"width": 1280, "height": 800})
    yield page, errors
    page.context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    page, errors = watched(
        browser, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    yield page, errors
    page.context.close()


def assert_charts_drawn(page: Page) -> None:
    for title in TITLES:
        expect(page.get_by_role("heading", name=title)).to_be_visible()
        # The picture is one image named by its title.
        expect(page.get_by_role("img", name=title)).to_be_visible()
    # The stylesheet paints the bars (no style attribute: a class).
    fill = page.evaluate("getComputedStyle(document.querySelector('[data-chart=invoiced-paid] .chart__s0')).fill")
    assert fill == "rgb(29, 79, 115)"
    # A year of history: a bar for every month, invoiced and paid.
    bars = page.locator("[data-chart=invoiced-paid] .chart__fill")
    assert bars.count() >= 16
    heights = bars.evaluate_all("(rects) => rects.map((rect) => rect.getBBox().height)")
    assert sum(1 for height in heights if height > 0) >= 16
    # Unpaid amounts of more than one age (demo.history's unpaid families).
    unpaid = page.locator("[data-chart=unpaid] .chart__fill")
    ages = unpaid.evaluate_all("(rects) => rects.map((rect) => rect.getBBox().height)")
    assert sum(1 for height in ages if height > 0) >= 2


def open_table(page: Page, slug: str) -> None:
    chart = page.locator(f"[data-chart={slug}]")
    table = chart.get_by_role("table")
    expect(table).to_be_hidden()
    chart.get_by_text("Voir les chiffres").click()
    expect(table).to_be_visible()


def test_finance_sees_the_charts_and_their_tables_on_a_desktop(live_server, demo, desktop) -> None:
    page, errors = desktop
    log_in(page, live_server.url, "regie@demo.test", STAFF_PASSWORD)
    page.get_by_role("link", name="Tableau de bord").first.click()
    expect(page).to_have_url(f"{live_server.url}{DASHBOARD}")
    assert_charts_drawn(page)
    open_table(page, "invoiced-paid")
    rows = page.locator("[data-chart=invoiced-paid] tbody tr")
    expect(rows).to_have_count(12)
    expect(rows.first.get_by_role("rowheader")).to_have_text("avr. 2026")
    open_table(page, "attendance")
    expect(page.locator("[data-chart=attendance] thead th").last).to_have_text("Total")
    assert errors == []


def test_finance_sees_the_charts_and_their_tables_on_a_phone(live_server, demo, phone) -> None:
    page, errors = phone
    log_in(page, live_server.url, "regie@demo.test", STAFF_PASSWORD)
    page.goto(f"{live_server.url}{DASHBOARD}")
    assert_charts_drawn(page)
    # The page itself does not scroll sideways: a chart keeps a readable width inside its own scroller.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    width = page.evaluate("document.querySelector('[data-chart=collection] svg').getBoundingClientRect().width")
    assert width >= 480
    open_table(page, "unpaid")
    expect(page.locator("[data-chart=unpaid] tbody tr")).to_have_count(4)
    assert errors == []


def test_the_front_desk_home_shows_attendance_only(live_server, demo, desktop) -> None:
    page, errors = desktop
    log_in(page, live_server.url, "accueil@demo.test", STAFF_PASSWORD)
    expect(page.get_by_role("img", name="Présences par semaine et par activité")).to_be_visible()
    expect(page.get_by_role("heading", name="Impayés par ancienneté")).to_have_count(0)
    assert errors == []
