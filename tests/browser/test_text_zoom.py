"""Text zoomed to 200 % keeps the parents' key pages usable (WCAG 1.4.4 and 1.4.10, RGAA 10.4 and 10.11):
no sideways scroll of the page, and the main controls on screen and reachable.

Two ways a parent zooms, in a 1280-pixel window:
- the text only: the root font size doubled (what "Taille de police : très grande" does, and every
  size in rem with it), the window still 1280 CSS pixels wide;
- the whole page (Ctrl +): 200 % of 1280 × 800 lays the page out in 640 × 400 CSS pixels.
Wide content (the planning's grid, tables of figures) may scroll inside its own box, never the page.

Time is frozen in-process by `tests.moment` (Tuesday 9 March 2027, 10:00 Paris).
"""

import datetime
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.families.models import Child, Family
from ardoise.towns.models import Town
from tests.browser.test_booking_journey import log_in
from tests.factories import BookingFactory
from tests.moment import NEXT_MONDAY
from tests.payments.conftest import make_invoice

pytestmark = pytest.mark.browser


@pytest.fixture(params=["text", "page"])
def zoomed(request, browser: Browser) -> Iterator[tuple[Page, str]]:
    if request.param == "text":
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    else:
        context = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2, locale="fr-FR")
    yield context.new_page(), request.param
    context.close()


def zoom_text(page: Page, how: str) -> None:
    """The browser's own text size doubled (Chrome's font-size setting, through the DevTools protocol):
    the root font size and every rem double, media queries in rem included, as for a parent who set it."""
    if how == "text":
        page.context.new_cdp_session(page).send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})


# What sticks out past the window's right edge, to say what to fix.
WIDEST = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 8)
  .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""


def assert_no_page_scroll(page: Page, where: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{where}: the page scrolls sideways by {overflow}px: {page.evaluate(WIDEST)}"


def assert_reachable(page: Page, control: Locator, where: str) -> None:
    """The control shows whole within the window's width once scrolled to (vertically, or inside its box)."""
    control.scroll_into_view_if_needed()
    expect(control).to_be_visible()
    box = control.bounding_box()
    assert box is not None
    width = page.evaluate("document.documentElement.clientWidth")
    assert box["x"] >= 0, f"{where}: {control} starts off screen"
    assert box["x"] + box["width"] <= width + 0.5, f"{where}: {control} ends off screen"
    assert box["height"] > 0


def test_the_key_pages_stay_usable_with_text_at_200_percent(
    live_server,
    zoomed: tuple[Page, str],
    town: Town,
    parent: User,
    family: Family,
    children: list[Child],
    meals: Activity,
) -> None:
    page, how = zoomed
    invoice = make_invoice(family, "42.50", datetime.date(2027, 2, 28))
    BookingFactory(child=children[0], activity=meals, date=NEXT_MONDAY)
    zoom_text(page, how)
    log_in(page, live_server.url, parent)
    base = f"{live_server.url}/{town.slug}"
    grid = ".plan-form:visible"  # the grid from 600 CSS pixels, else the list of days
    key_pages: dict[str, tuple[str, Callable[[Page], list[Locator]]]] = {
        "home": (
            "/",
            lambda p: [
                p.get_by_role("heading", level=1),
                p.get_by_role("button", name="Déconnexion"),
                p.get_by_role("link", name="Voir le planning et réserver"),
            ],
        ),
        "planning": (
            f"/planning/?child=all&view=week&week={NEXT_MONDAY}",
            lambda p: [
                p.get_by_role("heading", level=1),
                p.get_by_role("link", name="Semaine précédente"),
                p.get_by_role("link", name="Semaine suivante"),
                p.locator(grid).get_by_role("checkbox").first,
                p.locator(grid).get_by_role("checkbox").last,
                p.locator(grid).get_by_role("button", name="Vérifier et confirmer"),
            ],
        ),
        "invoices": (
            "/factures/",
            lambda p: [
                p.get_by_role("heading", level=1),
                p.get_by_role("button", name=f"Payer en ligne la facture {invoice.number}"),
            ],
        ),
        "record": (
            "/dossier/",
            lambda p: [
                p.get_by_role("heading", level=1),
                p.get_by_role("link", name="Demander une modification").first,
            ],
        ),
        "messages": (
            "/messages/",
            lambda p: [p.get_by_role("heading", level=1), p.get_by_role("link", name="Écrire au service")],
        ),
    }
    for name, (path, controls) in key_pages.items():
        page.goto(base + path)
        if how == "text":
            assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") == 32
        where = f"{name} ({how} zoom)"
        assert_no_page_scroll(page, where)
        # The main menu: every entry on screen (on a narrow page, behind "Menu").
        menu = page.get_by_role("navigation", name="Menu principal")
        toggle = menu.get_by_role("button", name="Menu")
        if toggle.is_visible():
            toggle.press("Enter")
        for entry in menu.get_by_role("link").all():
            assert_reachable(page, entry, where)
        for control in controls(page):
            assert_reachable(page, control, where)
        assert_no_page_scroll(page, where)
