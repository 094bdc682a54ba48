"""Issue 11's journey, the waiting-list part: a family waits first on the full Wednesday centre; another family
cancels its own enrolment from its portal (phone, "Se désinscrire"); the waiting family sees the place offered
with its deadline, accepts it, and the Wednesday centre is offered in its planning."""

import pytest
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.bookings.models import Enrollment
from ardoise.families.models import Family
from tests.browser.test_requests_journey import log_in
from tests.factories import ActivityFactory, ChildFactory, EnrollmentFactory, FamilyFactory, SchoolYearFactory

pytestmark = pytest.mark.browser


def test_a_family_cancels_online_and_the_waiting_family_is_offered_the_place(
    live_server, phone_page: Page, parent: User, outsider: User, family: Family
) -> None:
    town = family.town
    sarah = family.children.get(first_name="Sarah")
    year = SchoolYearFactory(town=town)
    wednesdays = ActivityFactory(site=sarah.site, mercredi=True, capacity=2)
    leaving = EnrollmentFactory(
        child=ChildFactory(family=outsider.guardian.family, site=sarah.site, first_name="Hugo"),
        activity=wednesdays,
        school_year=year,
        weekly_pattern=[2],
    )
    EnrollmentFactory(
        child=ChildFactory(family=FamilyFactory(town=town, name="BERNARD"), site=sarah.site, first_name="Léo"),
        activity=wednesdays,
        school_year=year,
        weekly_pattern=[2],
    )
    page = phone_page

    log_in(page, live_server.url, town.slug, parent)
    page.goto(f"{live_server.url}/{town.slug}/inscriptions/")
    page.get_by_role("link", name="Demander une inscription").click()
    page.get_by_label("Enfant").select_option(label=sarah.full_name)
    page.get_by_label("Activité").select_option(label=f"Accueil du mercredi — {sarah.site.name}")
    page.get_by_label("mercredi").check()
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.locator(".request").first).to_contain_text("1re sur la liste d'attente")
    page.context.clear_cookies()

    log_in(page, live_server.url, town.slug, outsider)
    page.goto(f"{live_server.url}/{town.slug}/inscriptions/")
    page.locator(f"#inscription-{leaving.pk}").get_by_role("link", name="Se désinscrire").click()
    expect(page.locator("body")).to_contain_text("proposée à la famille suivante sur la liste d'attente")
    page.get_by_role("button", name="Confirmer la désinscription").click()
    expect(page.get_by_role("status").first).to_contain_text("Hugo est désinscrit(e) de Accueil du mercredi")
    assert not Enrollment.objects.filter(pk=leaving.pk).exists()
    page.context.clear_cookies()

    log_in(page, live_server.url, town.slug, parent)
    page.goto(f"{live_server.url}/{town.slug}/inscriptions/")
    expect(page.locator(".offer")).to_contain_text("Une place s'est libérée en Accueil du mercredi")
    expect(page.locator(".offer")).to_contain_text("Acceptez-la avant le")
    page.locator(".offer").get_by_role("button", name="Accepter").click()
    expect(page.get_by_role("status").first).to_contain_text("Sarah est inscrit(e) à Accueil du mercredi")
    assert Enrollment.objects.filter(child=sarah, activity=wednesdays, school_year=year).exists()
    page.goto(f"{live_server.url}/{town.slug}/planning/")
    expect(page.locator("body")).to_contain_text("Accueil du mercredi")
