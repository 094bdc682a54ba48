"""Every answer of the API that is an error is JSON `{"detail": "..."}` in French (../shared/API.md).

Errors inside an endpoint go through the exception handlers of `api.api`; what happens before
django-ninja runs (an unknown API address: the URL resolver's 404; a request refused by a
middleware) or what ninja answers itself (405) is rewritten by `ApiErrorsAsJson`, which
turns any error answer under `/<town>/api/` that is not JSON into JSON, with the same status.
An unexpected exception is logged by Django (`django.request`) before it becomes that 500.
"""

import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Schema

from ardoise.towns.errors import TOWN_PATH

# A town URL (its first segment, as the error pages read it) whose second segment is `api`.
API_PATH = re.compile(TOWN_PATH.pattern + "api/")

# The headers an error answer keeps when it is rewritten: they tell the client what to do next.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def is_api_path(path: str) -> bool:
    return API_PATH.match(path) is not None


def detail_for(status: int) -> str:
    """What an error status means, for a client developer reading French."""
    details = {
        400: _("Requête invalide."),
        401: _("Authentification requise ou jeton invalide."),
        403: _("Accès refusé."),
        404: _("Introuvable."),
        405: _("Méthode non autorisée pour cette adresse."),
        409: _("La demande est refusée par les règles du service."),
        413: _("Requête trop volumineuse."),
        415: _("Type de contenu non pris en charge : envoyez du JSON."),
        422: _("Données invalides."),
        429: _("Trop de requêtes. Réessayez dans quelques minutes."),
        500: _("Erreur interne du serveur. Réessayez plus tard."),
    }
    if status in details:
        return details[status]
    return _("Erreur interne du serveur. Réessayez plus tard.") if status >= 500 else _("Requête refusée.")


def error_response(status: int, detail: str | None = None) -> JsonResponse:
    # The same content type as django-ninja's own answers.
    return JsonResponse(
        {"detail": detail or detail_for(status)}, status=status, content_type="application/json; charset=utf-8"
    )


def is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


class ApiErrorsAsJson:
    """An error answer under `/<town>/api/` is always JSON, whoever produced it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not is_api_path(request.path) or is_json(response):
            return response
        rewritten = error_response(response.status_code)
        for header in KEPT_HEADERS:
            if header in response:
                rewritten[header] = response[header]
        return rewritten


# What each error answer means in the OpenAPI document; which operations get it is decided below.
DOCUMENTED = {
    400: "Corps de requête illisible (JSON invalide) ou requête refusée par le serveur.",
    401: "Pas de jeton, ou jeton invalide ou expiré.",
    404: "Introuvable : identifiant inconnu, d'une autre famille ou d'une autre commune, ou mal formé.",
    413: "Corps de requête trop volumineux (DATA_UPLOAD_MAX_MEMORY_SIZE, 2,5 Mo par défaut).",
    422: "Données invalides : champ manquant, inconnu, de mauvais type, hors limites, ou caractère de contrôle.",
}


def _error_response(status: int, schema: str) -> dict[str, Any]:
    return {
        "description": DOCUMENTED[status],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def document_errors(openapi: dict[str, Any], invalid: type[Schema]) -> dict[str, Any]:
    """Adds to every operation of the OpenAPI document the error answers it can give (API.md), with
    their schema: 422 to all (any query string is checked), 401 and 404 where a token is needed, 404
    where the address holds an id, 400 and 413 where a body is read. Declared answers are kept."""
    components = openapi.setdefault("components", {}).setdefault("schemas", {})
    invalid_schema = invalid.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(invalid_schema.pop("$defs", {}))
    components[invalid.__name__] = invalid_schema
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            statuses = {422}
            if operation.get("security"):
                statuses |= {401, 404}
            if any(parameter.get("in") == "path" for parameter in operation.get("parameters", [])):
                statuses.add(404)
            if "requestBody" in operation:
                statuses |= {400, 413}
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                if status not in responses and str(status) not in responses:
                    responses[status] = _error_response(status, invalid.__name__ if status == 422 else "ErrorOut")
    return openapi
