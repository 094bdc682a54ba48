"""Every error the API answers is JSON `{"detail": "..."}` in French, whatever raised it (../shared/API.md)."""

import logging
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client

from ardoise.accounts.models import User
from tests.api.test_api import Api, login

pytestmark = pytest.mark.django_db


def assert_json_error(response: Any, status: int, detail: str | None = None) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str)
    assert body["detail"]
    if detail is not None:
        assert body["detail"] == detail


def test_it_answers_a_body_over_the_size_limit_with_a_json_413(parent: User, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api = login(parent)
    response = api.post("messages", {"subject": "Cantine", "body": "x" * 2000})
    assert_json_error(response, 413, "Requête trop volumineuse (1000 octets au plus).")
    # Before authentication too.
    assert_json_error(Api(parent.town.slug).post("auth/token", {"login": "x" * 2000, "password": "y"}), 413)


def test_it_answers_malformed_json_in_french(parent: User) -> None:
    api = login(parent)
    response = api.client.post(
        api.base + "messages", "{not json", content_type="application/json", headers=api.headers()
    )
    assert_json_error(response, 400, "Le corps de la requête n'est pas du JSON valide.")


def test_it_answers_json_nested_too_deep_without_a_500(parent: User) -> None:
    api = login(parent)
    response = api.client.post(
        api.base + "messages", "[" * 100_000, content_type="application/json", headers=api.headers()
    )
    assert_json_error(response, 400)


def test_it_answers_a_form_body_where_json_is_expected(parent: User) -> None:
    api = login(parent)
    response = api.client.post(api.base + "messages", {"subject": "Cantine", "body": "Bonjour"}, headers=api.headers())
    assert response.status_code in (400, 422)
    assert_json_error(response, response.status_code)


def test_it_answers_an_unknown_method_with_a_json_405(parent: User) -> None:
    api = login(parent)
    response = api.client.put(api.base + "family", "{}", content_type="application/json", headers=api.headers())
    assert_json_error(response, 405, "Méthode non autorisée pour cette adresse.")
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("path", ["nowhere", "children/abc/planning", "invoices/-1/pdf", "invoices/12/unknown"])
def test_it_answers_an_unknown_api_address_with_a_json_404(parent: User, path: str) -> None:
    api = login(parent)
    response = api.client.get(api.base + path, headers=api.headers())
    assert_json_error(response, 404, "Introuvable.")


def test_it_answers_an_unknown_town_with_a_json_404() -> None:
    assert_json_error(Client().get("/no-such-town/api/v1/family"), 404, "Introuvable.")


@pytest.mark.parametrize(
    ("exception", "status"),
    [(SuspiciousOperation("forged"), 400), (PermissionDenied(), 403), (RuntimeError("bug"), 500)],
)
def test_it_answers_an_exception_in_an_endpoint_with_json(
    parent: User, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, exception: Exception, status: int
) -> None:
    api = login(parent)
    api.client = Client(raise_request_exception=False)

    def broken(*args: object, **kwargs: object) -> None:
        raise exception

    monkeypatch.setattr("ardoise.api.api.family_card", broken)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = api.get("family")
    assert_json_error(response, status)
    if status == 500:
        assert response.json()["detail"] == "Erreur interne du serveur. Réessayez plus tard."
        assert "bug" not in response.content.decode()
        assert any(record.exc_info and record.exc_info[1] is exception for record in caplog.records)


def test_it_leaves_the_html_pages_alone(parent: User) -> None:
    response = Client().get(f"/{parent.town.slug}/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")
