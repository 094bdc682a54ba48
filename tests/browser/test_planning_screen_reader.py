"""What a screen reader announces on the planning's grid (RGAA 11.1, WCAG 1.3.1 and 4.1.2): each cell's
accessible name says the child, the activity, the day, the state and the deadline, read through
Playwright's accessibility tree (roles and computed names), not the HTML.

Time is frozen in-process by `tests.moment` (Tuesday 9 March 2027, 10:00 Paris).
"""

import datetime

import pytest
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings.models import BookingState
from ardoise.families.models import Child
from ardoise.towns.models import Town
from tests.browser.test_booking_journey import log_in
from tests.factories import BookingFactory
from tests.moment import NEXT_MONDAY

pytestmark = pytest.mark.browser


def test_each_cell_of_the_grid_is_named_with_child_activity_day_state_and_deadline(
    live_server, desktop_page: Page, town: Town, parent: User, children: list[Child], meals: Activity
) -> None:
    sarah, chloe = children
    BookingFactory(child=sarah, activity=meals, date=NEXT_MONDAY)
    BookingFactory(child=sarah, activity=meals, date=datetime.date(2027, 3, 11))
    BookingFactory(child=chloe, activity=meals, date=datetime.date(2027, 3, 8), state=BookingState.PRESENT)
    page = desktop_page
    log_in(page, live_server.url, parent)
    grid = page.locator(".plan-wide")
    repas = meals.label

    page.goto(f"{live_server.url}/{town.slug}/planning/?child=all&view=week&week={NEXT_MONDAY}")
    booked = grid.get_by_role(
        "checkbox", name=f"Sarah, {repas}, lundi 15 mars : réservé, modifiable jusqu'au jeudi 11 mars 12h00", exact=True
    )
    expect(booked).to_be_checked()
    expect(booked).to_be_enabled()
    free = grid.get_by_role(
        "checkbox",
        name=f"Chloé, {repas}, vendredi 19 mars : non réservé, modifiable jusqu'au jeudi 11 mars 12h00",
        exact=True,
    )
    expect(free).not_to_be_checked()

    page.goto(f"{live_server.url}/{town.slug}/planning/?child=all&view=week&week=2027-03-08")
    # A day past its deadline: disabled, and says since when.
    late = grid.get_by_role(
        "checkbox",
        name=f"Chloé, {repas}, vendredi 12 mars : non réservé, date limite dépassée depuis le jeudi 4 mars 12h00",
        exact=True,
    )
    expect(late).to_be_disabled()
    # A booked day past its deadline is a link to declare an absence, named as its cell.
    expect(
        grid.get_by_role(
            "link",
            name=f"Sarah, {repas}, jeudi 11 mars : réservé, date limite dépassée depuis le jeudi 4 mars 12h00"
            " — Déclarer une absence",
            exact=True,
        )
    ).to_be_visible()
    # A day gone by is a fact: a cell (no control) read once, without its note repeated.
    gone_by = grid.get_by_role("cell", name=f"Chloé, {repas}, lundi 8 mars : présent, jour passé", exact=True)
    expect(gone_by).to_have_count(1)
    # The symbols (✓, P, F…) are hidden from screen readers: the words say it.
    assert grid.locator(".cell__symbol:not([aria-hidden=true])").count() == 0
