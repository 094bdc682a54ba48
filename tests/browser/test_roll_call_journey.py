"""A site agent takes a roll call on a tablet: one present, one absent, one child without a booking, then closes."""

import datetime
import re
from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from ardoise.accounts.models import User
from ardoise.bookings.models import Booking, BookingState
from ardoise.calendars.opening import closed_reason
from ardoise.families.models import Family
from ardoise.towns.models import Site, Town
from tests.factories import PASSWORD, ActivityFactory, BookingFactory, ChildFactory, FamilyFactory

pytestmark = pytest.mark.browser

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


@pytest.fixture
def tablet_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 768, "height": 1024}, is_mobile=True, has_touch=True, device_scale_factor=2, locale="fr-FR"
    )
    page = context.new_page()
    yield page
    context.close()


def last_open_day(town: Town) -> datetime.date:
    """Today, or the last day before it that is not a public holiday (the activity runs every day)."""
    day = timezone.localdate()
    while closed_reason(
        day,
        weekdays=EVERY_DAY,
        zone=town.zone,
        runs_in_school_holidays=True,
        closures=[],
        site_id=None,
        activity_id=None,
    ):
        day -= datetime.timedelta(days=1)
    return day


def test_it_takes_a_roll_call_on_a_tablet(
    live_server, tablet_page: Page, site_agent: User, town: Town, site: Site, family: Family
) -> None:
    # Every day, holidays included, so that the journey runs whatever the date.
    care = ActivityFactory(
        site=site, garderie_soir=True, weekdays=EVERY_DAY, runs_in_school_holidays=True, label="Garderie soir"
    )
    day = last_open_day(town)
    sarah = family.children.get(first_name="Sarah")
    chloe = family.children.get(first_name="Chloé")
    chloe.allergies = "Arachides"
    chloe.save()
    present = BookingFactory(child=sarah, activity=care, date=day)
    absent = BookingFactory(child=chloe, activity=care, date=day)
    late = ChildFactory(family=FamilyFactory(town=town, name="ZOLA"), site=site, first_name="Théo", last_name="ZOLA")
    forgotten = ChildFactory(family=FamilyFactory(town=town, name="ARNAUD"), site=site, first_name="Jade")
    unmarked = BookingFactory(child=forgotten, activity=care, date=day)

    page = tablet_page
    page.goto(f"{live_server.url}/{town.slug}/login/")
    page.locator("input[name=login]").fill(site_agent.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(rf"/{town.slug}/staff/$"))

    sheet = reverse("backoffice:roll_call", args=[town.slug])
    page.goto(f"{live_server.url}{sheet}?site={site.pk}&date={day.isoformat()}&activity={care.pk}")
    expect(page.get_by_role("heading", name="Garderie soir")).to_be_visible()
    counters = page.locator("#roll-counters")
    expect(counters.locator('[data-counter="expected"]')).to_have_text("3")
    expect(counters.locator('[data-counter="present"]')).to_have_text("0")
    expect(page.locator(f"#booking-{absent.pk}")).to_contain_text("Allergies : Arachides")

    # One tap each: htmx swaps the row and the counters, the page stays.
    url = page.url
    page.get_by_role("button", name="Présent — Sarah DUPONT").tap()
    expect(page.get_by_role("button", name="Présent — Sarah DUPONT")).to_have_attribute("aria-pressed", "true")
    expect(counters.locator('[data-counter="present"]')).to_have_text("1")
    page.get_by_role("button", name="Absent — Chloé DUPONT").tap()
    expect(page.get_by_role("button", name="Absent — Chloé DUPONT")).to_have_attribute("aria-pressed", "true")
    expect(counters.locator('[data-counter="absent"]')).to_have_text("1")
    expect(counters.locator('[data-counter="unmarked"]')).to_have_text("1")
    assert page.url == url

    # The marking buttons are big enough for a finger.
    box = page.get_by_role("button", name="Présent — Sarah DUPONT").bounding_box()
    assert box is not None
    assert box["height"] >= 48
    assert box["width"] >= 48

    # A child who came without a booking.
    page.get_by_label("Nom ou prénom de l'enfant").fill("zola")
    page.get_by_role("button", name="Chercher").tap()
    page.get_by_role("button", name="Ajouter Théo ZOLA").tap()
    expect(page.get_by_role("status").first).to_contain_text("Théo ZOLA est ajouté(e) à la liste")
    expect(page.locator(".roll-list")).to_contain_text("Présent sans réservation")
    expect(counters.locator('[data-counter="present"]')).to_have_text("2")

    page.get_by_role("button", name="Clôturer le pointage").tap()
    expect(page.get_by_role("status").first).to_contain_text("1 enfant non pointé est marqué absent")
    expect(counters.locator('[data-counter="absent"]')).to_have_text("2")
    expect(counters.locator('[data-counter="unmarked"]')).to_have_text("0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 768

    states = dict(Booking.objects.filter(activity=care, date=day).values_list("child_id", "state"))
    assert states == {
        present.child_id: BookingState.PRESENT,
        absent.child_id: BookingState.ABSENT_BILLED,
        late.pk: BookingState.PRESENT_UNBOOKED,
        unmarked.child_id: BookingState.ABSENT_BILLED,
    }
