"""A parent declares an absence on a booked day, on a phone, and finds it in their requests."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.bookings.models import BookingState
from tests.factories import PASSWORD, AbsenceReasonFactory, ActivityFactory, BookingFactory, EnrollmentFactory

pytestmark = pytest.mark.browser


def test_it_declares_an_absence_on_a_phone(live_server, phone_page: Page, parent: User, family) -> None:
    town = parent.town
    sarah = family.children.get(first_name="Sarah")
    meals = ActivityFactory(site=sarah.site)
    EnrollmentFactory(child=sarah, activity=meals)
    day = timezone.localdate() + datetime.timedelta(days=7)
    booking = BookingFactory(child=sarah, activity=meals, date=day)
    AbsenceReasonFactory(town=town, label="Raison médicale", document_required=True, position=1)
    AbsenceReasonFactory(town=town, label="Autres", billed=True, position=9)

    page = phone_page
    page.goto(f"{live_server.url}/{town.slug}/login/")
    page.locator("input[name=login]").fill(parent.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(rf"/{town.slug}/$"))

    page.goto(f"{live_server.url}/{town.slug}/absences/")
    page.get_by_role("link", name=re.compile("Déclarer une absence — Sarah")).first.click()
    expect(page.get_by_role("heading", name="Déclarer une absence")).to_be_visible()

    page.get_by_label("Raison médicale").check()
    # htmx updates the hint under the list.
    expect(page.locator("#reason-hint")).to_contain_text("Ce jour ne sera pas facturé.")
    page.get_by_label("Commentaire (facultatif)").fill("Angine")
    page.get_by_role("button", name="Déclarer l'absence").click()

    expect(page).to_have_url(re.compile(rf"/{town.slug}/demandes/\?type=absence$"))
    expect(page.get_by_role("status")).to_contain_text("Absence enregistrée pour Sarah")
    pending = page.locator("section", has=page.get_by_role("heading", name=re.compile("En attente")))
    expect(pending).to_contain_text("Raison médicale")
    expect(pending).to_contain_text("Sarah")
    # Nothing overflows the 360-pixel screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    booking.refresh_from_db()
    assert booking.state == BookingState.ABSENT_EXCUSED
