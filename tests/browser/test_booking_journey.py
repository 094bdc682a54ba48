"""A parent books next week for two children, sees the cost, confirms and finds the days booked;
a day past its deadline is disabled with its reason. On a phone and on a desktop.

Time is frozen in-process by `tests.moment` (Tuesday 9 March 2027, 10:00 Paris):
the live server runs in a thread of this process, so it sees the same moment.
"""

import datetime

import pytest
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings.models import Booking, BookingState
from ardoise.families.models import Child
from tests.factories import PASSWORD
from tests.moment import NEXT_MONDAY

pytestmark = pytest.mark.browser

LAYOUTS = [("phone_page", "n"), ("desktop_page", "w")]


def log_in(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}/{user.town.slug}/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Déconnexion")).to_be_visible()


@pytest.mark.parametrize(("page_fixture", "prefix"), LAYOUTS)
def test_a_parent_books_next_week_for_two_children_and_confirms(
    request, live_server, parent: User, children: list[Child], meals: Activity, page_fixture: str, prefix: str
) -> None:
    page: Page = request.getfixturevalue(page_fixture)
    log_in(page, live_server.url, parent)
    page.goto(f"{live_server.url}/{parent.town.slug}/planning/?child=all&view=week&week={NEXT_MONDAY}")
    days = [NEXT_MONDAY, NEXT_MONDAY + datetime.timedelta(days=1)]
    for child in children:
        for day in days:
            box = page.locator(f'[id="{prefix}-{child.pk}:{meals.pk}:{day}"]')
            expect(box).to_be_enabled()
            box.check()
    page.locator(".plan-form:visible").get_by_role("button", name="Vérifier et confirmer").last.click()

    review = page.locator(".review")
    expect(review).to_contain_text("Sous-total Sarah : 5,00")
    expect(review).to_contain_text("Sous-total Chloé : 5,00")
    expect(review).to_contain_text("Total des nouvelles réservations : 10,00")
    assert not Booking.objects.exists()  # nothing saved before the confirmation

    review.get_by_role("button", name="Confirmer et enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("2 jours réservés pour Sarah, 2 jours réservés pour Chloé")
    page.goto(f"{live_server.url}/{parent.town.slug}/planning/?child=all&view=week&week={NEXT_MONDAY}")
    for child in children:
        for day in days:
            expect(page.locator(f'[id="{prefix}-{child.pk}:{meals.pk}:{day}"]')).to_be_checked()
    assert Booking.objects.filter(state=BookingState.BOOKED).count() == 4


@pytest.mark.parametrize(("page_fixture", "prefix"), LAYOUTS)
def test_a_day_past_its_deadline_is_disabled_with_its_reason(
    request, live_server, parent: User, children: list[Child], meals: Activity, page_fixture: str, prefix: str
) -> None:
    page: Page = request.getfixturevalue(page_fixture)
    log_in(page, live_server.url, parent)
    sarah = children[0]
    page.goto(f"{live_server.url}/{parent.town.slug}/planning/?child={sarah.pk}&view=week&week=2027-03-08")
    friday = f"{prefix}-{sarah.pk}:{meals.pk}:2027-03-12"
    box = page.locator(f'[id="{friday}"]')
    expect(box).to_be_disabled()
    expect(box).to_have_attribute("aria-describedby", f"{friday}-note")
    expect(page.locator(f'[id="{friday}-note"]')).to_have_text("Date limite dépassée (jeu. 04/03 12h00)")
