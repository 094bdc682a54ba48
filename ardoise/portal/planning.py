"""The parents' planning: see the days, tick them, review the cost, confirm once.

- `planning`: a month (or a week) per child or for all children; each day that
  can still change is a checkbox; the form posts the differences.
- `booking_review`: what the changes do, per child: the lines with their
  price, the subtotals and the total, and every change the rules refuse with
  why. Nothing is written.
- `booking_confirm`: applies every child's changes in one transaction (all or
  nothing) through `bookings.actions.apply_family`, which e-mails the family,
  and says exactly what was saved.
- `regular`: the regular registration (inscription régulière): weekdays per
  activity for the rest of the school year, through the same review.

The rules live in `bookings.actions`, the same functions as the JSON API's; what
the posted changes come to, in `bookings.proposals` (shared with the back office).
"""

import calendar as month_calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ardoise.activities.models import Activity
from ardoise.billing.money import format_euros
from ardoise.billing.pricing import total as sum_prices
from ardoise.bookings import actions, proposals
from ardoise.bookings import forms as booking_forms
from ardoise.bookings.calendar import NO_BOOKING, Entry, FamilyCalendar, current_week, daterange
from ardoise.bookings.forms import cell_key
from ardoise.bookings.models import BookingState
from ardoise.bookings.proposals import Proposal
from ardoise.calendars.opening import ClosedReason
from ardoise.calendars.wording import date_fr
from ardoise.families.models import Child, Family
from ardoise.messaging import queries as messaging_queries
from ardoise.messaging.models import Menu
from ardoise.portal import baskets, signup
from ardoise.towns.access import parent_required

# How each state reads on the planning: CSS modifier, symbol, words.
STATE_DISPLAY: dict[str, tuple[str, str, str | Promise]] = {
    NO_BOOKING: ("none", "", gettext_lazy("Non réservé")),
    BookingState.BOOKED: ("booked", "✓", BookingState.BOOKED.label),
    BookingState.REQUESTED: ("requested", "?", BookingState.REQUESTED.label),
    BookingState.REFUSED: ("refused", "✗", BookingState.REFUSED.label),
    BookingState.PRESENT: ("present", "P", BookingState.PRESENT.label),
    BookingState.ABSENCE_PENDING: ("absence-pending", "A?", BookingState.ABSENCE_PENDING.label),
    BookingState.ABSENT_EXCUSED: ("excused", "AE", BookingState.ABSENT_EXCUSED.label),
    BookingState.ABSENT_BILLED: ("billed", "AF", BookingState.ABSENT_BILLED.label),
    BookingState.PRESENT_UNBOOKED: ("unbooked", "P!", BookingState.PRESENT_UNBOOKED.label),
}
CLOSED_DISPLAY: dict[str, tuple[str, str]] = {
    ClosedReason.PUBLIC_HOLIDAY: ("holiday", "F"),
    ClosedReason.SCHOOL_HOLIDAY: ("vacation", "V"),
    ClosedReason.CLOSURE: ("closure", "⊘"),
    ClosedReason.NOT_RUNNING: ("not-running", "–"),
}


def _deadline_text(deadline: datetime.datetime) -> str:
    # "jeu. 11/03 12h00"
    local = timezone.localtime(deadline)
    return f"{formats.date_format(local, 'D')}. {local:%d/%m} {local.hour}h{local.minute:02d}"


def _deadline_spoken(deadline: datetime.datetime) -> str:
    # "jeudi 11 mars 12h00": the note's "jeu. 11/03" written out for a screen reader.
    local = timezone.localtime(deadline)
    return f"{date_fr(local, 'l j F')} {local.hour}h{local.minute:02d}"


@dataclass(frozen=True)
class Cell:
    child: Child
    entry: Entry
    key: str
    css: str
    symbol: str
    label: str  # the state in words, or why the day is closed
    note: str  # until when it can change, or why it cannot
    changeable: bool
    checked: bool
    show_checkbox: bool
    # A booked day past its deadline, not gone by: the parent may declare an absence on it.
    may_declare_absence: bool = False

    @property
    def activity(self) -> Activity:
        return self.entry.activity

    @property
    def show_symbol(self) -> bool:
        """In a table cell the checkbox says "booked" itself; other states need their symbol."""
        return bool(self.symbol) and (not self.show_checkbox or self.entry.state != BookingState.BOOKED)

    @property
    def day(self) -> datetime.date:
        return self.entry.day

    @property
    def accessible_name(self) -> str:
        """What a screen reader says of a grid cell: child, activity, day, state and deadline.

        "Sarah, Repas, lundi 15 mars : réservé, modifiable jusqu'au jeudi 11 mars 12h00". The grid shows
        only a checkbox or a symbol, so the whole sentence is the cell's name (WCAG 1.3.1, 4.1.2).
        """
        status = self.entry.status
        head = f"{self.child.first_name}, {self.activity.label}, {date_fr(self.day, 'l j F')}"
        if not status.open or status.deadline is None:
            return f"{head} : {self.label.lower()}"
        deadline = _deadline_spoken(status.deadline)
        if status.changeable:
            when = _("modifiable jusqu'au %(deadline)s") % {"deadline": deadline}
        elif self.day < timezone.localdate():
            when = _("jour passé")
        else:
            when = _("date limite dépassée depuis le %(deadline)s") % {"deadline": deadline}
        return f"{head} : {self.label.lower()}, {when}"


def make_cell(child: Child, entry: Entry, now: datetime.datetime) -> Cell:
    status = entry.status
    key = cell_key(child.pk, entry.activity.pk, entry.day)
    if not status.open:
        assert status.closed_reason is not None
        css, symbol = CLOSED_DISPLAY[status.closed_reason]
        reason = str(status.closed_reason.label)
        return Cell(child, entry, key, f"closed closed--{css}", symbol, reason, reason, False, False, False)
    css, symbol, label = STATE_DISPLAY.get(entry.state, STATE_DISPLAY[NO_BOOKING])
    assert status.deadline is not None
    if status.changeable:
        note = _("Modifiable jusqu'au %(deadline)s") % {"deadline": _deadline_text(status.deadline)}
    elif entry.day < timezone.localdate(now):
        note = _("Jour passé")
    else:
        note = _("Date limite dépassée (%(deadline)s)") % {"deadline": _deadline_text(status.deadline)}
    # A day that has happened (present, absent…, or gone by) is a fact, not a choice: no checkbox.
    holds_choice = entry.day >= timezone.localdate(now) and entry.state in (
        NO_BOOKING,
        BookingState.BOOKED,
        BookingState.REQUESTED,
        BookingState.REFUSED,
    )
    return Cell(
        child,
        entry,
        key,
        f"state--{css}" + ("" if status.changeable else " locked"),
        symbol,
        str(label),
        note,
        status.changeable and holds_choice,
        entry.is_booked,
        holds_choice,
        may_declare_absence=holds_choice and not status.changeable and entry.state == BookingState.BOOKED,
    )


@dataclass
class Row:
    child: Child
    activity: Activity
    cells: list[Cell]

    @property
    def key(self) -> str:
        return f"{self.child.pk}:{self.activity.pk}"

    @property
    def can_fill(self) -> bool:
        return any(cell.changeable and not cell.checked for cell in self.cells)


@dataclass
class ChildPlanning:
    child: Child
    rows: list[Row]
    days: list[datetime.date]
    cost: Decimal  # what the booked days of the period cost

    @property
    def cost_display(self) -> str:
        return format_euros(self.cost)


@dataclass
class DayCard:
    day: datetime.date
    # (child, cells) for each child with something that day.
    children: list[tuple[Child, list[Cell]]] = field(default_factory=list)
    # The day's menus at the children's schools (messaging.Menu).
    menus: list[Menu] = field(default_factory=list)


@dataclass(frozen=True)
class Period:
    view: str  # "month" or "week"
    start: datetime.date
    end: datetime.date
    previous: datetime.date
    next: datetime.date

    @property
    def days(self) -> list[datetime.date]:
        return daterange(self.start, self.end)


def month_period(first: datetime.date) -> Period:
    last = first.replace(day=month_calendar.monthrange(first.year, first.month)[1])
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    return Period("month", first, last, previous, last + datetime.timedelta(days=1))


def week_period(day: datetime.date) -> Period:
    monday = day - datetime.timedelta(days=day.weekday())
    week = datetime.timedelta(days=7)
    return Period("week", monday, monday + datetime.timedelta(days=6), monday - week, monday + week)


# The years a planning may show: anything else is a typo or a probe.
YEARS = range(2000, 2100)


def current_period(view: str, today: datetime.date) -> Period:
    """Where "Aujourd'hui" leads: today's month, or the current week (the coming one at the weekend)."""
    if view == "week":
        return week_period(current_week(today))
    return month_period(today.replace(day=1))


def period_from(query: QueryDict, today: datetime.date) -> Period:
    """The period the query asks for (`view=week&week=…` or `month=…`); anything unreadable falls back to
    today's month or the current week.

    Without a period, the current week: it is what a parent acts on before the deadlines, and it fits a
    phone (a month there is a long list of days); the month is one tap away ("Voir le mois"). The server
    cannot know the screen's width, and a script that redirects small screens would load every page twice.
    """
    if query.get("view") == "week" or "month" not in query:
        try:
            day = datetime.date.fromisoformat(query.get("week", "")[:10])
        except ValueError:
            return current_period("week", today)
        return week_period(day) if day.year in YEARS else current_period("week", today)
    try:
        year, month = (int(part) for part in query.get("month", "")[:7].split("-"))
        if year not in YEARS:
            raise ValueError(year)
        return month_period(datetime.date(year, month, 1))
    except ValueError:
        return month_period(today.replace(day=1))


def period_query(child_param: str, period: Period, day: datetime.date | None = None) -> str:
    """The planning's query string for `child_param` at `day`'s period (this period by default)."""
    day = day or period.start
    params = {"child": child_param}
    if period.view == "week":
        params |= {"view": "week", "week": day.isoformat()}
    else:
        params |= {"month": f"{day:%Y-%m}"}
    return urlencode(params)


def family_children(family: Family) -> dict[int, Child]:
    children = Child.objects.filter(town_id=family.town_id, family=family).select_related("site")
    return {child.pk: child for child in children}


def chosen_children(family_kids: dict[int, Child], param: str) -> tuple[list[Child], str]:
    """The children a planning shows: one (404 if not of the family) or all."""
    if param in ("", "all") or not family_kids:
        return list(family_kids.values()), "all"
    try:
        child = family_kids[int(param)]
    except (ValueError, KeyError, OverflowError):
        raise Http404 from None
    return [child], str(child.pk)


def build_plannings(
    calendar: FamilyCalendar, children: list[Child], days: list[datetime.date], now: datetime.datetime
) -> list[ChildPlanning]:
    plannings = []
    for child in children:
        rows = [
            Row(child, activity, [make_cell(child, calendar.entry(child, activity, day, now), now) for day in days])
            for activity in calendar.activities_of(child)
        ]
        # Days when none of the child's activities runs and nothing is booked are left out.
        shown = [
            index
            for index, _day in enumerate(days)
            if any(
                row.cells[index].entry.status.closed_reason != ClosedReason.NOT_RUNNING
                or row.cells[index].entry.state != NO_BOOKING
                for row in rows
            )
        ]
        for row in rows:
            row.cells = [row.cells[index] for index in shown]
        cost = sum_prices(cell.entry.unit_price for row in rows for cell in row.cells if cell.checked)
        plannings.append(ChildPlanning(child, rows, [days[index] for index in shown], cost))
    return plannings


def day_cards(plannings: list[ChildPlanning]) -> list[DayCard]:
    """The phone list: one card a day; an activity that does not run that weekday is left out."""
    cards: dict[datetime.date, DayCard] = {}
    for planning in plannings:
        for index, day in enumerate(planning.days):
            cells = [
                row.cells[index]
                for row in planning.rows
                if row.cells[index].entry.status.closed_reason != ClosedReason.NOT_RUNNING
                or row.cells[index].entry.state != NO_BOOKING
            ]
            if cells:
                cards.setdefault(day, DayCard(day)).children.append((planning.child, cells))
    return [cards[day] for day in sorted(cards)]


def legend() -> list[tuple[str, str, str]]:
    items = [STATE_DISPLAY[state] for state in STATE_DISPLAY if state != NO_BOOKING]
    items += [(f"closed closed--{css}", symbol, str(reason.label)) for reason, (css, symbol) in CLOSED_DISPLAY.items()]
    return [(css if css.startswith("closed") else f"state--{css}", symbol, str(label)) for css, symbol, label in items]


def activity_choices(calendar: FamilyCalendar, children: Iterable[Child]) -> list[tuple[str, str]]:
    """The activities of the children, by code (the same code at two schools is one choice)."""
    seen: dict[str, str] = {}
    for child in children:
        for activity in calendar.activities_of(child):
            seen.setdefault(activity.code, activity.label)
    return list(seen.items())


def other_view(period: Period, today: datetime.date) -> Period:
    """The week view of this month (the current week when it is this month), or the month of this week."""
    if period.view == "month":
        return current_period("week", today) if period.start <= today <= period.end else week_period(period.start)
    return month_period(period.start.replace(day=1))


@require_GET
@parent_required
@signup.file_not_accepted
def planning(request: HttpRequest, family: Family) -> HttpResponse:
    today = timezone.localdate()
    now = timezone.now()
    family_kids = family_children(family)
    children, child_param = chosen_children(family_kids, request.GET.get("child", ""))
    period = period_from(request.GET, today)
    calendar = FamilyCalendar.load(family, period.start, period.end, children=children)
    plannings = build_plannings(calendar, children, period.days, now)
    cards = day_cards(plannings)
    sites = {child.site_id for child in children}
    menus = messaging_queries.menus_by_day(request.town, sites, period.start, period.end)  # type: ignore[attr-defined]
    for card in cards:
        card.menus = menus.get(card.day, [])
    weekly_form = booking_forms.WeeklyForm(
        children=[(child.pk, child.first_name) for child in children],
        activities=activity_choices(calendar, children),
        today=today,
        initial={"children": [child.pk for child in children], "until": period.end},
    )
    context = {
        "family": family,
        "family_children": list(family_kids.values()),
        "children": children,
        "child_param": child_param,
        "period": period,
        "plannings": plannings,
        # On phones the days gone by fold away: the days to come are what a parent acts on.
        "past_cards": [card for card in cards if card.day < today],
        "cards": [card for card in cards if card.day >= today],
        "legend": legend(),
        "menus": sorted(menus.items()),
        "weekly_form": weekly_form,
        "return_to": period_query(child_param, period),
        "switch": [(_("Tous les enfants"), period_query("all", period), child_param == "all")]
        + [
            (kid.first_name, period_query(str(kid.pk), period), child_param == str(kid.pk))
            for kid in family_kids.values()
        ],
        "previous_query": period_query(child_param, period, period.previous),
        "next_query": period_query(child_param, period, period.next),
        "today_query": period_query(child_param, current_period(period.view, today)),
        "other_view_query": period_query(child_param, other_view(period, today)),
        "today": today,
        "total": format_euros(sum_prices(planning.cost for planning in plannings)),
    }
    return render(request, "portal/planning.html", context)


# Review and confirmation (the proposal itself is `bookings.proposals`)


def return_query(posted: QueryDict, family_kids: dict[int, Child]) -> str:
    """The planning page to go back to, rebuilt from what was posted (never trusted as a URL)."""
    query = QueryDict(posted.get("return_to", "")[:200])
    child_param = query.get("child", "all")
    if child_param != "all" and not (child_param.isdigit() and int(child_param) in family_kids):
        child_param = "all"
    period = period_from(query, timezone.localdate())
    return period_query(child_param, period)


def _render_review(
    request: HttpRequest, family: Family, proposal: Proposal, return_to: str, *, status: int = 200
) -> HttpResponse:
    context = {
        "family": family,
        "proposal": proposal,
        "return_to": return_to,
        "planning_url": reverse("portal:planning", args=[request.town.slug]) + "?" + return_to,  # type: ignore[attr-defined]
    }
    if baskets.in_prepayment(request.town):  # type: ignore[attr-defined]
        return baskets.render_review(request, family, proposal, context, status=status)
    if proposal.errors:
        status = 422
    template = (
        "portal/booking_review_fragment.html" if request.headers.get("HX-Request") else "portal/booking_review.html"
    )
    return render(request, template, context, status=status)


@require_POST
@parent_required
@signup.file_not_accepted
def booking_review(request: HttpRequest, family: Family) -> HttpResponse:
    family_kids = family_children(family)
    proposal = proposals.propose(request.POST, family, family_kids, now=timezone.now())
    return _render_review(request, family, proposal, return_query(request.POST, family_kids))


@require_POST
@parent_required
@signup.file_not_accepted
def booking_confirm(request: HttpRequest, family: Family) -> HttpResponse:
    family_kids = family_children(family)
    return_to = return_query(request.POST, family_kids)
    proposal = proposals.propose(request.POST, family, family_kids, now=timezone.now())
    if proposal.errors:
        return _render_review(request, family, proposal, return_to)
    planning_url = reverse("portal:planning", args=[request.town.slug]) + "?" + return_to  # type: ignore[attr-defined]
    if not proposal.has_changes and not proposal.refusals:
        if proposal.patterns:
            _save(request, family, [], proposal.weekly_patterns(family_kids))
            messages.success(request, _("Vos jours réguliers sont enregistrés ; il n'y avait aucun jour à changer."))
        else:
            messages.info(request, proposals.NOTHING_CHANGED)
        return redirect(planning_url)
    if baskets.in_prepayment(request.town):  # type: ignore[attr-defined]
        # Prepayment: the new days wait in a basket until paid (ardoise.prepayment).
        _save(request, family, [], proposal.weekly_patterns(family_kids))
        context = {"family": family, "proposal": proposal, "return_to": return_to, "planning_url": planning_url}
        return baskets.checkout(request, family, proposal, context)
    try:
        if proposal.refusals:
            raise actions.BatchRefused([refusal for _child, refusal in proposal.refusals])
        applied = _save(request, family, proposal.batches, proposal.weekly_patterns(family_kids))
    except actions.BatchRefused:
        # Something changed since the review (a deadline passed, the last place
        # went): nothing was saved; show the review again with the reasons.
        proposal = proposals.propose(request.POST, family, family_kids, now=timezone.now())
        messages.error(request, _("Rien n'a été enregistré : certains changements ne sont plus possibles."))
        return _render_review(request, family, proposal, return_to, status=409)
    if summary := proposals.saved_summary(applied):
        messages.success(request, _("C'est enregistré : %(summary)s.") % {"summary": summary})
    else:
        messages.info(request, proposals.NOTHING_CHANGED)
    return redirect(planning_url)


def _save(
    request: HttpRequest,
    family: Family,
    batches: list[tuple[Child, list[actions.Change]]],
    weekly_patterns: list[actions.WeeklyPattern],
) -> list[tuple[Child, actions.Review]]:
    """Save through the one door, which e-mails the confirmation; raises BatchRefused.

    A regular registration of an activity the child is not enrolled in is outside its reach: 404.
    """
    try:
        return actions.apply_family(
            family,
            batches,
            actor=request.user,  # type: ignore[arg-type]
            weekly_patterns=weekly_patterns,
            base_url=request.build_absolute_uri("/"),
        )
    except actions.Enrollment.DoesNotExist:
        raise Http404 from None


# Regular registration


@dataclass
class RegularChoice:
    child: Child
    activity: Activity
    weekdays: list[int]  # the recorded pattern
    runs_on: list[tuple[int, str]]  # the activity's weekdays, named
    start: datetime.date
    until: datetime.date

    @property
    def row(self) -> str:
        return f"{self.child.pk}:{self.activity.pk}"


@require_GET
@parent_required
@signup.file_not_accepted
def regular(request: HttpRequest, family: Family) -> HttpResponse:
    today = timezone.localdate()
    family_kids = family_children(family)
    children, child_param = chosen_children(family_kids, request.GET.get("child", ""))
    calendar = FamilyCalendar.load(family, today, today, children=children)
    names = dict(booking_forms.WEEKDAY_CHOICES)
    choices = []
    for child in children:
        for enrollment in calendar.enrollments.get(child.pk, []):
            year = enrollment.school_year
            if year.ends_on < today:
                continue
            activity = enrollment.activity
            choices.append(
                RegularChoice(
                    child,
                    activity,
                    list(enrollment.weekly_pattern),
                    [(day, str(names[day])) for day in sorted(activity.weekdays)],
                    max(today, year.starts_on),
                    year.ends_on,
                )
            )
    context = {
        "family": family,
        "family_children": list(family_kids.values()),
        "child_param": child_param,
        "choices": choices,
        "today": today,
        "return_to": urlencode({"child": child_param}),
    }
    return render(request, "portal/regular.html", context)
