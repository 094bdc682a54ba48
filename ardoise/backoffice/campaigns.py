"""Re-enrolment campaigns, staff's side ("Réinscriptions"): the administrator opens a campaign for the next
school year (dates, a message to families) and edits it; the front desk follows who replied (counts, lists, CSV)
and reminds the families without a reply by e-mail. The rules and writes live in `admissions.campaigns`.
"""

import datetime
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ardoise.admissions import campaigns
from ardoise.admissions.access import access_campaign
from ardoise.admissions.campaigns import CampaignRefused
from ardoise.admissions.models import ReenrolmentCampaign
from ardoise.backoffice.config_forms import DateInput
from ardoise.towns import spreadsheets
from ardoise.towns.access import roles_of, staff_required
from ardoise.towns.http import AuthedRequest
from ardoise.towns.models import Role

FOLLOW_UP_ROLES = (Role.ADMIN, Role.FRONT_DESK)


class CampaignForm(forms.Form):
    opens_on = forms.DateField(label=gettext_lazy("Ouverture aux familles"), widget=DateInput())
    closes_on = forms.DateField(label=gettext_lazy("Clôture"), widget=DateInput())
    message = forms.CharField(
        label=gettext_lazy("Message aux familles"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Affiché en haut de la page de réinscription et dans les relances."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", _("La clôture doit suivre l'ouverture."))
        return data


@staff_required(*FOLLOW_UP_ROLES)
@require_GET
def campaign_list(request: AuthedRequest) -> HttpResponse:
    town = request.town
    today = timezone.localdate()
    next_year = campaigns.next_school_year(town, today)
    rows = [
        (campaign, campaigns.state_of(campaign, today))
        for campaign in ReenrolmentCampaign.objects.filter(town=town).select_related("school_year")
    ]
    context = {
        "rows": rows,
        "next_year": next_year,
        "next_year_has_campaign": next_year is not None
        and ReenrolmentCampaign.objects.filter(town=town, school_year=next_year).exists(),
        "may_edit": Role.ADMIN in _roles(request),
    }
    return render(request, "backoffice/campaigns/list.html", context)


def _roles(request: AuthedRequest) -> set[str]:
    return roles_of(request.user, request.town)


@staff_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def campaign_new(request: AuthedRequest) -> HttpResponse:
    town = request.town
    today = timezone.localdate()
    school_year = campaigns.next_school_year(town, today)
    if school_year is None:
        return render(request, "backoffice/campaigns/no_next_year.html", {})
    initial = {"opens_on": max(today, datetime.date(today.year, 5, 1)), "closes_on": datetime.date(today.year, 6, 30)}
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaigns.create_campaign(town, request.user, school_year=school_year, **form.cleaned_data)
        except CampaignRefused as refusal:
            for problem in refusal.messages:
                form.add_error(None, problem)
        else:
            messages.success(request, _("La campagne de réinscription est créée."))
            return redirect("backoffice:campaign", town.slug, campaign.pk)
    context = {"form": form, "school_year": school_year, "campaign": None}
    return render(request, "backoffice/campaigns/form.html", context, status=422 if form.errors else 200)


@staff_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def campaign_edit(request: AuthedRequest, campaign_id: int) -> HttpResponse:
    town = request.town
    campaign = access_campaign(town, campaign_id)
    initial = {"opens_on": campaign.opens_on, "closes_on": campaign.closes_on, "message": campaign.message}
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaigns.update_campaign(campaign, request.user, **form.cleaned_data)
        except CampaignRefused as refusal:
            for problem in refusal.messages:
                form.add_error(None, problem)
        else:
            messages.success(request, _("La campagne de réinscription est modifiée."))
            return redirect("backoffice:campaign", town.slug, campaign.pk)
    context = {"form": form, "school_year": campaign.school_year, "campaign": campaign}
    return render(request, "backoffice/campaigns/form.html", context, status=422 if form.errors else 200)


@staff_required(*FOLLOW_UP_ROLES)
@require_GET
def campaign(request: AuthedRequest, campaign_id: int) -> HttpResponse:
    town = request.town
    found = access_campaign(town, campaign_id)
    today = timezone.localdate()
    follow_up = campaigns.follow_up(found)
    context = {
        "campaign": found,
        "state": campaigns.state_of(found, today),
        "follow_up": follow_up,
        "requests_made": found.requests.count(),
        "may_edit": Role.ADMIN in _roles(request),
    }
    return render(request, "backoffice/campaigns/detail.html", context)


@staff_required(*FOLLOW_UP_ROLES)
@require_POST
def campaign_remind(request: AuthedRequest, campaign_id: int) -> HttpResponse:
    town = request.town
    found = access_campaign(town, campaign_id)
    link = request.build_absolute_uri(reverse("portal:reenrolment", args=[town.slug]))
    try:
        reminded = campaigns.remind_families(found, request.user, link=link)
    except CampaignRefused as refusal:
        for problem in refusal.messages:
            messages.error(request, problem)
    else:
        messages.success(
            request,
            _("%(count)s famille(s) relancée(s) par e-mail.") % {"count": reminded},
        )
    return redirect("backoffice:campaign", town.slug, found.pk)


@staff_required(*FOLLOW_UP_ROLES)
@require_GET
def campaign_csv(request: AuthedRequest, campaign_id: int) -> HttpResponse:
    town = request.town
    found = access_campaign(town, campaign_id)
    follow_up = campaigns.follow_up(found)
    out = io.StringIO()
    writer = spreadsheets.csv_writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("N° famille"), _("Famille"), _("Réponse"), _("Envoyée le"), _("Par")])
    for family, reply in follow_up.replied:
        sent = timezone.localtime(reply.submitted_at).strftime("%d/%m/%Y %H:%M") if reply.submitted_at else ""
        by = reply.submitted_by.get_full_name() if reply.submitted_by else ""
        writer.writerow([family.number, family.name, _("oui"), sent, by])
    for family in follow_up.not_replied:
        writer.writerow([family.number, family.name, _("non"), "", ""])
    response = HttpResponse(("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reinscriptions-{found.school_year.start_year}.csv"'
    return response


urlpatterns = [
    path("", campaign_list, name="campaigns"),
    path("nouvelle/", campaign_new, name="campaign_new"),
    path("<int:campaign_id>/", campaign, name="campaign"),
    path("<int:campaign_id>/modifier/", campaign_edit, name="campaign_edit"),
    path("<int:campaign_id>/relancer/", campaign_remind, name="campaign_remind"),
    path("<int:campaign_id>/reponses.csv", campaign_csv, name="campaign_csv"),
]
