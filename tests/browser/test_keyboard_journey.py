"""Keyboard only (RGAA 12.8 / 10.7, WCAG 2.1.1, 2.4.7 and 2.4.11): a parent books a week, cancels a day,
declares an absence and pays an invoice through the simulator without touching the mouse, on a desktop;
on a phone, books days in the list of days (whose "Vérifier et confirmer" bar sticks to the bottom).

Every move is a key (Tab, Shift+Tab, Enter, Space, arrows) sent through `page.keyboard`; the test
never clicks, fills or checks a locator. After every Tab the focused element must show a focus
indicator (a computed outline or box-shadow), be inside the viewport and not be covered by anything
else (a sticky bar). `page.goto` is only used
to open the login page, as a parent typing the address would.

Time is frozen in-process by `tests.moment` (Tuesday 9 March 2027, 10:00 Paris).
"""

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.billing.models import Payment
from ardoise.bookings.models import Absence, Booking, BookingState
from ardoise.families.models import Child, Family
from ardoise.towns.models import Town
from tests.factories import PASSWORD, AbsenceReasonFactory, BookingFactory
from tests.moment import NEXT_MONDAY
from tests.payments.conftest import make_invoice

pytestmark = pytest.mark.browser

LATE_DAY = datetime.date(2027, 3, 11)  # this Thursday: its deadline has passed
# How many Tabs may separate two stops before the test calls the page unreachable.
MAX_TABS = 120

# What a sighted keyboard user sees of the focused element.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  const transparent = (colour) => colour === "transparent" || /rgba\\(.*,\\s*0\\)$/.test(colour);
  return {
    element: el.outerHTML.slice(0, 160),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0 && !transparent(style.outlineColor),
    shadow: style.boxShadow !== "none",
    inViewport: rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.right > 0
      && rect.top < window.innerHeight && rect.left < window.innerWidth,
    // Not hidden under something else (a sticky bar): what lies at its centre is itself or its label.
    hit: (() => {
      const x = Math.min(Math.max(rect.left + rect.width / 2, 0), window.innerWidth - 1);
      const y = Math.min(Math.max(rect.top + rect.height / 2, 0), window.innerHeight - 1);
      const top = document.elementFromPoint(x, y);
      if (!top) return "nothing";
      const label = top.closest("label");
      if (el.contains(top) || top.contains(el) || (label && label.control === el)) return null;
      return top.outerHTML.slice(0, 120);
    })(),
  };
}"""


def assert_focus_visible(page: Page) -> dict[str, Any]:
    state: dict[str, Any] | None = page.evaluate(FOCUS_STATE)
    assert state is not None, "the focus was lost (on the page's body)"
    assert state["outline"] or state["shadow"], f"no visible focus indicator on {state['element']}"
    assert state["inViewport"], f"the focused element is off screen: {state['element']}"
    assert state["hit"] is None, f"the focused element {state['element']} is covered by {state['hit']}"
    return state


def is_focused(target: Locator) -> bool:
    return bool(target.evaluate("element => element === document.activeElement"))


def tab_to(page: Page, target: Locator, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus, checking the focus is visible at each stop."""
    expect(target).to_have_count(1)
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        assert_focus_visible(page)
        if is_focused(target):
            return
    raise AssertionError(f"{target} cannot be reached with {'Shift+' if backwards else ''}Tab")


def log_in(page: Page, base: str, user: User) -> None:
    assert user.town is not None
    slug = user.town.slug
    page.goto(f"{base}/{slug}/login/")
    # The first stop is the skip link, visible when focused; it leads into the page's main content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert is_focused(skip)
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("Adresse e-mail ou n° de famille"))
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    assert_focus_visible(page)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/{slug}/$"))


def follow(page: Page, link: Locator, *, backwards: bool = False) -> None:
    tab_to(page, link, backwards=backwards)
    page.keyboard.press("Enter")


def review_and_confirm(page: Page) -> None:
    """From the planning's grid: "Vérifier et confirmer", then the review's "Confirmer et enregistrer"."""
    follow(page, page.locator(".plan-wide").get_by_role("button", name="Vérifier et confirmer"))
    title = page.get_by_role("heading", name="Vérifiez puis confirmez")
    expect(title).to_be_focused()  # the review takes the focus: the next Tab goes through it
    follow(page, page.get_by_role("button", name="Confirmer et enregistrer"))


def test_a_parent_books_cancels_declares_an_absence_and_pays_with_the_keyboard_only(
    live_server, desktop_page: Page, town: Town, parent: User, family: Family, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    late = BookingFactory(child=sarah, activity=meals, date=LATE_DAY)
    AbsenceReasonFactory(town=town, label="Raison médicale", position=1)
    AbsenceReasonFactory(town=town, label="Autres", billed=True, position=9)
    invoice = make_invoice(family, "42.50", datetime.date(2027, 2, 28))
    page = desktop_page
    log_in(page, live_server.url, parent)

    # To the planning through the main menu, then to next week (still open).
    follow(page, page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Planning"))
    expect(page.get_by_role("heading", name="Planning", level=1)).to_be_visible()
    follow(page, page.get_by_role("link", name="Semaine suivante"))
    expect(page.get_by_role("heading", name=re.compile("Semaine du 15 mars"))).to_be_visible()

    # Book (meals run Monday, Tuesday, Thursday, Friday): Sarah's whole week with its button (Enter),
    # Chloé's Monday with Space.
    grid = page.locator(".plan-wide")
    follow(page, grid.get_by_role("button", name=f"Toute la semaine — {meals.label}, Sarah"))
    chloe_monday = grid.get_by_role("checkbox", name=re.compile(f"^Chloé, {meals.label}, lundi 15 mars"))
    tab_to(page, chloe_monday)
    page.keyboard.press("Space")
    expect(chloe_monday).to_be_checked()
    review_and_confirm(page)
    expect(page.get_by_role("status")).to_contain_text("4 jours réservés pour Sarah, 1 jour réservé pour Chloé")
    assert Booking.objects.filter(state=BookingState.BOOKED).count() == 1 + 4 + 1

    # Cancel Sarah's Tuesday: back up from the grid's button to its box, Space, review, confirm.
    tuesday = grid.get_by_role("checkbox", name=re.compile(f"^Sarah, {meals.label}, mardi 16 mars"))
    expect(tuesday).to_be_checked()
    tab_to(page, grid.get_by_role("button", name="Vérifier et confirmer"))
    tab_to(page, tuesday, backwards=True)
    page.keyboard.press("Space")
    expect(tuesday).not_to_be_checked()
    review_and_confirm(page)
    expect(page.get_by_role("status")).to_contain_text("1 jour annulé pour Sarah")
    cancelled = Booking.objects.get(child=sarah, date=NEXT_MONDAY + datetime.timedelta(days=1))
    assert cancelled.state == BookingState.CANCELLED

    # Declare an absence on this Thursday (past its deadline), from the grid of the previous week.
    follow(page, page.get_by_role("link", name="Semaine précédente"))
    expect(page.get_by_role("heading", name=re.compile("Semaine du 8 mars"))).to_be_visible()
    absence = re.compile(f"^Sarah, {meals.label}, jeudi 11 mars : réservé, .* — Déclarer une absence$")
    follow(page, grid.get_by_role("link", name=absence))
    expect(page.get_by_role("heading", name="Déclarer une absence")).to_be_visible()
    first_reason = page.get_by_role("radio", name="Raison médicale")
    tab_to(page, first_reason)
    page.keyboard.press("Space")
    expect(first_reason).to_be_checked()
    page.keyboard.press("ArrowDown")  # arrows move within the radio group
    expect(page.get_by_role("radio", name="Autres")).to_be_checked()
    page.keyboard.press("ArrowUp")
    expect(first_reason).to_be_checked()
    expect(page.locator("#reason-hint")).to_contain_text("Raison médicale")
    tab_to(page, page.get_by_label("Commentaire (facultatif)"))
    page.keyboard.type("Angine")
    follow(page, page.get_by_role("button", name="Déclarer l'absence"))
    expect(page.get_by_role("status").first).to_contain_text("Absence enregistrée pour Sarah")
    late.refresh_from_db()
    assert late.state == BookingState.ABSENT_EXCUSED  # a reason without document: excused at once
    assert Absence.objects.get().comment == "Angine"

    # Pay the invoice through the simulator.
    follow(page, page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Factures"))
    follow(page, page.get_by_role("button", name=f"Payer en ligne la facture {invoice.number}"))
    expect(page.get_by_role("heading", name="Paiement par carte bancaire")).to_be_visible()
    follow(page, page.get_by_role("button", name="Payer", exact=True))
    expect(page.get_by_role("heading", name="Paiement accepté")).to_be_visible()
    follow(page, page.get_by_role("link", name="Voir mes factures"))
    expect(page.locator("tr", has_text=invoice.number)).to_contain_text("Payée")
    assert Payment.objects.get(family=family).amount == Decimal("42.50")


def test_the_skip_link_is_hidden_until_focused_and_moves_the_focus_to_the_content(
    live_server, desktop_page: Page, town: Town, parent: User
) -> None:
    page = desktop_page
    page.goto(f"{live_server.url}/{town.slug}/login/")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert skip.evaluate("el => el.getBoundingClientRect().bottom") <= 0  # out of sight before the first Tab
    page.keyboard.press("Tab")
    assert is_focused(skip)
    assert assert_focus_visible(page)["inViewport"]
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # The next Tab goes to the content's first control, past the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert_focus_visible(page)


def test_on_a_phone_the_days_are_booked_with_the_keyboard_and_never_hidden_under_the_sticky_bar(
    live_server, phone_page: Page, parent: User, children: list[Child], meals: Activity
) -> None:
    page = phone_page
    log_in(page, live_server.url, parent)
    # The menu is folded behind "Menu" on a phone.
    menu = page.get_by_role("navigation", name="Menu principal")
    follow(page, menu.get_by_role("button", name="Menu"))
    expect(menu.get_by_role("link", name="Planning")).to_be_visible()
    follow(page, menu.get_by_role("link", name="Planning"))
    follow(page, page.get_by_role("link", name="Semaine suivante"))
    expect(page.get_by_role("heading", name=re.compile("Semaine du 15 mars"))).to_be_visible()

    days = page.locator(".plan-narrow")
    boxes = days.get_by_role("checkbox", name=re.compile(rf"^{meals.label}\s*, Sarah"))
    expect(boxes).to_have_count(4)
    for index in range(4):
        tab_to(page, boxes.nth(index))  # each box and each stop before it: seen, not under the bar
        page.keyboard.press("Space")
    for index in range(4):
        expect(boxes.nth(index)).to_be_checked()
    follow(page, days.get_by_role("button", name="Vérifier et confirmer"))
    expect(page.get_by_role("heading", name="Vérifiez puis confirmez")).to_be_focused()
    follow(page, page.get_by_role("button", name="Confirmer et enregistrer"))
    expect(page.get_by_role("status")).to_contain_text("4 jours réservés pour Sarah")
    assert Booking.objects.filter(child=children[0], state=BookingState.BOOKED).count() == 4
