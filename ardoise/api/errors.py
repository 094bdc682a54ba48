"""Every answer of the API that is an error is JSON `{"detail": "..."}` in French (../shared/API.md).

Errors inside an endpoint go through the exception handlers of `api.api`; what happens before
django-ninja runs (an unknown API address: the URL resolver's 404; a request refused by a
middleware) or what ninja answers itself (405) is rewritten by `ApiErrorsAsJson`, which
turns any error answer under `/<town>/api/` that is not JSON into JSON, with the same status.
An unexpected exception is logged by Django (`django.request`) before it becomes that 500.
"""

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

API_PATH = re.compile(r"^/[^/]+/api/")

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
