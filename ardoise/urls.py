from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.generic import RedirectView

from ardoise.api.api import api

# Every page belongs to a town: /<town>/… (the TownMiddleware resolves it).
town_patterns = [
    path("", include("ardoise.accounts.urls")),
    path("", include("ardoise.portal.urls")),
    path("staff/", include("ardoise.backoffice.urls")),
    path("paiement/", include("ardoise.payments.urls")),
    path("api/v1/", api.urls),
]


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring: the process answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("<slug:town_slug>/", include(town_patterns)),
]

# French pages in the site's layout (JSON under /<town>/api/) instead of Django's defaults.
handler400 = "ardoise.towns.errors.bad_request"
handler403 = "ardoise.towns.errors.permission_denied"
handler404 = "ardoise.towns.errors.page_not_found"
handler500 = "ardoise.towns.errors.server_error"

if settings.DEBUG:
    urlpatterns.append(path("", RedirectView.as_view(url="/demo/")))
