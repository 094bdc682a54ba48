"""Resolves the town from the first URL segment (/<town>/…).

Every town URL is declared under `<slug:town_slug>/`; this middleware turns the
slug into `request.town` (404 for an unknown town) and makes sure a logged-in
account of another town is never let through: for this town's pages it is
treated as a stranger, and pages that need a login answer 404.
"""

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.shortcuts import get_object_or_404

from ardoise.accounts import api_tokens
from ardoise.towns.models import Town

# Relations of the town that every page reads (names of one-to-one relations), added by the apps that own them
# in their `ready()` so that the town's own query brings them: `legal` adds the accessibility statement, whose
# level every page's footer states.
TOWN_RELATED: list[str] = []


class TownMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: list[Any], view_kwargs: dict[str, Any]
    ) -> None:
        # The JSON API (django-ninja) needs the slug to build its OpenAPI paths;
        # every other view gets the town as request.town only.
        match = request.resolver_match
        in_api = match is not None and "api" in match.namespaces
        slug = view_kwargs.get("town_slug") if in_api else view_kwargs.pop("town_slug", None)
        request.town = None  # type: ignore[attr-defined]
        if slug is None:
            return
        town = self.api_caller(request, slug) if in_api else None
        if town is None:
            towns = Town.objects.select_related(*TOWN_RELATED) if TOWN_RELATED else Town.objects.all()
            town = get_object_or_404(towns, slug=slug)
        request.town = town  # type: ignore[attr-defined]
        user = request.user
        if user.is_authenticated and getattr(user, "town_id", None) != town.pk:
            raise Http404

    @staticmethod
    def api_caller(request: HttpRequest, slug: str) -> Town | None:
        """For an API call with a bearer token: the town, read with the live token and its caller in one query.

        The token (or None when it is not a live token of this town) goes to `request.api_token`, which the
        API's authentication reads instead of querying again; without a live token the town is read alone.
        """
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        found = api_tokens.token_of_town(slug, token, tuple(TOWN_RELATED))
        request.api_token = found  # type: ignore[attr-defined]
        return found.town if found is not None else None


class PageContentSecurityPolicyMiddleware(ContentSecurityPolicyMiddleware):
    """Django's Content-Security-Policy (`SECURE_CSP`), on every response but PDFs.

    A PDF opened in the browser is drawn by the browser's own viewer, which a
    page's policy (no plugin, no inline style) can leave blank or cut short in Chromium;
    the policy protects pages, and a PDF runs none of the site's scripts.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.get("Content-Type", "").startswith("application/pdf"):
            return response
        return super().process_response(request, response)
