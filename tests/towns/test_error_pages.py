"""Errors answer French pages in the site's layout with a way back; JSON under the API; 500 without the database."""

import json
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.api.errors import ApiErrorsAsJson
from ardoise.towns.errors import server_error
from ardoise.towns.models import Town
from tests.factories import PASSWORD


def page(response: Any) -> str:
    return response.content.decode()


def links(response: Any) -> set[str]:
    return set(re.findall(r'<a class="button[^"]*" href="([^"]+)"', page(response)))


def test_it_runs_the_tests_as_production_does_without_debug() -> None:
    assert settings.DEBUG is False


def test_it_shows_a_french_404_in_the_towns_layout_with_the_login_link(town: Town) -> None:
    response = Client().get(f"/{town.slug}/nulle-part/")
    assert response.status_code == 404
    html = page(response)
    assert '<html lang="fr">' in html
    assert "Page introuvable" in html
    assert "Not Found" not in html
    assert town.name in html  # the town's header and footer
    assert links(response) == {reverse("accounts:login", args=[town.slug])}


def test_it_links_a_parent_to_the_portal_and_staff_to_the_back_office(
    town: Town, parent: User, front_desk: User, client_for: Any
) -> None:
    response = client_for(parent).get(f"/{town.slug}/nulle-part/")
    assert response.status_code == 404
    assert links(response) == {reverse("portal:home", args=[town.slug])}
    assert "Planning" in page(response)  # the parent's menu

    response = client_for(front_desk).get(f"/{town.slug}/staff/nulle-part/")
    assert response.status_code == 404
    assert links(response) == {reverse("backoffice:home", args=[town.slug])}
    assert "Pointage" in page(response)  # the staff menu


def test_it_treats_an_account_of_another_town_as_a_stranger(town: Town, stranger: User, client_for: Any) -> None:
    response = client_for(stranger).get(reverse("portal:planning", args=[town.slug]))
    assert response.status_code == 404
    html = page(response)
    assert "Page introuvable" in html
    assert stranger.get_full_name() not in html
    assert "Déconnexion" not in html
    assert links(response) == {reverse("accounts:login", args=[town.slug])}


def test_it_shows_a_french_404_for_an_unknown_town(db: None) -> None:
    response = Client().get("/ville-inconnue/")
    assert response.status_code == 404
    assert "Page introuvable" in page(response)
    assert links(response) == set()
    assert "adresse donnée par votre commune" in page(response)  # a way back without a town to link to


def test_it_shows_a_french_403_to_staff_whose_role_lacks_the_page(
    town: Town, kitchen_agent: User, client_for: Any
) -> None:
    response = client_for(kitchen_agent).get(reverse("backoffice:invoicing", args=[town.slug]))
    assert response.status_code == 403
    html = page(response)
    assert "Accès refusé" in html
    assert "Forbidden" not in html
    assert links(response) == {reverse("backoffice:home", args=[town.slug])}


@pytest.mark.urls("tests.towns.error_urls")
def test_it_shows_a_french_400_and_403_raised_by_a_view(town: Town, parent: User, client_for: Any) -> None:
    response = client_for(parent).get(f"/{town.slug}/echec/400/")
    assert response.status_code == 400
    assert "Requête invalide" in page(response)
    assert links(response) == {reverse("portal:home", args=[town.slug])}

    response = client_for(parent).get(f"/{town.slug}/echec/403/")
    assert response.status_code == 403
    assert "Accès refusé" in page(response)


def test_it_shows_a_french_400_for_a_host_it_does_not_serve(town: Town) -> None:
    response = Client(HTTP_HOST="ailleurs.example").get(f"/{town.slug}/login/")
    assert response.status_code == 400
    assert "Requête invalide" in page(response)
    assert "Bad Request" not in page(response)


@pytest.mark.urls("tests.towns.error_urls")
def test_it_shows_a_static_french_500_with_a_way_back(town: Town, parent: User) -> None:
    client = Client(raise_request_exception=False)
    client.login(town=town, login=parent.email, password=PASSWORD)
    response = client.get(f"/{town.slug}/echec/500/")
    assert response.status_code == 500
    html = page(response)
    assert '<html lang="fr">' in html
    assert "Une erreur est survenue" in html
    assert "Server Error" not in html
    # The login page sends a logged-in user to their home.
    assert links(response) == {reverse("accounts:login", args=[town.slug])}


def test_it_renders_the_500_page_without_the_database() -> None:
    # No `db` fixture: a query would fail the test.
    response = server_error(RequestFactory().get("/saint-exemple/planning/"))
    assert response.status_code == 500
    assert 'href="/saint-exemple/login/"' in page(response)
    assert "{%" not in page(response)


def test_it_says_in_french_that_a_form_expired(town: Town, parent: User) -> None:
    client = Client(enforce_csrf_checks=True)
    login_url = reverse("accounts:login", args=[town.slug])
    client.get(login_url)  # the form and its cookie
    response = client.post(
        login_url,
        {"login": parent.email, "password": PASSWORD, "csrfmiddlewaretoken": "expire" * 8},
        HTTP_REFERER=f"http://testserver{login_url}",
    )
    assert response.status_code == 403
    html = page(response)
    assert "Page expirée" in html
    assert "Rechargez la page" in html
    assert "CSRF verification failed" not in html
    assert links(response) == {login_url}  # reload the form (the login page is also the way home)


def test_it_says_to_accept_cookies_when_none_came_back(town: Town) -> None:
    response = Client(enforce_csrf_checks=True).post(reverse("accounts:login", args=[town.slug]), {"login": "x"})
    assert response.status_code == 403
    assert "accepte les cookies" in page(response)


def test_it_keeps_json_answers_under_the_api(town: Town, parent: User) -> None:
    client = Client()
    # A call the API knows, for something not found: the API's own answer.
    response = client.post(
        f"/{town.slug}/api/v1/auth/token", {"login": parent.email, "password": PASSWORD}, "application/json"
    )
    token = response.json()["token"]
    response = client.get(f"/{town.slug}/api/v1/invoices/999999/pdf", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response["Content-Type"]) == (404, "application/json; charset=utf-8")
    assert response.json() == {"detail": "Introuvable."}
    # A path the API does not have, and a town that does not exist: JSON too.
    for path in (f"/{town.slug}/api/v1/nulle-part", "/ville-inconnue/api/v1/family"):
        response = client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {"detail": "Introuvable."}


def test_it_answers_json_for_a_server_error_under_the_api() -> None:
    # As Django answers an exception: the 500 handler's page, through the middlewares.
    response = ApiErrorsAsJson(server_error)(RequestFactory().get("/saint-exemple/api/v1/family"))
    assert response.status_code == 500
    assert json.loads(response.content) == {"detail": "Erreur interne du serveur. Réessayez plus tard."}


def test_it_keeps_the_flash_messages_for_the_next_page(town: Town, parent: User, client_for: Any) -> None:
    client = client_for(parent)
    assert client.post(reverse("portal:ical_regenerate", args=[town.slug])).status_code == 302
    assert client.get(f"/{town.slug}/nulle-part/").status_code == 404
    assert "Nouveau lien créé" in page(client.get(reverse("portal:record", args=[town.slug])))
