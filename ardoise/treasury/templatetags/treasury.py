"""What the pages of other apps show of the treasury: an invoice handed over and where it is paid,
a run's PES export button. Each tag reads at most two rows, once per page."""

from collections.abc import Iterable
from typing import Any

from django import template

from ardoise.billing.models import Invoice, InvoicingRun, RunStatus
from ardoise.towns.models import Town
from ardoise.treasury.models import HandoverItem, TreasurySettings
from ardoise.treasury.queries import latest_run_export

register = template.Library()


def _settings(town: Town) -> TreasurySettings | None:
    # Read once per request even when several tags ask (the town object lives for the request).
    cache = town.__dict__.setdefault("_treasury_settings", [])
    if not cache:
        cache.append(TreasurySettings.objects.filter(town=town).first())
    settings: TreasurySettings | None = cache[0]
    return settings


@register.inclusion_tag("treasury/where_to_pay_fragment.html")
def where_to_pay(town: Town, invoices: Iterable[Any] | None = None) -> dict[str, object]:
    """Where to pay the invoices handed over to the comptable public; nothing when `invoices` (summaries)
    hold none handed over."""
    shown = invoices is None or any(getattr(invoice, "handed_over", False) for invoice in invoices)
    return {"shown": shown, "settings": _settings(town) if shown else None}


@register.inclusion_tag("treasury/handed_over_fragment.html")
def handed_over_notice(invoice: Invoice) -> dict[str, object]:
    """On an invoice's page: when and on which bordereau it was handed over, and where it is paid now."""
    if invoice.handed_over_at is None:
        return {"item": None}
    item = HandoverItem.objects.filter(town_id=invoice.town_id, invoice=invoice).select_related("handover").first()
    return {"invoice": invoice, "item": item, "settings": _settings(invoice.town)}


@register.inclusion_tag("treasury/run_export_fragment.html", takes_context=True)
def run_pes_export(context: template.Context, run: InvoicingRun) -> dict[str, object]:
    """The run page's "Exporter en PES V2" button, or the download of the file already made."""
    return {
        "town": run.town,
        "run": run,
        "issued": run.status == RunStatus.ISSUED,
        "export": latest_run_export(run) if run.status == RunStatus.ISSUED else None,
        "csrf_token": context.get("csrf_token"),
    }
