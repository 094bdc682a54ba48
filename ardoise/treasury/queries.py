"""Reads of the treasury for the pages: bordereaux, a run's export, what a month would hand over."""

from django.db.models import QuerySet

from ardoise.billing.models import InvoicingRun
from ardoise.towns.models import Town

from .models import Handover, HandoverItem, ProductCode, RunExport


def latest_run_export(run: InvoicingRun) -> RunExport | None:
    return RunExport.objects.filter(town_id=run.town_id, run=run).defer("pes").order_by("-pk").first()


def handovers(town: Town) -> QuerySet[Handover]:
    """The town's bordereaux, newest first, without their files. One query."""
    return Handover.objects.filter(town=town).select_related("created_by").defer("pes").order_by("-created_at", "-pk")


def run_exports(town: Town) -> QuerySet[RunExport]:
    return (
        RunExport.objects.filter(town=town)
        .select_related("run", "created_by")
        .defer("pes")
        .order_by("-created_at", "-pk")
    )


def handover_items(handover: Handover) -> QuerySet[HandoverItem]:
    """A bordereau's titles with their invoices and families. One query."""
    return (
        HandoverItem.objects.filter(town_id=handover.town_id, handover=handover)
        .select_related("invoice", "invoice__family")
        .order_by("piece_number")
    )


def product_codes(town: Town) -> QuerySet[ProductCode]:
    return ProductCode.objects.filter(town=town).select_related("activity", "activity__site")
