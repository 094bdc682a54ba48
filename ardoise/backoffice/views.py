"""The staff pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ardoise.towns.access import staff_required
from ardoise.towns.models import StaffRole


@staff_required()
def home(request: HttpRequest) -> HttpResponse:
    roles = StaffRole.objects.filter(town=request.town, user=request.user).select_related("site").order_by("role")
    return render(request, "backoffice/home.html", {"roles": list(roles), "today": timezone.localdate()})
