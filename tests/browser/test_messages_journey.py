"""A parent writes to the service with an attachment on a phone; the front desk answers on a computer."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.messaging.models import Thread
from tests.factories import PASSWORD
from tests.messaging.factories import PDF

pytestmark = pytest.mark.browser


def log_in(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}/{user.town.slug}/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_it_exchanges_messages_with_an_attachment(
    live_server, phone_page: Page, desktop_page: Page, parent: User, front_desk: User, family, settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    town = parent.town
    certificate = tmp_path / "certificat.pdf"
    certificate.write_bytes(PDF)

    phone = phone_page
    log_in(phone, live_server.url, parent)
    expect(phone).to_have_url(re.compile(rf"/{town.slug}/$"))
    phone.goto(f"{live_server.url}/{town.slug}/messages/")
    phone.get_by_role("link", name="Écrire au service").click()
    phone.get_by_label("Objet").fill("Allergie de Sarah")
    phone.get_by_label("Votre message").fill("Bonjour,\nvoici le certificat du médecin.")
    phone.get_by_label("Pièces jointes").set_input_files(str(certificate))
    phone.get_by_role("button", name="Envoyer le message").click()
    expect(phone.get_by_role("status")).to_contain_text("Votre message est envoyé au service.")
    expect(phone.locator(".thread")).to_contain_text("certificat.pdf")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    desk = desktop_page
    log_in(desk, live_server.url, front_desk)
    desk.goto(f"{live_server.url}/{town.slug}/staff/messages/?filtre=sans-reponse")
    desk.get_by_role("link", name="Allergie de Sarah").click()
    expect(desk.locator(".thread")).to_contain_text("voici le certificat du médecin.")
    with desk.expect_download() as download:
        desk.get_by_role("link", name="certificat.pdf").click()
    assert Path(download.value.path()).read_bytes() == PDF
    desk.get_by_label("Votre message").fill("Bien reçu : le protocole est mis en place dès lundi.")
    desk.get_by_role("button", name="Envoyer la réponse").click()
    expect(desk.get_by_role("status")).to_contain_text("Réponse envoyée à la famille DUPONT.")

    phone.goto(f"{live_server.url}/{town.slug}/")
    expect(phone.get_by_role("link", name="1 nouveau message")).to_be_visible()
    phone.get_by_role("link", name="1 nouveau message").click()
    phone.get_by_role("link", name=re.compile("Allergie de Sarah")).click()
    expect(phone.locator(".thread")).to_contain_text("le protocole est mis en place dès lundi.")
    # The parent's own message has been read by the service.
    expect(phone.locator(".thread-message--family .thread-message__receipt")).to_contain_text("Lu le")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert not Thread.objects.get().awaiting_staff
