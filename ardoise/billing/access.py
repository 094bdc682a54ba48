"""Who may reach which invoicing run or invoice: 404 (Http404) for anything outside the caller's reach."""

from ardoise.billing.models import Invoice, InvoicingRun
from ardoise.towns.access import object_or_404
from ardoise.towns.models import Town


def access_run(town: Town, run_id: int) -> InvoicingRun:
    """An invoicing run of this town, or 404."""
    return object_or_404(InvoicingRun.objects.filter(town=town).select_related("town"), pk=run_id)


def access_invoice(town: Town, invoice_id: int) -> Invoice:
    """An invoice of this town, or 404."""
    return object_or_404(Invoice.objects.filter(town=town).select_related("town", "family", "run"), pk=invoice_id)
