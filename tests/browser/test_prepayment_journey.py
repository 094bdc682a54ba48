"""In a prepayment town, a parent on a phone ticks three days, sees "À payer", pays through the
simulator and finds the days booked (seed 002, "Paiement immédiat")."""

import pytest
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.billing.balance import family_balance
from ardoise.bookings.models import Booking, BookingState
from ardoise.families.models import Child
from tests.browser.test_booking_journey import log_in
from tests.moment import NEXT_MONDAY, week
from tests.prepayment.conftest import make_prepaid

pytestmark = pytest.mark.browser


@pytest.fixture
def prepaid(town):
    return make_prepaid(town)


def test_a_parent_pays_three_days_on_a_phone_and_finds_them_booked(
    live_server, phone_page: Page, prepaid, family, parent: User, children: list[Child], meals: Activity, tmp_path
) -> None:
    page = phone_page
    sarah = children[0]
    days = week(NEXT_MONDAY)[:3]
    log_in(page, live_server.url, parent)
    planning = f"{live_server.url}/{prepaid.slug}/planning/?child={sarah.pk}&view=week&week={NEXT_MONDAY}"
    page.goto(planning)
    expect(page.locator("main")).to_contain_text("restant dû de 0,00")
    for day in days:
        page.locator(f'[id="n-{sarah.pk}:{meals.pk}:{day}"]').check()
    page.locator(".plan-form:visible").get_by_role("button", name="Vérifier et confirmer").last.click()

    review = page.locator(".review")
    expect(review).to_contain_text("Récapitulatif de votre saisie")
    expect(review).to_contain_text("À payer : 7,50")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not Booking.objects.exists()
    review.get_by_role("button", name="Payer 7,50 €").click()

    expect(page.get_by_role("heading", name="Paiement par carte bancaire")).to_be_visible()
    expect(page.locator("main")).to_contain_text("7,50")
    page.get_by_role("button", name="Payer", exact=True).click()
    expect(page.get_by_role("heading", name="Paiement accepté")).to_be_visible()

    page.goto(planning)
    for day in days:
        expect(page.locator(f'[id="n-{sarah.pk}:{meals.pk}:{day}"]')).to_be_checked()
    expect(page.locator("main")).not_to_contain_text("Votre panier attend")
    assert sorted(Booking.objects.filter(state=BookingState.BOOKED).values_list("date", flat=True)) == days
    assert str(family_balance(family)) == "-7.50"
    page.goto(f"{live_server.url}/{prepaid.slug}/panier/")
    expect(page.locator("main")).to_contain_text("Réservé")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "basket.png"), full_page=True)
