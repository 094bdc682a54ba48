"""Right of access for parents ("Mes données"): what the right is, and everything Ardoise holds
on the family as JSON or as a readable PDF (`privacy.export`). Each download is audited (who,
which format; never the data). A parent reaches only their own family: the pages take no id."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from ardoise.families.models import Family
from ardoise.privacy import export, export_pdf
from ardoise.towns.access import parent_required
from ardoise.towns.http import AuthedRequest


@parent_required
@require_GET
def my_data(request: AuthedRequest, family: Family) -> HttpResponse:
    return render(request, "portal/my_data.html", {"family": family})


@parent_required
@require_GET
def my_data_json(request: AuthedRequest, family: Family) -> HttpResponse:
    data = export.collect(family)
    export.record_access(family, request.user, file_format="json", staff=False)
    response = HttpResponse(export.as_json(data), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{export.filename(family, "json")}"'
    return response


@parent_required
@require_GET
def my_data_pdf(request: AuthedRequest, family: Family) -> HttpResponse:
    pdf = export_pdf.render_pdf(export.collect(family))
    export.record_access(family, request.user, file_format="pdf", staff=False)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{export.filename(family, "pdf")}"'
    return response


urlpatterns = [
    path("", my_data, name="my_data"),
    path("donnees.json", my_data_json, name="my_data_json"),
    path("donnees.pdf", my_data_pdf, name="my_data_pdf"),
]
