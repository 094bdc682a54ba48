"""Tax certificate downloads: the PDF response, and the parent's page (routed as `portal:tax_certificate`)."""

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ardoise.billing import certificates
from ardoise.families.models import Family
from ardoise.towns.access import parent_required
from ardoise.towns.http import AuthedRequest

# How many past years a parent may ask a certificate for.
YEARS_BACK = 10


def certificate_response(family: Family, year: int) -> HttpResponse:
    pdf = certificates.render_tax_certificate_pdf(certificates.tax_certificate(family, year))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="attestation-fiscale-{year}-{family.number}.pdf"'
    return response


@require_GET
@parent_required
def tax_certificate(request: AuthedRequest, family: Family, year: int) -> HttpResponse:
    current = timezone.localdate().year
    if not current - YEARS_BACK <= year <= current:
        raise Http404
    return certificate_response(family, year)
