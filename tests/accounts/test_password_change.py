from django.test import Client
from django.urls import reverse

from ardoise import settings as project_settings
from tests.factories import PASSWORD

NEW_PASSWORD = "cantine-du-lundi-2026"


def test_it_requires_login(town):
    response = Client().get(reverse("accounts:password_change", args=[town.slug]))
    assert response.status_code == 302
    assert response["Location"] == f"/{town.slug}/login/?next=/{town.slug}/password/change/"


def test_it_changes_the_password_and_keeps_the_session(town, parent, client_for, settings):
    # Argon2 hashes the new password; MD5 (the test kit's) still checks the old one.
    settings.PASSWORD_HASHERS = [*project_settings.PASSWORD_HASHERS, "django.contrib.auth.hashers.MD5PasswordHasher"]
    client = client_for(parent)
    url = reverse("accounts:password_change", args=[town.slug])
    assert client.get(url).status_code == 200
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = client.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home", args=[town.slug])
    assert "Votre mot de passe a été modifié." in response.content.decode()
    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD)
    assert parent.password.startswith("argon2")


def test_it_refuses_a_wrong_old_password_and_a_short_one(town, front_desk, client_for):
    client = client_for(front_desk)
    url = reverse("accounts:password_change", args=[town.slug])
    response = client.post(url, {"old_password": "faux", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 200
    assert "ancien mot de passe est incorrect" in response.content.decode()
    response = client.post(url, {"old_password": PASSWORD, "new_password1": "court1", "new_password2": "court1"})
    assert "trop court" in response.content.decode()
    front_desk.refresh_from_db()
    assert front_desk.check_password(PASSWORD)


def test_it_requires_the_csrf_token(town, parent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)
    url = reverse("accounts:password_change", args=[town.slug])
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert client.post(url, data).status_code == 403
