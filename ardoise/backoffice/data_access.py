"""Right of access answered by the service (a written request): the family's data as JSON or PDF,
the same as the parent downloads (`privacy.export`). Administrators only, since the export holds
the children's health data; each production is audited with the staff member."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from ardoise.families.access import access_family
from ardoise.privacy import export, export_pdf
from ardoise.towns.access import staff_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Role


@staff_required(Role.ADMIN)
@require_GET
def family_data(request: AuthedRequest, family_id: int) -> HttpResponse:
    family = access_family(request.town, family_id)
    return render(request, "backoffice/family_data.html", {"family": family})


@staff_required(Role.ADMIN)
@require_GET
def family_data_json(request: AuthedRequest, family_id: int) -> HttpResponse:
    family = access_family(request.town, family_id)
    data = export.collect(family)
    export.record_access(family, request.user, file_format="json", staff=True)
    response = HttpResponse(export.as_json(data), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{export.filename(family, "json")}"'
    return response


@staff_required(Role.ADMIN)
@require_GET
def family_data_pdf(request: AuthedRequest, family_id: int) -> HttpResponse:
    family = access_family(request.town, family_id)
    pdf = export_pdf.render_pdf(export.collect(family))
    export.record_access(family, request.user, file_format="pdf", staff=True)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{export.filename(family, "pdf")}"'
    return response


urlpatterns = [
    path("familles/<int:family_id>/donnees/", family_data, name="family_data"),
    path("familles/<int:family_id>/donnees/donnees.json", family_data_json, name="family_data_json"),
    path("familles/<int:family_id>/donnees/donnees.pdf", family_data_pdf, name="family_data_pdf"),
]
