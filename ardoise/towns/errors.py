"""The error pages (400, 403, 404, 500 and the expired form), in French and in the site's layout.

Django's own pages are English and bare. Ours belong to the town of the URL
(`/<town>/…`, read from the path: a 404 may come before any view resolved it),
seen as the visitor sees the town: staff get the back office, parents their
portal, anyone else (including an account of another town) the login page.
Under `/<town>/api/` the middleware `api.errors.ApiErrorsAsJson` turns these
pages into the API's JSON `{"detail": …}`. The 500 page renders a static template without a request, its
context processors or the database, which may be what failed.
"""

import logging
import re

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.template import Context, Engine
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from ardoise.towns.models import Town

logger = logging.getLogger(__name__)

# The first segment of a town URL.
TOWN_PATH = re.compile(r"^/(?P<slug>[-a-zA-Z0-9_]+)/")


def town_of(request: HttpRequest) -> Town | None:
    """The town of the URL, whether or not a view was reached."""
    town = getattr(request, "town", None)
    if town is not None:
        return town  # type: ignore[no-any-return]
    match = TOWN_PATH.match(request.path)
    return Town.objects.filter(slug=match["slug"]).first() if match else None


def error_page(request: HttpRequest, status: int, title: str, lines: list[str], *, back: str = "") -> HttpResponse:
    """The page for `status`."""
    # An error may be raised before the authentication middleware ran (a bad Host header).
    if not hasattr(request, "user"):
        request.user = AnonymousUser()
    town = town_of(request)
    # An account of another town is a stranger here: no name, no menu of this town.
    if request.user.is_authenticated and getattr(request.user, "town_id", None) != getattr(town, "pk", None):
        request.user = AnonymousUser()
    request.town = town  # type: ignore[attr-defined]  # read by the layout's menu and home link
    # Flash messages wait for the next real page (an error may be a background fetch the user never sees).
    context = {"title": title, "lines": lines, "back": back, "messages": []}
    return render(request, "errors/page.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(
        request,
        400,
        _("Requête invalide"),
        [_("La demande envoyée n'a pas pu être comprise. Revenez en arrière et réessayez.")],
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(
        request,
        403,
        _("Accès refusé"),
        [
            _("Votre compte ne donne pas accès à cette page."),
            _("Si vous en avez besoin pour votre travail, demandez-le à un administrateur du service."),
        ],
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(
        request,
        404,
        _("Page introuvable"),
        [
            _("Cette page n'existe pas, ou elle n'est pas accessible avec votre compte."),
            _("Vérifiez l'adresse, ou repartez de l'accueil."),
        ],
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent with an expired or missing security token (CSRF_FAILURE_VIEW)."""
    lines = [_("Ce formulaire a expiré : la page est restée ouverte trop longtemps, ou vous vous êtes reconnecté.")]
    lines.append(_("Rechargez la page, puis recommencez votre saisie."))
    if reason == REASON_NO_CSRF_COOKIE:
        lines.append(_("Si le problème continue, vérifiez que votre navigateur accepte les cookies de ce site."))
    return error_page(request, 403, _("Page expirée"), lines, back=_page_before(request))


def _page_before(request: HttpRequest) -> str:
    """The page the form was on (to reload it), when it is a page of this site's town."""
    referer = request.headers.get("referer", "")
    match = TOWN_PATH.match(request.path)
    if not match or not url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return ""
    path = re.sub(r"^[a-z]+://[^/]+", "", referer)
    return path if path.startswith(f"/{match['slug']}/") else ""


def server_error(request: HttpRequest) -> HttpResponse:
    """500: a static page (no request context, no query); its only input is the town's slug from the path."""
    match = TOWN_PATH.match(request.path)
    login = f"/{match['slug']}/login/" if match else ""
    try:
        html: str = Engine.get_default().get_template("500.html").render(Context({"login_url": login}))
    except Exception:  # the page of last resort must not fail in turn
        logger.exception("The 500 page could not be rendered.")
        html = "<!doctype html><title>Erreur</title><h1>Une erreur est survenue</h1>"
    return HttpResponseServerError(html)
