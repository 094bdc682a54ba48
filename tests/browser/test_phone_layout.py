"""On a 360×800 phone, in the demo town: the menu is one line until "Menu" opens it (with the keyboard too),
the planning opens on a week of reasonable length with the month one tap away, and no column header
breaks inside a word."""

import re
from collections.abc import Iterator

import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect

from ardoise.demo.builder import build_demo
from ardoise.families.models import Family
from ardoise.towns.models import Town
from tests.browser.test_invoicing_journey import PARENT_PASSWORD, STAFF_PASSWORD, log_in
from tests.moment import NOW

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 360, 800

PARENT_PAGES = [
    "",
    "planning/",
    "planning/?month=2027-03",
    "factures/",
    "releve/",
    "absences/",
    "demandes/",
    "dossier/",
    "dossier/pieces/",
    "dossier/pieces/deposer/",
    "messages/",
    "documents/",
]
STAFF_PAGES = [
    "staff/",
    "staff/familles/",
    "staff/familles/{dupont}/",
    "staff/facturation/",
    "staff/reglements/",
    "staff/cuisine/",
    "staff/pointage/",
    "staff/demandes/",
    "staff/pieces/",
    "staff/pieces/manquantes/",
    "staff/pieces/expirent/",
    "staff/exports/",
    "staff/journal/",
]

# The words of each column header that are laid out on more than one line (a word broken in two).
BROKEN_HEADER_WORDS = """
() => {
  const broken = [];
  for (const th of document.querySelectorAll("th")) {
    if (!th.getClientRects().length) continue;  // not shown
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}
"""


@pytest.fixture
def demo(transactional_db: None, frozen: time_machine.Traveller) -> Town:
    return build_demo(NOW.date())


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="fr-FR",
    )
    yield context.new_page()
    context.close()


def header_height(page: Page) -> float:
    return page.evaluate("document.querySelector('.site-header').getBoundingClientRect().bottom")


def test_the_menu_is_one_line_that_opens_with_the_keyboard(live_server, demo, phone: Page) -> None:
    page = phone
    log_in(page, live_server.url, "parent1@demo.test", PARENT_PASSWORD)
    page.goto(f"{live_server.url}/demo/factures/")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.locator(".main-nav__current")).to_have_text("Factures")
    assert header_height(page) <= HEIGHT / 4
    expect(page.get_by_role("link", name="Messages", exact=True)).to_be_hidden()

    # With the keyboard only: tab to "Menu", open it, reach an entry, close it with Escape.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-controls')") == "main-nav-entries":
            break
    else:
        pytest.fail("The Menu button is not reachable with Tab.")
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    messages = page.get_by_role("link", name="Messages", exact=True)
    expect(messages).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Accueil"
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(messages).to_be_hidden()

    # Staff too, whose menu is longer.
    page.context.clear_cookies()
    log_in(page, live_server.url, "accueil@demo.test", STAFF_PASSWORD)
    assert header_height(page) <= HEIGHT / 4


def test_without_javascript_every_entry_shows(live_server, demo, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "parent1@demo.test", PARENT_PASSWORD)
    expect(page.get_by_role("link", name="Messages", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_have_count(0)
    context.close()


def test_the_planning_opens_on_a_week_with_the_month_one_tap_away(live_server, demo, phone: Page) -> None:
    page = phone
    log_in(page, live_server.url, "parent1@demo.test", PARENT_PASSWORD)
    page.goto(f"{live_server.url}/demo/planning/")
    expect(page.locator("#periode")).to_have_text(re.compile(r"Semaine du 8 mars au 14 mars 2027"))
    # The busiest family (two children, five activities each): about 4,000 px; its month is 11,000.
    assert page.evaluate("document.documentElement.scrollHeight") < 4500
    page.get_by_role("link", name="Voir le mois").click()
    expect(page.locator("#periode")).to_have_text(re.compile("Mars 2027"))


@pytest.mark.parametrize(
    ("login", "password", "pages"),
    [
        ("parent1@demo.test", PARENT_PASSWORD, PARENT_PAGES),
        ("admin@demo.test", STAFF_PASSWORD, STAFF_PAGES),
    ],
)
def test_no_column_header_breaks_inside_a_word(live_server, demo, phone: Page, login, password, pages) -> None:
    page = phone
    log_in(page, live_server.url, login, password)
    dupont = Family.objects.get(town=demo, name="DUPONT").pk
    broken = {}
    for path in pages:
        response = page.goto(f"{live_server.url}/demo/{path.format(dupont=dupont)}")
        assert response is not None
        assert response.status == 200, path
        if words := page.evaluate(BROKEN_HEADER_WORDS):
            broken[path] = words
    assert broken == {}
