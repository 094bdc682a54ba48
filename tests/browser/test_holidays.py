"""A parent registers a child for a holiday week on a phone: sees the weekly forfait's price and the places
left, ticks the week, and reads the result; the week is booked.

Time is frozen in-process by `tests.moment` (Tuesday 9 March 2027, 10:00 Paris); the spring holidays of zone B
run from 17 April to 2 May 2027.
"""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.admissions.models import EnrolmentRequest, EnrolmentStatus, RegistrationPeriod
from ardoise.billing.models import TariffMode
from ardoise.bookings.models import Booking, BookingState
from ardoise.families.models import Child
from tests.browser.test_absence_journey import log_in
from tests.factories import ActivityFactory, SchoolYearFactory, TariffFactory

pytestmark = pytest.mark.browser
PARIS = ZoneInfo("Europe/Paris")


def test_it_registers_a_child_for_a_holiday_week_on_a_phone(
    live_server, phone_page: Page, parent: User, children: list[Child]
) -> None:
    sarah = children[0]
    town = sarah.town
    SchoolYearFactory(town=town, start_year=2026)
    centre = ActivityFactory(
        site=sarah.site,
        code="vacances",
        label="Accueil de loisirs vacances",
        weekdays=[0, 1, 2, 3, 4],
        holidays_only=True,
        capacity=24,
    )
    TariffFactory(
        activity=centre,
        valid_from=datetime.date(2026, 9, 1),
        mode=TariffMode.WEEKLY_FLAT,
        base_price=Decimal("60.00"),
        non_resident_price=None,
        pai_price=None,
        penalty_price=None,
        bands=[(1000, "45.00"), (None, "60.00")],
    )
    period = RegistrationPeriod.objects.create(
        town=town,
        activity=centre,
        label="Vacances de printemps 2027",
        first_day=datetime.date(2027, 4, 17),
        last_day=datetime.date(2027, 5, 2),
        opens_at=datetime.datetime(2027, 3, 8, 8, 0, tzinfo=PARIS),
        closes_at=datetime.datetime(2027, 4, 9, 18, 0, tzinfo=PARIS),
        unit="week",
    )
    page = phone_page
    log_in(page, live_server.url, parent)

    page.goto(f"{live_server.url}/{town.slug}/vacances/")
    expect(page.get_by_role("heading", name="Inscriptions aux vacances")).to_be_visible()
    page.get_by_role("link", name="Inscrire Sarah").click()
    expect(page.get_by_role("heading", name="Vacances de printemps 2027")).to_be_visible()
    sarah_section = page.locator("section", has=page.get_by_role("heading", name=re.compile("^Sarah")))
    week = sarah_section.get_by_label(re.compile("Semaine du lundi 19 avril"))
    expect(sarah_section).to_contain_text("Forfait semaine 45,00\u00a0€")
    expect(sarah_section).to_contain_text("24 places restantes")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    week.check()
    sarah_section.get_by_role("button", name="Inscrire Sarah").click()

    expect(page.get_by_role("heading", name="Inscription acceptée")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Forfait semaine 45,00\u00a0€")
    expect(page.locator("main")).to_contain_text("lundi 19 avril 2027")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    registration = EnrolmentRequest.objects.get(registration_period=period, child=sarah)
    assert registration.status == EnrolmentStatus.ACCEPTED
    assert Booking.objects.filter(child=sarah, activity=centre, state=BookingState.BOOKED).count() == 5

    page.get_by_role("link", name="← Vacances").click()
    expect(page.locator("main")).to_contain_text("Acceptée")
