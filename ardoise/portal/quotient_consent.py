"""The family's consent that the service fetch its quotient familial from the CAF or the MSA (API
Particulier): a dated checkbox on "Mon dossier", given or withdrawn at any time (quotients.actions)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ardoise.families.models import Family
from ardoise.quotients import actions
from ardoise.towns.access import parent_required
from ardoise.towns.http import AuthedRequest


@parent_required
@require_POST
def qf_consent(request: AuthedRequest, family: Family) -> HttpResponse:
    given = request.POST.get("qf_consent") == "on"
    if actions.set_consent(family, given, request.user):
        if given:
            messages.success(
                request,
                _("Merci : le service pourra consulter votre quotient familial auprès de la CAF ou de la MSA."),
            )
        else:
            messages.success(request, _("Votre accord est retiré : le service ne consultera plus votre quotient."))
    return redirect(reverse("portal:record", args=[request.town.slug]) + "#quotient-accord")
