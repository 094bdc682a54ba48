"""Bookings on behalf of a family: the parents' planning, for staff.

The same building blocks as the portal (`portal.planning`'s periods, cells and
rows; `bookings.proposals`' review and proposal), with the staff's powers through
`bookings.actions.apply_family(as_staff=True)`: days past their deadline can still be
booked or cancelled (each change audited), and a full day can be booked after
an explicit confirmation ("La capacité de 24 places est atteinte le mercredi
17 mars : réserver quand même ?"), audited too. Everything else follows the
parents' rules: a closed day stays closed, a child must be enrolled.
"""

import dataclasses
import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ardoise.activities.models import Activity
from ardoise.backoffice.families import RECORD_KEEPERS
from ardoise.billing.money import format_euros
from ardoise.billing.pricing import total as sum_prices
from ardoise.bookings import actions, proposals
from ardoise.bookings.calendar import FamilyCalendar
from ardoise.bookings.forms import change_value
from ardoise.bookings.proposals import Proposal
from ardoise.calendars.wording import date_fr
from ardoise.families.access import access_family
from ardoise.families.models import Child, Family
from ardoise.portal import planning as shared
from ardoise.towns.access import staff_required
from ardoise.towns.models import Town

FULL = "full"


def staff_plannings(plannings: list[shared.ChildPlanning]) -> list[shared.ChildPlanning]:
    """Staff may change every day still to come that holds a choice, deadline or not."""
    for planning in plannings:
        for row in planning.rows:
            row.cells = [dataclasses.replace(cell, changeable=cell.show_checkbox) for cell in row.cells]
    return plannings


@require_GET
@staff_required(*RECORD_KEEPERS)
def on_behalf(request: HttpRequest, family_id: int) -> HttpResponse:
    town: Town = request.town  # type: ignore[attr-defined]
    family = access_family(town, family_id)
    today = timezone.localdate()
    now = timezone.now()
    family_kids = shared.family_children(family)
    children, child_param = shared.chosen_children(family_kids, request.GET.get("child", ""))
    period = shared.period_from(request.GET, today)
    calendar = FamilyCalendar.load(family, period.start, period.end, children=children)
    plannings = staff_plannings(shared.build_plannings(calendar, children, period.days, now))
    context = {
        "family": family,
        "children": children,
        "child_param": child_param,
        "period": period,
        "plannings": plannings,
        "legend": shared.legend(),
        "return_to": shared.period_query(child_param, period),
        "switch": [(_("Tous les enfants"), shared.period_query("all", period), child_param == "all")]
        + [
            (kid.first_name, shared.period_query(str(kid.pk), period), child_param == str(kid.pk))
            for kid in family_kids.values()
        ],
        "previous_query": shared.period_query(child_param, period, period.previous),
        "next_query": shared.period_query(child_param, period, period.next),
        "today_query": shared.period_query(child_param, shared.current_period(period.view, today)),
        "other_view_query": shared.period_query(child_param, shared.other_view(period, today)),
        "today": today,
        "total": format_euros(sum_prices(planning.cost for planning in plannings)),
    }
    return render(request, "backoffice/on_behalf.html", context)


@dataclass(frozen=True)
class FullDay:
    """A day whose capacity is reached: staff may book it anyway, once they say so."""

    child: Child
    activity: Activity
    day: datetime.date

    @property
    def question(self) -> str:
        return _(
            "La capacité de %(capacity)d places est atteinte le %(day)s (%(activity)s, %(child)s) : "
            "réserver quand même ?"
        ) % {
            "capacity": self.activity.capacity or 0,
            "day": date_fr(self.day, "l j F"),
            "activity": self.activity.label,
            "child": self.child.first_name,
        }


def propose(
    request: HttpRequest, family: Family, family_kids: dict[int, Child], *, override_capacity: bool
) -> Proposal:
    """What the posted changes do under the staff's rules (nothing is written)."""
    proposal = proposals.propose(
        request.POST, family, family_kids, now=timezone.now(), as_staff=True, override_capacity=override_capacity
    )
    # Regular registrations are recorded from the family record's enrolment, not from here.
    return dataclasses.replace(proposal, patterns=[])


def full_days(proposal: Proposal) -> list[FullDay]:
    days = []
    for review in proposal.reviews:
        activities = {outcome.activity.pk: outcome.activity for outcome in review.review.outcomes}
        for refusal in review.review.refusals:
            if refusal.code == FULL and refusal.activity_id in activities:
                days.append(FullDay(review.child, activities[refusal.activity_id], refusal.date))
    return days


def _planning_url(town: Town, family: Family, return_to: str) -> str:
    return reverse("backoffice:on_behalf", args=[town.slug, family.pk]) + "?" + return_to


def _render_review(
    request: HttpRequest, family: Family, proposal: Proposal, return_to: str, *, status: int = 200
) -> HttpResponse:
    town: Town = request.town  # type: ignore[attr-defined]
    full = full_days(proposal)
    full_keys = {(day.child.pk, day.activity.pk, day.day) for day in full}
    without_full = [
        change_value(review.child.pk, outcome.change)
        for review in proposal.reviews
        for outcome in review.outcomes
        if (review.child.pk, outcome.activity.pk, outcome.change.date) not in full_keys
    ]
    other_refusals = [(child, refusal) for child, refusal in proposal.refusals if refusal.code != FULL]
    context = {
        "family": family,
        "proposal": proposal,
        "full_days": full,
        "other_refusals": other_refusals,
        "without_full": without_full,
        "return_to": return_to,
        "planning_url": _planning_url(town, family, return_to),
    }
    if proposal.errors:
        status = 422
    return render(request, "backoffice/on_behalf_review.html", context, status=status)


@require_POST
@staff_required(*RECORD_KEEPERS)
def on_behalf_review(request: HttpRequest, family_id: int) -> HttpResponse:
    town: Town = request.town  # type: ignore[attr-defined]
    family = access_family(town, family_id)
    family_kids = shared.family_children(family)
    proposal = propose(request, family, family_kids, override_capacity=False)
    return _render_review(request, family, proposal, shared.return_query(request.POST, family_kids))


@require_POST
@staff_required(*RECORD_KEEPERS)
def on_behalf_confirm(request: HttpRequest, family_id: int) -> HttpResponse:
    town: Town = request.town  # type: ignore[attr-defined]
    family = access_family(town, family_id)
    family_kids = shared.family_children(family)
    return_to = shared.return_query(request.POST, family_kids)
    # Without the explicit confirmation, a full day is refused as for parents.
    override = request.POST.get("override_capacity") == "1"
    proposal = propose(request, family, family_kids, override_capacity=override)
    if proposal.errors:
        return _render_review(request, family, proposal, return_to)
    if not proposal.has_changes and not proposal.refusals:
        messages.info(request, proposals.NOTHING_CHANGED)
        return redirect(_planning_url(town, family, return_to))
    try:
        if proposal.refusals:
            raise actions.BatchRefused([refusal for _child, refusal in proposal.refusals])
        applied = actions.apply_family(
            family,
            proposal.batches,
            actor=request.user,  # type: ignore[arg-type]
            as_staff=True,
            override_capacity=override,
            base_url=request.build_absolute_uri("/"),
        )
    except actions.BatchRefused:
        messages.error(request, _("Rien n'a été enregistré : certains changements ne sont pas possibles."))
        # Shown again under the parents' capacity rule, so that each full day asks its question again.
        strict = propose(request, family, family_kids, override_capacity=False) if override else proposal
        return _render_review(request, family, strict, return_to, status=409)
    if summary := proposals.saved_summary(applied):
        messages.success(request, _("C'est enregistré : %(summary)s.") % {"summary": summary})
    else:
        messages.info(request, proposals.NOTHING_CHANGED)
    return redirect(_planning_url(town, family, return_to))
