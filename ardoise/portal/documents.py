"""Documents published for the family's children's schools (seeds 002 and 004): menus, rules, forms."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ardoise.families.models import Family
from ardoise.messaging import queries
from ardoise.towns.access import parent_required
from ardoise.towns.http import AuthedRequest


@parent_required
@require_GET
def documents(request: AuthedRequest, family: Family) -> HttpResponse:
    today = timezone.localdate()
    found = list(queries.family_documents(family, today))
    return render(request, "portal/documents.html", {"documents": found, "today": today})


@parent_required
@require_GET
def document_file(request: AuthedRequest, family: Family, document_id: int) -> HttpResponse:
    document = queries.access_family_document(family, document_id, timezone.localdate())
    return queries.download(document.file, document.file_name, document.content_type)
