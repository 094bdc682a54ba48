"""The project's URLs and error handlers, plus town pages that fail on purpose (for the error page tests only)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from ardoise.urls import handler400, handler403, handler404, handler500
from ardoise.urls import urlpatterns as project_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def fails(request: HttpRequest, error: str) -> HttpResponse:
    if error == "400":
        raise SuspiciousOperation("Forged input.")
    if error == "403":
        raise PermissionDenied
    raise RuntimeError("A bug in a view.")


urlpatterns = [path("<slug:town_slug>/echec/<str:error>/", fails), *project_urlpatterns]
