"""Re-enrolment on a phone: with a campaign open, a parent follows the home page's banner, keeps one child's
garderie with another day, drops the other child's meals and sends; staff see the reply counted and the requests."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.admissions.models import EnrolmentRequest, ReenrolmentCampaign
from ardoise.families.models import Family
from tests.factories import PASSWORD, ActivityFactory, EnrollmentFactory, SchoolYearFactory, current_school_year_start

pytestmark = pytest.mark.browser


def log_in(page: Page, base: str, slug: str, user: User) -> None:
    page.goto(f"{base}/{slug}/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_a_parent_confirms_next_years_activities_and_staff_see_the_reply(
    live_server, phone_page: Page, front_desk: User, parent: User, family: Family
) -> None:
    town = family.town
    sarah, chloe = family.children.order_by("birth_date")
    this_year = SchoolYearFactory(town=town, start_year=current_school_year_start())
    next_year = SchoolYearFactory(town=town, start_year=this_year.start_year + 1)
    meals = ActivityFactory(site=sarah.site)
    evening = ActivityFactory(site=sarah.site, garderie_soir=True)
    for child in (sarah, chloe):
        EnrollmentFactory(child=child, activity=meals, school_year=this_year)
    EnrollmentFactory(child=sarah, activity=evening, school_year=this_year, weekly_pattern=[0, 1])
    today = timezone.localdate()
    ReenrolmentCampaign.objects.create(
        town=town,
        school_year=next_year,
        opens_on=today - datetime.timedelta(days=1),
        closes_on=min(today + datetime.timedelta(days=10), next_year.starts_on - datetime.timedelta(days=1)),
    )

    page = phone_page
    log_in(page, live_server.url, town.slug, parent)
    page.get_by_role("link", name=re.compile(r"Réinscriptions \d{4}–\d{4} : jusqu'au")).click()
    expect(page.get_by_role("heading", level=1, name=re.compile("Réinscriptions"))).to_be_visible()

    expect(page.get_by_role("checkbox", name="Garderie soir 16h30–18h30 — Sarah")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Mardi — Garderie soir 16h30–18h30, Sarah")).to_be_checked()
    page.get_by_role("checkbox", name="Lundi — Garderie soir 16h30–18h30, Sarah").uncheck()
    page.get_by_role("checkbox", name="Jeudi — Garderie soir 16h30–18h30, Sarah").check()
    page.get_by_role("checkbox", name="Repas — Chloé").uncheck()
    # Nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Envoyer ma réponse").click()

    expect(page.get_by_text("Votre réponse est envoyée. Merci !")).to_be_visible()
    expect(page.get_by_role("heading", name="Votre réponse")).to_be_visible()
    requests = {(r.child.first_name, r.activity.code): r.weekly_pattern for r in EnrolmentRequest.objects.all()}
    assert requests == {("Sarah", "repas"): [], ("Sarah", "garderie_soir"): [1, 3]}

    page.get_by_role("button", name="Déconnexion").click()
    log_in(page, live_server.url, town.slug, front_desk)
    page.goto(f"{live_server.url}/{town.slug}/staff/reinscriptions/")
    page.get_by_role("link", name=f"{next_year}").click()
    expect(page.locator("[data-count=replied]")).to_have_text("1")
    expect(page.locator("[data-count=requests]")).to_have_text("2")
    expect(page.get_by_role("table")).to_contain_text("DUPONT")
