"""The family's invoices (seed 004 "Factures") and statement (seed 001 "Relevé de compte")."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from ardoise.billing import pdf, statements
from ardoise.billing.models import Invoice
from ardoise.families.models import Family
from ardoise.towns.access import parent_required
from ardoise.towns.http import AuthedRequest


@parent_required
def invoices(request: AuthedRequest, family: Family) -> HttpResponse:
    this_year = timezone.localdate().year
    context = {
        "invoices": statements.invoice_summaries(family),
        # The year to declare (the last one), then this year so far.
        "certificate_years": [this_year - 1, this_year],
    }
    return render(request, "portal/invoices.html", context)


@parent_required
def invoice_pdf(request: AuthedRequest, family: Family, invoice_id: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, town=request.town, family=family, pk=invoice_id)
    response = HttpResponse(pdf.invoice_pdf_bytes(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="facture-{invoice.number}.pdf"'
    return response


@parent_required
def statement(request: AuthedRequest, family: Family) -> HttpResponse:
    current = statements.school_year_of(timezone.localdate())
    try:
        year = int(request.GET.get("annee", current))
    except ValueError:
        raise Http404 from None
    if not current - 10 <= year <= current:
        raise Http404
    context = {
        "statement": statements.statement(family, year, town=request.town),
        "years": list(range(current, current - 4, -1)),
        "year": year,
    }
    return render(request, "portal/statement.html", context)
