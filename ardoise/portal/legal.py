"""The town's public statements, open to anyone (no login): the accessibility statement (`accessibilite/`) and
the information on personal data (`donnees-personnelles/`), linked from every page's footer. What they say comes
from `legal.queries`: the town's fields, Ardoise's part and defaults (`legal.texts`)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from ardoise.legal import queries, texts
from ardoise.privacy.queries import retention_years


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    town = request.town  # type: ignore[attr-defined]
    context = {
        "statement": queries.statement(town, timezone.localdate()),
        "website": request.build_absolute_uri(f"/{town.slug}/"),
        "commitments": texts.ARDOISE_COMMITMENTS,
        "defenseur_form_url": texts.DEFENSEUR_FORM_URL,
        "defenseur_delegates_url": texts.DEFENSEUR_DELEGATES_URL,
        "defenseur_letter": texts.DEFENSEUR_LETTER,
    }
    return render(request, "portal/legal/accessibility.html", context)


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    town = request.town  # type: ignore[attr-defined]
    context = {
        "notice": queries.notice(town, retention_years(town)),
        "texts": texts,
    }
    return render(request, "portal/legal/privacy_notice.html", context)


urlpatterns = [
    path("accessibilite/", accessibility, name="accessibility"),
    path("donnees-personnelles/", privacy_notice, name="privacy_notice"),
]
