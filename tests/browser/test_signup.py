"""On a phone: a new family signs up, confirms its address from the e-mailed link, fills every step of its
file, leaves and comes back to find everything kept, and sends it; then a front-desk agent sees the
duplicate warning on one file, accepts two in bulk and refuses one with a reason."""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from ardoise.accounts.models import User
from ardoise.families.models import Family, FileStatus
from ardoise.messaging.models import OutgoingEmail
from ardoise.messaging.notifications import Kind
from ardoise.signup import actions
from ardoise.towns.models import Site, Town
from tests.factories import PASSWORD, ChildFactory, FamilyFactory
from tests.signup.conftest import complete, confirmation_links, sign_up, token_of

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Cartable-Rouge-2027"


def new_family(town: Town, site: Site, email: str, last_name: str, child: str) -> Family:
    sign_up(town, email=email, first_name="Paul", last_name=last_name, ip=f"192.0.2.{len(last_name)}")
    user = actions.confirm_email(town, token_of(confirmation_links(email)[0]))
    family: Family = user.guardian.family
    complete(family, site, user, first_name=child)
    actions.submit(family, actor=user)
    return family


def test_a_family_signs_up_on_a_phone_and_staff_decide(
    live_server, phone_page: Page, town: Town, site: Site, front_desk: User
) -> None:
    Town.objects.filter(pk=town.pk).update(signup_open=True)
    town.refresh_from_db()
    # An existing family whose child the new one will declare again: a likely duplicate.
    ChildFactory(
        family=FamilyFactory(town=town, number="500", name="BERNARD"),
        site=site,
        first_name="Hugo",
        last_name="BERNARD",
        birth_date=datetime.date(2019, 5, 4),
    )
    base, slug = live_server.url, town.slug
    page = phone_page

    page.goto(f"{base}/{slug}/login/")
    page.get_by_role("link", name="Inscrire ma famille").click()
    page.locator("input[name=first_name]").fill("Léa")
    page.locator("input[name=last_name]").fill("Bernard")
    page.locator("input[name=email]").fill("lea.bernard@example.test")
    page.locator("input[name=password1]").fill(NEW_PASSWORD)
    page.locator("input[name=password2]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", name="Vérifiez votre messagerie")).to_be_visible()

    [link] = confirmation_links("lea.bernard@example.test")
    page.goto(link)
    page.get_by_role("button", name="Confirmer et continuer").click()
    expect(page.get_by_role("heading", name="Mon dossier d'inscription")).to_be_visible()

    page.get_by_role("link", name="Famille et adresse").click()
    page.locator("select[name=civility]").select_option("Mme")
    page.locator("input[name=address]").fill("5 rue des Écoles")
    page.locator("input[name=postcode]").fill("314")  # a mistake first: what was typed stays
    page.locator("input[name=city]").fill("Saint-Exemple")
    page.locator("input[name=mobile_phone]").fill("06 11 22 33 44")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Code postal invalide")).to_be_visible()
    expect(page.locator("input[name=address]")).to_have_value("5 rue des Écoles")
    page.locator("input[name=postcode]").fill("31400")
    page.get_by_role("button", name="Enregistrer").click()

    page.get_by_role("link", name="Second responsable").click()
    page.get_by_role("button", name="Pas de second responsable").click()

    page.get_by_role("link", name="Enfants").click()
    page.get_by_role("link", name="Ajouter un enfant").click()
    page.locator("input[name=first_name]").fill("Hugo")
    page.locator("select[name=sex]").select_option("M")
    page.locator("input[name=birth_date]").fill("2019-05-04")
    page.locator("select[name=site]").select_option(str(site.pk))
    page.locator("input[name=school_class]").fill("CE1")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_role("heading", name="Santé et régime de Hugo")).to_be_visible()
    page.locator("textarea[name=allergies]").fill("Arachide")
    page.locator("select[name=diet]").select_option("vegetarian")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_role("heading", name="Qui peut récupérer Hugo ?")).to_be_visible()
    page.locator("input[name=first_name]").fill("Jean")
    page.locator("input[name=last_name]").fill("BERNARD")
    page.locator("input[name=phone]").fill("06 99 88 77 66")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(page.get_by_text("Jean BERNARD")).to_be_visible()
    page.get_by_role("button", name="Terminé").click()

    # Left and taken up again: nothing lost.
    page.goto(f"{base}/{slug}/")
    expect(page.get_by_text("Dossier : brouillon")).to_be_visible()
    page.get_by_role("link", name="Famille et adresse").click()
    expect(page.locator("input[name=address]")).to_have_value("5 rue des Écoles")
    expect(page.locator("input[name=postcode]")).to_have_value("31400")
    page.goto(f"{base}/{slug}/")
    page.get_by_role("link", name="Santé et régime de Hugo").click()
    expect(page.locator("textarea[name=allergies]")).to_have_value("Arachide")
    page.goto(f"{base}/{slug}/")
    page.get_by_role("button", name="Envoyer mon dossier").click()
    expect(page.get_by_role("status").filter(has_text="Dossier envoyé le")).to_be_visible()
    # The page fits the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    lea = Family.objects.get(guardians__email="lea.bernard@example.test")
    first = new_family(town, site, "paul.durand@example.test", "Durand", "Emma")
    second = new_family(town, site, "paul.morel@example.test", "Morel", "Noé")

    page.context.clear_cookies()
    page.goto(f"{base}/{slug}/login/")
    page.locator("input[name=login]").fill(front_desk.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(base + reverse("backoffice:signup_queue", args=[slug]))
    expect(page.get_by_text(re.compile(r"Même enfant : Hugo BERNARD"))).to_be_visible()

    page.get_by_label("Cocher la famille DURAND").check()
    page.get_by_label("Cocher la famille MOREL").check()
    page.get_by_role("button", name="Accepter les familles cochées").click()
    expect(page.get_by_role("status").filter(has_text="2 dossiers acceptés")).to_be_visible()

    page.get_by_role("link", name="BERNARD").first.click()
    page.get_by_label("Motif du refus (envoyé à la famille)").fill("Hugo est déjà inscrit dans la famille n° 500.")
    page.get_by_role("button", name="Refuser ce dossier").click()
    expect(page.get_by_role("status").filter(has_text="1 dossier refusé")).to_be_visible()

    statuses = dict(Family.objects.filter(pk__in=[lea.pk, first.pk, second.pk]).values_list("pk", "file_status"))
    assert statuses == {lea.pk: FileStatus.REFUSED, first.pk: FileStatus.ACCEPTED, second.pk: FileStatus.ACCEPTED}
    assert OutgoingEmail.objects.filter(kind=Kind.SIGNUP_DECISION).count() == 3
