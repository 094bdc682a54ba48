"""The parents' pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ardoise.billing.balance import family_balance
from ardoise.families.models import Child, Family
from ardoise.towns.access import parent_required


@parent_required
def home(request: HttpRequest, family: Family) -> HttpResponse:
    children = Child.objects.filter(town=request.town, family=family).select_related("site")
    context = {
        "family": family,
        "guardian": request.user.guardian,  # type: ignore[union-attr]
        "children": list(children),
        "balance": family_balance(family),
        "today": timezone.localdate(),
    }
    return render(request, "portal/home.html", context)
