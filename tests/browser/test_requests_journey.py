"""A front-desk agent accepts one request and refuses another with a reason; the
parent then finds both decisions in their requests list."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.bookings.models import Booking, BookingState, Request, RequestKind, RequestStatus
from tests.factories import PASSWORD, ActivityFactory

pytestmark = pytest.mark.browser


def log_in(page: Page, base: str, slug: str, user: User) -> None:
    page.goto(f"{base}/{slug}/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_it_accepts_and_refuses_requests(
    live_server, desktop_page: Page, front_desk: User, parent: User, family
) -> None:
    town = parent.town
    sarah, chloe = family.children.order_by("birth_date")
    wednesdays = ActivityFactory(site=sarah.site, mercredi=True)
    day = timezone.localdate() + datetime.timedelta(days=10)
    accepted, refused = (
        Request.objects.create(
            town=town,
            family=family,
            kind=RequestKind.BOOKING,
            child=child,
            booking=Booking.objects.create(
                town=town, child=child, activity=wednesdays, date=day, state=BookingState.REQUESTED
            ),
            created_by=parent,
        )
        for child in (sarah, chloe)
    )

    page = desktop_page
    log_in(page, live_server.url, town.slug, front_desk)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Demandes").click()
    expect(page.get_by_role("heading", name="Demandes des familles")).to_be_visible()

    page.get_by_label(re.compile(r"Sélectionner : Sarah")).check()
    page.get_by_role("button", name="Accepter").click()
    expect(page.get_by_role("status")).to_contain_text("1 demande acceptée.")

    page.get_by_label(re.compile(r"Sélectionner : Chloé")).check()
    page.get_by_role("button", name="Refuser").click()
    expect(page.get_by_role("alert")).to_contain_text("Indiquez le motif du refus")
    page.get_by_label("Motif du refus (envoyé à la famille)").fill("Sortie complète ce jour-là")
    page.get_by_role("button", name="Refuser").click()
    expect(page.get_by_role("status")).to_contain_text("1 demande refusée.")
    expect(page.get_by_text("Aucune demande ne correspond")).to_be_visible()

    accepted.refresh_from_db()
    refused.refresh_from_db()
    assert (accepted.status, refused.status) == (RequestStatus.ACCEPTED, RequestStatus.REFUSED)

    page.get_by_role("button", name="Déconnexion").click()
    log_in(page, live_server.url, town.slug, parent)
    page.goto(f"{live_server.url}/{town.slug}/demandes/")
    accepted_section = page.locator("section", has=page.get_by_role("heading", name=re.compile("Acceptées")))
    refused_section = page.locator("section", has=page.get_by_role("heading", name=re.compile("Refusées")))
    expect(accepted_section).to_contain_text("Sarah")
    expect(refused_section).to_contain_text("Chloé")
    expect(refused_section).to_contain_text("Motif du refus : Sortie complète ce jour-là")
