"""The provider's side of online payment: notification, return, result, and the simulator's page.

The notification and return URLs carry our own token; what is posted there is
never trusted: the operation is checked with the provider (actions.check_online_payment).
"""

import logging
import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ardoise.families.models import Family
from ardoise.payments import actions
from ardoise.payments.models import OnlinePayment, ProviderKind, SimulatedOperation
from ardoise.towns.access import parent_required
from ardoise.towns.http import AuthedRequest, TownRequest

logger = logging.getLogger("ardoise.payments")


def absolute_urls(request: HttpRequest) -> actions.UrlBuilder:
    """Notification and return URLs of an operation, absolute, as the provider needs them."""

    def url_for(name: str, online: OnlinePayment) -> str:
        return request.build_absolute_uri(reverse(f"payments:{name}", args=[online.town.slug, online.token]))

    return url_for


def _posted_idop(request: HttpRequest) -> str | None:
    for source in (request.POST, request.GET):
        for key in ("idOp", "idop"):
            if source.get(key):
                return str(source[key])[:64]
    return None


def _online(request: TownRequest, token: uuid.UUID) -> OnlinePayment:
    online = OnlinePayment.objects.filter(town=request.town, token=token).select_related("town").first()
    if online is None:
        logger.warning("Payment notification for unknown operation %s in %s; ignored", token, request.town.slug)
        raise Http404
    return online


@csrf_exempt
@require_http_methods(["GET", "POST"])
def notification(request: TownRequest, token: uuid.UUID) -> HttpResponse:
    """The provider's server-to-server call: answers 200 once the operation is checked."""
    actions.check_online_payment(_online(request, token), _posted_idop(request))
    return HttpResponse("OK", content_type="text/plain")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def payment_return(request: TownRequest, token: uuid.UUID) -> HttpResponse:
    """Where the provider sends the parent back: check, then show the result."""
    online = actions.check_online_payment(_online(request, token), _posted_idop(request))
    return redirect("payments:result", request.town.slug, online.token)


@parent_required
def result(request: AuthedRequest, family: Family, token: uuid.UUID) -> HttpResponse:
    online = get_object_or_404(
        OnlinePayment.objects.select_related("invoice", "payment"), town=request.town, family=family, token=token
    )
    return render(request, "payments/result.html", {"online": online})


@parent_required
@require_http_methods(["GET", "POST"])
def simulator(request: AuthedRequest, family: Family, idop: str) -> HttpResponse:
    """The simulator's payment page, standing in for PayFiP's: "Payer" or "Refuser"."""
    online = get_object_or_404(
        OnlinePayment.objects.select_related("invoice"),
        town=request.town,
        family=family,
        provider=ProviderKind.SIMULATOR,
        idop=idop,
    )
    operation = get_object_or_404(SimulatedOperation, town=request.town, idop=idop)
    if request.method == "POST":
        choice = request.POST.get("choice")
        if choice not in ("pay", "refuse"):
            return render(request, "payments/simulator.html", {"online": online, "operation": operation}, status=422)
        if not operation.result:
            operation.result = "P" if choice == "pay" else "R"
            operation.save(update_fields=["result"])
        # As PayFiP would: notify Ardoise, then send the parent back.
        actions.check_online_payment(online)
        return redirect("payments:return", request.town.slug, online.token)
    return render(request, "payments/simulator.html", {"online": online, "operation": operation})
