"""Reads of the treasury: for the pages (bordereaux, a run's export, what a month would hand over) and the
batches of the finance-software exports (Magnus, JVS Millésime).

A batch loader (`run_batch`, `handover_batch`) reads in a constant number of queries (the town's treasury
settings, then `titles.load_titles`'s six, and a handover's items), whatever the number of invoices, and
returns a `batch.Batch` for `magnus` and `jvs`; what cannot be exported is `ExportRefused`.
"""

import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.billing.models import Invoice, InvoicingRun, RunStatus
from ardoise.towns.models import Town

from .batch import Batch, ExportRefused
from .models import Handover, HandoverItem, ProductCode, RunExport, TreasurySettings
from .titles import Title, load_titles


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


# Batches of the finance-software exports


def _settings(town: Town) -> TreasurySettings:
    found = TreasurySettings.objects.filter(town=town).first()
    if found is None:
        raise ExportRefused(
            [_("Les paramètres du Trésor public ne sont pas renseignés (SIRET, code collectivité, code budget).")]
        )
    return found


def _batch(
    town: Town,
    settings: TreasurySettings,
    reference: str,
    dated: datetime.date,
    year: int,
    titles: list[Title],
    frozen_due: dict[int, Decimal],
) -> Batch:
    """A batch of `titles` with the town's identifiers from its treasury settings."""
    return Batch(
        reference=reference,
        dated=dated,
        year=year,
        collectivity_label=settings.label or town.name,
        siret=settings.siret,
        collectivity_code=settings.collectivity_code,
        budget_code=settings.budget_code,
        titles=tuple(titles),
        frozen_due=frozen_due,
    )


def run_batch(town: Town, run: InvoicingRun) -> Batch:
    """The issued invoices of `run`, by number; dated the day the run was issued."""
    if run.status != RunStatus.ISSUED or run.issued_at is None:
        raise ExportRefused([_("Cette facturation n'est pas encore émise : il n'y a pas de facture à exporter.")])
    settings = _settings(town)
    dated = timezone.localdate(run.issued_at)
    titles = load_titles(town, Invoice.objects.filter(town=town, run=run).order_by("number"))
    return _batch(town, settings, f"facturation-{run.pk}", dated, dated.year, titles, {})


def handover_batch(town: Town, handover: Handover) -> Batch:
    """The titres of a handover in the order of its pièces, for the amounts handed over."""
    settings = _settings(town)
    items = list(HandoverItem.objects.filter(town=town, handover=handover).values_list("invoice_id", "amount"))
    invoices = Invoice.objects.filter(town=town, handover_item__handover=handover).order_by(
        "handover_item__piece_number"
    )
    reference = f"bordereau-{handover.year}-{handover.number}"
    titles = load_titles(town, invoices)
    dated = timezone.localdate(handover.created_at)
    return _batch(town, settings, reference, dated, handover.year, titles, dict(items))
