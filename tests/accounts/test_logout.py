from django.test import Client
from django.urls import reverse


def test_it_logs_out_by_post(town, parent, client_for):
    client = client_for(parent)
    response = client.post(reverse("accounts:logout", args=[town.slug]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:login", args=[town.slug])
    assert "Vous êtes déconnecté" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_logout_by_get(town, parent, client_for):
    client = client_for(parent)
    assert client.get(reverse("accounts:logout", args=[town.slug])).status_code == 405
    assert "_auth_user_id" in client.session


def test_it_requires_the_csrf_token(town, parent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)
    assert client.post(reverse("accounts:logout", args=[town.slug])).status_code == 403
    assert "_auth_user_id" in client.session
