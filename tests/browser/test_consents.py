"""A parent on a phone is asked the consents before anything else, answers, and reaches the home page;
the roll call then shows "Photo : non" for the child whose photo was refused."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.consents.models import Concerns, ConsentAnswer
from ardoise.families.models import Family
from ardoise.towns.models import Site, Town
from tests.browser.test_roll_call_journey import EVERY_DAY, last_open_day
from tests.factories import PASSWORD, ActivityFactory, BookingFactory, ConsentKindFactory

pytestmark = pytest.mark.browser


def test_it_asks_the_consents_first_then_shows_photo_no_on_the_roll_call(
    live_server, phone_page: Page, parent: User, site_agent: User, town: Town, site: Site, family: Family
) -> None:
    photo = ConsentKindFactory(town=town, code="droit-image", label="Droit à l'image", on_roll_call=True)
    ConsentKindFactory(town=town, code="reglement", label="Règlement intérieur", concerns=Concerns.FAMILY)
    page = phone_page
    page.goto(f"{live_server.url}/{town.slug}/login/")
    page.locator("input[name=login]").fill(parent.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(rf"/{town.slug}/autorisations/"))
    expect(page.get_by_text("Avant de continuer")).to_be_visible()
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("button", name="Je refuse — Droit à l'image (Sarah)").tap()
    expect(page.get_by_role("status").first).to_contain_text("refusé pour Sarah")
    page.get_by_role("button", name="J'accepte — Droit à l'image (Chloé)").tap()
    expect(page).to_have_url(re.compile(rf"/{town.slug}/autorisations/"))
    page.get_by_role("button", name="J'accepte — Règlement intérieur").tap()
    expect(page).to_have_url(re.compile(rf"/{town.slug}/$"))
    assert ConsentAnswer.objects.filter(kind=photo, given=False).get().child == family.children.get(first_name="Sarah")

    care = ActivityFactory(site=site, garderie_soir=True, weekdays=EVERY_DAY, runs_in_school_holidays=True)
    day = last_open_day(town)
    sarah = family.children.get(first_name="Sarah")
    booking = BookingFactory(child=sarah, activity=care, date=day)
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/{town.slug}/login/")
    page.locator("input[name=login]").fill(site_agent.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    sheet = reverse("backoffice:roll_call", args=[town.slug])
    page.goto(f"{live_server.url}{sheet}?site={site.pk}&date={day.isoformat()}&activity={care.pk}")
    expect(page.locator(f"#booking-{booking.pk}")).to_contain_text("Photo : non")
