"""The family's direct debits ("Mes prélèvements"): its mandate, the debits made and to
come, and the rejected ones with the invoice to pay again."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from ardoise.billing import statements
from ardoise.directdebit.models import CollectionItem, CreditorSettings, ItemStatus, Mandate, MandateState
from ardoise.families.models import Family
from ardoise.towns.access import parent_required
from ardoise.towns.http import AuthedRequest


@parent_required
def direct_debits(request: AuthedRequest, family: Family) -> HttpResponse:
    town = request.town
    offered = CreditorSettings.objects.filter(town=town).exists()
    mandates = list(Mandate.objects.filter(town=town, family=family).order_by("-signed_on", "-pk"))
    items = list(
        CollectionItem.objects.filter(town=town, family=family)
        .select_related("collection", "invoice")
        .defer("collection__xml")
        .order_by("-collection__collection_date", "-pk")
    )
    today = timezone.localdate()
    # What remains due on the invoices of rejected debits, to pay them again (one query).
    remaining = {summary.id: summary for summary in statements.unpaid_invoices(family)}
    rejected = [(item, remaining.get(item.invoice_id)) for item in items if item.status == ItemStatus.REJECTED]
    context = {
        "offered": offered,
        "mandate": next((mandate for mandate in mandates if mandate.state == MandateState.ACTIVE), None),
        "past_mandates": [mandate for mandate in mandates if mandate.state != MandateState.ACTIVE],
        "coming": [
            item for item in items if item.status == ItemStatus.DEBITED and item.collection.collection_date > today
        ],
        "made": [
            item for item in items if item.status == ItemStatus.DEBITED and item.collection.collection_date <= today
        ],
        "rejected": rejected,
    }
    return render(request, "portal/direct_debits/index.html", context)


urlpatterns = [path("", direct_debits, name="direct_debits")]
