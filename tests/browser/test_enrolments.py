"""A parent asks for the full Wednesday centre on a phone and lands first on its waiting list; staff withdraw
another child's enrolment; the parent is offered the place, accepts it, and the child can be booked. Staff accept
two requests in bulk and refuse one with a reason."""

import re

import pytest
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.admissions import actions
from ardoise.admissions.models import EnrolmentRequest, EnrolmentStatus
from ardoise.bookings.models import Enrollment
from ardoise.families.models import Child, Family
from tests.browser.test_requests_journey import log_in
from tests.factories import ActivityFactory, ChildFactory, EnrollmentFactory, FamilyFactory, SchoolYearFactory

pytestmark = pytest.mark.browser


def test_a_parent_waits_is_offered_a_freed_place_and_accepts_it(
    live_server, phone_page: Page, desktop_page: Page, parent: User, front_desk: User, family: Family
) -> None:
    town = family.town
    sarah = family.children.get(first_name="Sarah")
    year = SchoolYearFactory(town=town)
    wednesdays = ActivityFactory(site=sarah.site, mercredi=True, capacity=2)
    others = [
        EnrollmentFactory(
            child=ChildFactory(family=FamilyFactory(town=town, name=name), site=sarah.site, first_name="Léo"),
            activity=wednesdays,
            school_year=year,
            weekly_pattern=[2],
        )
        for name in ("MARTIN", "BERNARD")
    ]

    parent_page = phone_page
    log_in(parent_page, live_server.url, town.slug, parent)
    parent_page.goto(f"{live_server.url}/{town.slug}/inscriptions/")
    parent_page.get_by_role("link", name="Demander une inscription").click()
    parent_page.get_by_label("Enfant").select_option(label=sarah.full_name)
    parent_page.get_by_label("Activité").select_option(label=f"Accueil du mercredi — {sarah.site.name}")
    parent_page.get_by_label("mercredi").check()
    parent_page.get_by_role("button", name="Envoyer la demande").click()
    expect(parent_page.get_by_role("status").first).to_contain_text("1re sur la liste d'attente")
    expect(parent_page.locator(".request").first).to_contain_text("1re sur la liste d'attente")

    staff_page = desktop_page
    log_in(staff_page, live_server.url, town.slug, front_desk)
    staff_page.goto(f"{live_server.url}/{town.slug}/staff/familles/{others[0].child.family_id}/")
    staff_page.get_by_role("button", name=re.compile("désinscrire")).first.click()
    expect(staff_page.get_by_role("status").first).to_contain_text("désinscrit")
    staff_page.goto(f"{live_server.url}/{town.slug}/staff/inscriptions/listes-d-attente/")
    expect(staff_page.locator("body")).to_contain_text(f"{sarah.full_name}")
    expect(staff_page.locator("body")).to_contain_text("réponse attendue avant le")

    parent_page.reload()
    expect(parent_page.locator(".offer")).to_contain_text("Une place s'est libérée en Accueil du mercredi")
    parent_page.locator(".offer").get_by_role("button", name="Accepter").click()
    expect(parent_page.get_by_role("status").first).to_contain_text("Sarah est inscrit(e) à Accueil du mercredi")
    assert Enrollment.objects.get(child=sarah, activity=wednesdays, school_year=year).weekly_pattern == [2]
    # Enrolled, the child can be booked: the planning offers the Wednesday centre.
    parent_page.goto(f"{live_server.url}/{town.slug}/planning/")
    expect(parent_page.locator("body")).to_contain_text("Accueil du mercredi")


def test_staff_accept_two_requests_in_bulk_and_refuse_one_with_a_reason(
    live_server, desktop_page: Page, parent: User, front_desk: User, family: Family
) -> None:
    town = family.town
    sarah = family.children.get(first_name="Sarah")
    year = SchoolYearFactory(town=town)
    wednesdays = ActivityFactory(site=sarah.site, mercredi=True, capacity=10)
    children: list[Child] = [
        *family.children.order_by("birth_date"),
        ChildFactory(family=family, site=sarah.site, first_name="Zoé"),
    ]
    requests = [
        actions.request_enrolment(child, wednesdays, school_year=year, weekly_pattern=[2], actor=parent)
        for child in children
    ]

    page = desktop_page
    log_in(page, live_server.url, town.slug, front_desk)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Inscriptions", exact=True).click()
    expect(page.get_by_role("heading", name="Demandes d'inscription")).to_be_visible()
    for request in requests[:2]:
        page.locator(f"#select-{request.pk}").check()
    page.get_by_role("button", name="Accepter la sélection").click()
    expect(page.get_by_role("status").first).to_contain_text("2 demande(s) acceptée(s).")

    page.locator(f"#select-{requests[2].pk}").check()
    page.get_by_role("button", name="Refuser la sélection").click()
    expect(page.get_by_role("alert")).to_contain_text("Donnez le motif du refus")
    page.locator(f"#select-{requests[2].pk}").check()
    page.get_by_label("Motif du refus").fill("Dossier incomplet")
    page.get_by_role("button", name="Refuser la sélection").click()
    expect(page.get_by_role("status").first).to_contain_text("1 demande(s) refusée(s).")
    statuses = [EnrolmentRequest.objects.get(pk=request.pk).status for request in requests]
    assert statuses == [EnrolmentStatus.ACCEPTED, EnrolmentStatus.ACCEPTED, EnrolmentStatus.REFUSED]
