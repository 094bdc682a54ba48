"""The family's reply to a re-enrolment campaign ("Réinscriptions"): per child, each activity of its site kept or
not, with the weekdays wanted every week (this year's by default), and the documents to renew.

While the campaign is open and the family has not replied, the page is a form; a refusal re-renders it with every
problem and what was ticked. Once sent, or after the closing date, it is read-only: what was asked and each
request's status. The rules live in `admissions.campaigns`.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ardoise.admissions import campaigns
from ardoise.admissions.campaigns import CampaignRefused, CampaignState, ChildProposal, Choice, Line
from ardoise.calendars.deadlines import WEEKDAY_NAMES
from ardoise.families.models import Family
from ardoise.towns.access import parent_required
from ardoise.towns.http import AuthedRequest


@dataclass(frozen=True)
class Row:
    """A line of the form as shown: ticked or not, its days ticked."""

    line: Line
    keep: bool
    days: list[tuple[int, str, bool]]  # (weekday, name, ticked) for each day the activity runs


def _rows(proposals: list[ChildProposal], posted: QueryDict | None) -> list[tuple[ChildProposal, list[Row]]]:
    """The proposal as the form shows it: this year's choices, or what the family posted."""
    shown = []
    for child_proposal in proposals:
        rows = []
        for line in child_proposal.lines:
            if posted is None:
                keep, ticked = line.enrolled, set(line.weekly_pattern)
            else:
                keep, ticked = f"keep-{line.key}" in posted, set(_weekdays(posted, line))
            days = [
                (day, WEEKDAY_NAMES[day].capitalize(), day in ticked)
                for day in sorted(line.activity.weekdays)
                if 0 <= day < len(WEEKDAY_NAMES)
            ]
            rows.append(Row(line=line, keep=keep, days=days))
        shown.append((child_proposal, rows))
    return shown


def _weekdays(posted: QueryDict, line: Line) -> list[int]:
    """The weekdays ticked for a line; a value that is not a day is left out (the rule refuses days off)."""
    return sorted({int(value) for value in posted.getlist(f"days-{line.key}") if value.isdigit() and len(value) == 1})


def _choices(proposals: list[ChildProposal], posted: QueryDict) -> list[Choice]:
    return [
        Choice(child=line.child, activity=line.activity, weekly_pattern=tuple(_weekdays(posted, line)))
        for child_proposal in proposals
        for line in child_proposal.lines
        if f"keep-{line.key}" in posted
    ]


@parent_required
@require_http_methods(["GET", "POST"])
def reenrolment(request: AuthedRequest, family: Family) -> HttpResponse:
    town = request.town
    today = timezone.localdate()
    campaign = campaigns.campaign_for_families(town, today)
    if campaign is None:
        return render(request, "portal/reenrolment/none.html", {})
    state = campaigns.state_of(campaign, today)
    reply = campaigns.reply_of(campaign, family)
    proposals = campaigns.proposal(campaign, family)
    problems: list[str] = []
    posted: QueryDict | None = None
    status = 200
    if request.method == "POST":
        if reply is not None:
            problems, status = [_("Votre réponse a déjà été envoyée : elle n'a pas été modifiée.")], 409
        elif state != CampaignState.OPEN:
            problems = [_("Les réinscriptions sont closes : votre réponse n'a pas été enregistrée.")]
            status = 409
        else:
            try:
                campaigns.submit_reply(campaign, family, _choices(proposals, request.POST), actor=request.user)
            except CampaignRefused as refusal:
                problems, posted, status = refusal.messages, request.POST, 422
            else:
                messages.success(request, _("Votre réponse est envoyée. Merci !"))
                return redirect("portal:reenrolment", town.slug)
    context = {
        "campaign": campaign,
        "open": state == CampaignState.OPEN and reply is None,
        "closed": state != CampaignState.OPEN,
        "reply": reply,
        "requests": campaigns.reply_requests(campaign, family) if reply is not None else [],
        "children": _rows(proposals, posted),
        "documents": campaigns.documents_to_renew(campaign, family),
        "problems": problems,
    }
    return render(request, "portal/reenrolment/index.html", context, status=status)


urlpatterns = [path("", reenrolment, name="reenrolment")]
