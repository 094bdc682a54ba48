"""The parents' sign-up pages: the account, the confirmation link, each step of the file, what a family
whose file is not accepted sees instead of the booking pages."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.families.models import Child, Family, FileStatus, Guardian
from ardoise.messaging.models import OutgoingEmail
from ardoise.messaging.notifications import Kind
from ardoise.towns.models import Site, Town
from tests.signup.conftest import PASSWORD, complete, confirmation_links, sign_up

pytestmark = pytest.mark.django_db


def url(name: str, town: Town, *args: object) -> str:
    return reverse(f"portal:{name}", args=[town.slug, *args])


ACCOUNT = {
    "first_name": "Léa",
    "last_name": "Bernard",
    "email": "Lea.Bernard@example.test",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def test_it_answers_404_while_signup_is_closed(town: Town) -> None:
    assert Client().get(url("signup", town)).status_code == 404
    assert Client().post(url("signup", town), ACCOUNT).status_code == 404
    assert "Inscrire ma famille" not in Client().get(reverse("accounts:login", args=[town.slug])).content.decode()


def test_the_login_page_links_to_an_open_signup(open_town: Town) -> None:
    html = Client().get(reverse("accounts:login", args=[open_town.slug])).content.decode()
    assert url("signup", open_town) in html


def test_it_signs_up_confirms_and_logs_in(open_town: Town) -> None:
    client = Client()
    response = client.post(url("signup", open_town), ACCOUNT)
    assert response.status_code == 302
    assert response["Location"] == url("signup_sent", open_town)
    [link] = confirmation_links("lea.bernard@example.test")
    path = link.removeprefix("http://testserver")
    assert "Confirmer et continuer" in client.get(path).content.decode()
    response = client.post(path)
    assert response["Location"] == url("signup_file", open_town)
    page = client.get(url("home", open_town)).content.decode()
    assert "brouillon" in page
    assert "Envoyer mon dossier" in page
    # The link served once.
    assert client.post(path).status_code == 404


def test_it_refuses_a_weak_password_and_keeps_what_was_typed(open_town: Town) -> None:
    response = Client().post(url("signup", open_town), {**ACCOUNT, "password1": "azerty", "password2": "azerty"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bernard" in html
    assert "trop court" in html or "trop courant" in html
    assert not User.objects.filter(email__iexact=ACCOUNT["email"]).exists()


def test_it_answers_the_same_for_an_address_that_has_an_account(open_town: Town, parent: User) -> None:
    response = Client().post(url("signup", open_town), {**ACCOUNT, "email": "marie.dupont@example.test"})
    assert response["Location"] == url("signup_sent", open_town)
    assert OutgoingEmail.objects.filter(kind=Kind.SIGNUP_EXISTING_ACCOUNT).count() == 1
    assert User.objects.filter(email="marie.dupont@example.test").count() == 1


def test_an_unconfirmed_account_cannot_log_in(open_town: Town) -> None:
    sign_up(open_town)
    response = Client().post(
        reverse("accounts:login", args=[open_town.slug]), {"login": "lea.bernard@example.test", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "incorrect" in response.content.decode()


def test_a_step_keeps_what_was_typed_on_an_error_and_saves_when_valid(
    open_town: Town, newcomer: User, draft: Family, client_for: Callable[[User], Client]
) -> None:
    client = client_for(newcomer)
    typed = {
        "civility": "Mme",
        "first_name": "Léa",
        "last_name": "Bernard",
        "address": "5 rue des Écoles",
        "postcode": "314",
        "city": "Saint-Exemple",
        "mobile_phone": "06 11 22 33 44",
    }
    response = client.post(url("signup_family", open_town), typed)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Code postal invalide" in html
    assert "5 rue des Écoles" in html
    response = client.post(url("signup_family", open_town), {**typed, "postcode": "31400"})
    assert response.status_code == 302
    guardian = Guardian.objects.get(user=newcomer)
    assert (guardian.address, guardian.postcode) == ("5 rue des Écoles", "31400")
    # Left and taken up again: the step shows what was saved.
    assert "5 rue des Écoles" in client.get(url("signup_family", open_town)).content.decode()


def test_it_adds_a_child_then_its_health_and_people(
    open_town: Town, newcomer: User, draft: Family, site: Site, client_for: Callable[[User], Client]
) -> None:
    client = client_for(newcomer)
    response = client.post(
        url("signup_child_new", open_town),
        {"first_name": "Hugo", "last_name": "BERNARD", "sex": "M", "birth_date": "2019-05-04", "site": site.pk},
    )
    child = Child.objects.get(family=draft)
    assert response["Location"] == url("signup_child_health", open_town, child.pk)
    response = client.post(url("signup_child_health", open_town, child.pk), {"diet": "vegetarian", "has_pai": "on"})
    assert response.status_code == 422
    assert "Décrivez le PAI" in response.content.decode()
    client.post(
        url("signup_child_health", open_town, child.pk),
        {"diet": "vegetarian", "allergies": "Arachide", "has_pai": "on", "pai_details": "Trousse au bureau"},
    )
    client.post(
        url("signup_people", open_town, child.pk),
        {"first_name": "Jean", "last_name": "BERNARD", "relationship": "Grand-père", "phone": "06 99 88 77 66"},
    )
    child.refresh_from_db()
    assert (child.diet, child.allergies, child.has_pai) == ("vegetarian", "Arachide", True)
    assert [str(person) for person in child.authorised_people.all()] == ["Jean BERNARD"]
    page = client.get(url("signup_file", open_town)).content.decode()
    assert "Santé et régime de Hugo" in page


def test_it_answers_404_for_another_familys_child(
    family: Family, open_town: Town, newcomer: User, draft: Family, client_for: Callable[[User], Client]
) -> None:
    client = client_for(newcomer)
    other_child = family.children.first()
    assert other_child is not None
    for name in ("signup_child", "signup_child_health", "signup_people"):
        assert client.get(url(name, open_town, other_child.pk)).status_code == 404
    assert client.post(url("signup_child_remove", open_town, other_child.pk)).status_code == 404
    assert Child.objects.filter(pk=other_child.pk).exists()


def test_it_sends_the_file_then_shows_it_read_only(
    open_town: Town, newcomer: User, draft: Family, site: Site, client_for: Callable[[User], Client]
) -> None:
    client = client_for(newcomer)
    complete(draft, site, newcomer)
    response = client.post(url("signup_submit", open_town))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.file_status == FileStatus.SUBMITTED
    home = client.get(url("home", open_town)).content.decode()
    assert "Dossier envoyé le" in home
    response = client.post(url("signup_family", open_town), {"civility": "M."})
    assert response.status_code == 409
    assert "ne peut plus être modifié en ligne" in response.content.decode()
    assert Guardian.objects.get(user=newcomer).civility == "Mme"


@pytest.mark.parametrize("page", ["planning", "absences", "absence_new", "regular"])
def test_a_family_not_accepted_sees_its_file_under_review_instead_of_booking(
    town: Town, family: Family, parent: User, client_for: Callable[[User], Client], page: str
) -> None:
    Family.objects.filter(pk=family.pk).update(file_status=FileStatus.SUBMITTED)
    response = client_for(parent).get(url(page, town))
    assert response.status_code == 200
    assert "Votre dossier est en cours d&#x27;examen" in response.content.decode()


def test_a_family_not_accepted_has_a_short_menu(
    town: Town, family: Family, parent: User, client_for: Callable[[User], Client]
) -> None:
    Family.objects.filter(pk=family.pk).update(file_status=FileStatus.DRAFT)
    html = client_for(parent).get(url("messages", town)).content.decode()
    assert url("signup_file", town) in html
    assert url("planning", town) not in html
    assert url("invoices", town) not in html
