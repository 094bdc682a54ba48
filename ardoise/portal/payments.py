"""The parent's "Payer en ligne" on an unpaid invoice: start the operation, go to the provider."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from ardoise.billing.models import Invoice
from ardoise.families.models import Family
from ardoise.payments import actions
from ardoise.payments.views import absolute_urls
from ardoise.towns.access import parent_required


@require_POST
@parent_required
def pay_invoice(request: HttpRequest, family: Family, invoice_id: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice.objects.select_related("town"), town=request.town, family=family, pk=invoice_id)
    try:
        _online, url = actions.start_online_payment(invoice, request.user.email, absolute_urls(request))
    except actions.PaymentRefused as refused:
        messages.error(request, refused.message)
        return redirect("portal:invoices", request.town.slug)  # type: ignore[attr-defined]
    return redirect(url)
