"""On a phone, a parent is refused the Wednesday centre for want of an insurance certificate (the message names
it), uploads the certificate; the front desk accepts it from the queue; the parent then books the Wednesday.

Time is frozen in-process by `tests.moment` (Tuesday 9 March 2027, 10:00 Paris)."""

import pytest
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings.models import Booking, BookingState
from ardoise.documents.models import DocumentStatus, DocumentType, SupportingDocument
from ardoise.families.models import Child
from tests.documents.fixtures import INSURANCE, PDF
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

WEDNESDAY = "2027-03-17"
WEEK = "2027-03-15"


def log_in(page: Page, base: str, user: User) -> None:
    assert user.town is not None
    page.goto(f"{base}/{user.town.slug}/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Déconnexion")).to_be_visible()


def ask_for_wednesday(page: Page, base: str, slug: str, sarah: Child, wednesdays: Activity) -> None:
    page.goto(f"{base}/{slug}/planning/?child={sarah.pk}&view=week&week={WEEK}")
    page.locator(f'[id="n-{sarah.pk}:{wednesdays.pk}:{WEDNESDAY}"]').check()
    page.locator(".plan-form:visible").get_by_role("button", name="Vérifier et confirmer").last.click()


def test_a_parent_uploads_the_insurance_staff_accept_it_and_the_wednesday_is_booked(
    live_server,
    phone_page: Page,
    desktop_page: Page,
    parent: User,
    front_desk: User,
    children: list[Child],
    wednesdays: Activity,
    insurance: DocumentType,
) -> None:
    assert parent.town is not None
    base, slug, sarah = live_server.url, parent.town.slug, children[0]
    page = phone_page
    log_in(page, base, parent)

    ask_for_wednesday(page, base, slug, sarah, wednesdays)
    expect(page.locator(".review__refusals")).to_contain_text(f"{INSURANCE} manquante ou expirée pour Sarah.")
    assert not Booking.objects.exists()

    page.goto(f"{base}/{slug}/dossier/pieces/")
    sarah_section = page.locator("section", has=page.get_by_role("heading", name=sarah.full_name))
    expect(sarah_section).to_contain_text("Manquante")
    sarah_section.get_by_role("link", name=f"Déposer — {INSURANCE}, Sarah").click()
    page.get_by_label("Date du document").fill("2026-09-01")
    page.get_by_label("Fichier").set_input_files(
        {"name": "attestation.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Déposer").click()
    expect(page.get_by_role("status")).to_contain_text("le service va la vérifier")
    expect(sarah_section).to_contain_text("En cours de vérification")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    staff = desktop_page
    log_in(staff, base, front_desk)
    staff.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Pièces à vérifier").click()
    staff.get_by_label(INSURANCE).check()
    staff.get_by_role("button", name="Accepter").click()
    expect(staff.get_by_role("status")).to_contain_text("1 pièce acceptée.")
    assert SupportingDocument.objects.get().status == DocumentStatus.ACCEPTED

    page.goto(f"{base}/{slug}/dossier/pieces/")
    expect(sarah_section).to_contain_text("Valable jusqu'au 31 août 2027")
    ask_for_wednesday(page, base, slug, sarah, wednesdays)
    expect(page.locator(".review__refusals")).to_have_count(0)
    page.locator(".review").get_by_role("button", name="Confirmer et enregistrer").click()
    expect(page.get_by_role("status")).to_be_visible()
    assert Booking.objects.get(child=sarah).state == BookingState.REQUESTED
