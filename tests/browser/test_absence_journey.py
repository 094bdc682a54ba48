"""A parent declares absences on a phone: from the planning on a day past its deadline (it waits for
staff, and says what a refusal costs), and from the list on a day still cancellable (a free cancellation).

Time is frozen in-process by `tests.moment` (Tuesday 9 March 2027, 10:00 Paris).
"""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings.models import Absence, BookingState
from ardoise.families.models import Child
from tests.factories import PASSWORD, AbsenceReasonFactory, BookingFactory
from tests.moment import NEXT_MONDAY

pytestmark = pytest.mark.browser

LATE_DAY = datetime.date(2027, 3, 11)  # this Thursday: its deadline has passed


def log_in(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}/{user.town.slug}/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(rf"/{user.town.slug}/$"))


def test_it_declares_an_absence_from_the_planning_on_a_phone(
    live_server, phone_page: Page, parent: User, children: list[Child], meals: Activity
) -> None:
    town = parent.town
    sarah = children[0]
    booking = BookingFactory(child=sarah, activity=meals, date=LATE_DAY)
    AbsenceReasonFactory(town=town, label="Raison médicale", document_required=True, position=1)
    AbsenceReasonFactory(town=town, label="Autres", billed=True, position=9)
    page = phone_page
    log_in(page, live_server.url, parent)

    page.goto(f"{live_server.url}/{town.slug}/planning/?child={sarah.pk}&view=week&week={LATE_DAY}")
    page.locator(".plan-narrow").get_by_role("link", name=re.compile("Déclarer une absence — Sarah")).click()
    expect(page.get_by_role("heading", name="Déclarer une absence")).to_be_visible()
    expect(page.locator(".summary")).to_contain_text("Jeudi 11 mars 2027")

    page.get_by_label("Raison médicale").check()
    # htmx updates the hint under the list.
    expect(page.locator("#reason-hint")).to_contain_text("Si le justificatif est refusé, ce jour sera facturé.")
    page.get_by_label("Commentaire (facultatif)").fill("Angine")
    page.get_by_role("button", name="Déclarer l'absence").click()

    # Back on the planning, where the day waits for staff.
    expect(page).to_have_url(re.compile(rf"/{town.slug}/planning/\?child={sarah.pk}&view=week"))
    expect(page.get_by_role("status").first).to_contain_text("Absence en cours de traitement pour Sarah")
    expect(page.get_by_role("status").first).to_contain_text("Si le justificatif est refusé, ce jour sera facturé.")
    expect(page.locator(".plan-narrow .day-line.state--absence-pending")).to_contain_text(
        "Absence en cours de traitement"
    )
    # Nothing overflows the 360-pixel screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    booking.refresh_from_db()
    assert booking.state == BookingState.ABSENCE_PENDING

    page.goto(f"{live_server.url}/{town.slug}/demandes/?type=absence")
    pending = page.locator("section", has=page.get_by_role("heading", name=re.compile("En attente")))
    expect(pending).to_contain_text("Raison médicale")


def test_it_cancels_a_day_still_cancellable_from_the_list_on_a_phone(
    live_server, phone_page: Page, parent: User, children: list[Child], meals: Activity
) -> None:
    town = parent.town
    booking = BookingFactory(child=children[0], activity=meals, date=NEXT_MONDAY)
    AbsenceReasonFactory(town=town, label="Autres", billed=True, position=9)
    page = phone_page
    log_in(page, live_server.url, parent)

    page.goto(f"{live_server.url}/{town.slug}/absences/")
    page.get_by_role("link", name=re.compile("Déclarer une absence — Sarah")).first.click()
    expect(page.get_by_role("status")).to_contain_text("Ce jour peut encore être annulé sans frais.")
    page.get_by_label("Autres").check()
    expect(page.locator("#reason-hint")).to_contain_text("Le jour sera annulé : il ne sera pas facturé.")
    page.get_by_role("button", name="Déclarer l'absence et annuler le jour").click()

    expect(page.get_by_role("status").first).to_contain_text("ce jour ne sera pas facturé")
    booking.refresh_from_db()
    assert booking.state == BookingState.CANCELLED
    assert not Absence.objects.exists()
