"""Finance-software exports (docs/finance-exports.md): a run's invoices, a handover's titres, for Magnus or JVS.

Downloads for finance staff and administrators, scoped to `request.town`. Nothing is saved: a
refused export (settings or product codes missing, nothing due) goes back to the page it came
from with the reasons.
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from ardoise.billing.access import access_run
from ardoise.towns.access import staff_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Role
from ardoise.towns.replica import reads_from_replica
from ardoise.treasury import jvs, magnus
from ardoise.treasury.access import access_handover
from ardoise.treasury.batch import Batch, ExportRefused
from ardoise.treasury.queries import handover_batch, run_batch

FINANCE = (Role.FINANCE,)
# Each format: how it is written, its file name, its media type.
FORMATS: dict[str, tuple[Callable[[Batch], bytes], Callable[[Batch], str], str]] = {
    "magnus": (magnus.archive, magnus.file_name, "application/zip"),
    "jvs": (jvs.build, jvs.file_name, "application/xml; charset=iso-8859-1"),
}


def _download(request: AuthedRequest, load: Callable[[], Batch], software: str, back: str) -> HttpResponse:
    if software not in FORMATS:
        raise Http404
    write, name, media_type = FORMATS[software]
    try:
        batch = load()
        content = write(batch)
    except ExportRefused as refused:
        for reason in refused.reasons:
            messages.error(request, reason)
        return redirect(back)
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{name(batch)}"'
    return response


@require_GET
@staff_required(*FINANCE)
@reads_from_replica()
def invoicing_run_export(request: AuthedRequest, run_id: int, software: str) -> HttpResponse:
    run = access_run(request.town, run_id)
    back = reverse("backoffice:invoicing_run", args=[request.town.slug, run.pk])
    return _download(request, lambda: run_batch(request.town, run), software, back)


@require_GET
@staff_required(*FINANCE)
@reads_from_replica()
def treasury_handover_export(request: AuthedRequest, handover_id: int, software: str) -> HttpResponse:
    handover = access_handover(request.town, handover_id)
    back = reverse("backoffice:treasury_handover", args=[request.town.slug, handover.pk])
    return _download(request, lambda: handover_batch(request.town, handover), software, back)


urlpatterns = [
    path("facturation/<int:run_id>/export-<slug:software>/", invoicing_run_export, name="invoicing_run_export"),
    path(
        "tresor-public/bordereaux/<int:handover_id>/export-<slug:software>/",
        treasury_handover_export,
        name="treasury_handover_export",
    ),
]
