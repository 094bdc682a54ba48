from django.conf import settings
from django.urls import include, path
from django.views.generic import RedirectView

from ardoise.api.api import api

# Every page belongs to a town: /<town>/… (the TownMiddleware resolves it).
town_patterns = [
    path("", include("ardoise.accounts.urls")),
    path("", include("ardoise.portal.urls")),
    path("staff/", include("ardoise.backoffice.urls")),
    path("api/v1/", api.urls),
]

urlpatterns = [
    path("<slug:town_slug>/", include(town_patterns)),
]

if settings.DEBUG:
    urlpatterns.append(path("", RedirectView.as_view(url="/demo/")))
