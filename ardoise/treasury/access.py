"""Who may reach which bordereau, run export or product code: 404 (Http404) for anything outside the town."""

from ardoise.towns.access import object_or_404
from ardoise.towns.models import Town

from .models import Handover, ProductCode, RunExport


def access_handover(town: Town, handover_id: int) -> Handover:
    """A bordereau de titres of this town, or 404."""
    return object_or_404(Handover.objects.filter(town=town), pk=handover_id)


def access_run_export(town: Town, export_id: int) -> RunExport:
    """A run's PES export of this town, or 404."""
    return object_or_404(RunExport.objects.filter(town=town), pk=export_id)


def access_product_code(town: Town, code_id: int) -> ProductCode:
    """A product code of this town, or 404."""
    return object_or_404(ProductCode.objects.filter(town=town).select_related("town", "activity"), pk=code_id)
