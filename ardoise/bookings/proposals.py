"""What a family's posted booking changes come to, before anything is written.

The parents' planning, the back office's bookings on behalf and the prepayment
checkout post the same fields (`bookings.forms`): ticked and unticked days,
"tout le mois", the weekly helper, a regular registration. `propose` turns
them into each child's batch and what the rules say of it (`actions.review`):
the lines with their prices, the subtotals and the total, and every refusal
with why. The confirmation then applies the accepted changes through
`actions.apply_family`, and `saved_summary` says what was saved.

Plain data in (the posted values, the family, the time), plain data out: no
request, no page. A child of another family is outside the caller's reach
(Http404, as every access check).
"""

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ardoise.billing.money import format_euros
from ardoise.billing.pricing import total as sum_prices
from ardoise.bookings import actions, patterns
from ardoise.bookings import forms as booking_forms
from ardoise.bookings.calendar import NO_BOOKING, FamilyCalendar, daterange
from ardoise.bookings.forms import Changes, change_value, pattern_value
from ardoise.bookings.models import BookingState
from ardoise.families.models import Child, Family

# The posted values (request.POST, or any MultiValueDict of the same fields).
type Posted = MultiValueDict[str, str]

# What a confirmation says when the batch was already saved (a second click, a reload).
NOTHING_CHANGED = gettext_lazy("Ces changements étaient déjà enregistrés : rien d'autre n'a été modifié.")

CHANGE_WORDS = {
    BookingState.BOOKED: gettext_lazy("Réservation"),
    BookingState.REQUESTED: gettext_lazy("Demande (à valider par le service)"),
    NO_BOOKING: gettext_lazy("Annulation"),
}


@dataclass
class ChildReview:
    child: Child
    review: actions.Review

    @property
    def outcomes(self) -> list[actions.Outcome]:
        return [outcome for outcome in self.review.outcomes if outcome.changes_something]

    @property
    def booked(self) -> list[actions.Outcome]:
        return [outcome for outcome in self.outcomes if outcome.change.book]

    @property
    def cancelled(self) -> list[actions.Outcome]:
        return [outcome for outcome in self.outcomes if not outcome.change.book]

    @property
    def subtotal(self) -> Decimal:
        return sum_prices(outcome.unit_price for outcome in self.booked)

    @property
    def refund(self) -> Decimal:
        return sum_prices(outcome.unit_price for outcome in self.cancelled)

    @property
    def subtotal_display(self) -> str:
        return format_euros(self.subtotal)

    @property
    def lines(self) -> list[dict[str, object]]:
        return [
            {
                "date": outcome.change.date,
                "activity": outcome.activity.label,
                "what": CHANGE_WORDS.get(outcome.state, outcome.state),
                "kind": outcome.state,
                "price": (outcome.price_wording or format_euros(outcome.unit_price)) if outcome.change.book else "—",
            }
            for outcome in sorted(self.outcomes, key=lambda outcome: (outcome.change.date, outcome.activity.label))
        ]


@dataclass
class Proposal:
    """The changes a parent (or staff) is about to confirm, and what the rules say of them."""

    reviews: list[ChildReview]
    patterns: list[str]  # regular registrations to record (forms.pattern_value)
    errors: list[str]

    @property
    def total(self) -> Decimal:
        return sum_prices(review.subtotal for review in self.reviews)

    @property
    def total_display(self) -> str:
        return format_euros(self.total)

    @property
    def refusals(self) -> list[tuple[Child, actions.Refusal]]:
        return [(review.child, refusal) for review in self.reviews for refusal in review.review.refusals]

    @property
    def change_values(self) -> list[str]:
        """The hidden fields of the confirmation: the accepted changes that change something."""
        return [change_value(review.child.pk, outcome.change) for review in self.reviews for outcome in review.outcomes]

    @property
    def has_changes(self) -> bool:
        return any(review.outcomes for review in self.reviews)

    @property
    def batches(self) -> list[tuple[Child, list[actions.Change]]]:
        """Each child's accepted changes, as `actions.apply_family` takes them."""
        return [(review.child, [outcome.change for outcome in review.review.outcomes]) for review in self.reviews]

    def weekly_patterns(self, family_kids: dict[int, Child]) -> list[actions.WeeklyPattern]:
        """The regular registrations to record, as `actions.apply_family` takes them."""
        found = []
        for value in self.patterns:
            child_id, activity_id, weekdays = booking_forms.parse_pattern(value)
            if child_id not in family_kids:
                raise Http404
            found.append(actions.WeeklyPattern(family_kids[child_id], activity_id, weekdays))
        return found


@dataclass(frozen=True)
class _Span:
    """Days a helper fills ("tout le mois", the weekly helper, a regular registration): a child's activity
    (by id, or by code for the weekly helper), on `weekdays` from `start` to `until`."""

    child_id: int
    activity: int | str
    weekdays: list[int]
    start: datetime.date
    until: datetime.date
    # The weekdays to cancel; None for a regular registration: those dropped from the recorded pattern.
    cancel_weekdays: list[int] | None = None


def _changes_and_generated(
    posted: Posted, family: Family, family_kids: dict[int, Child], now: datetime.datetime
) -> tuple[Changes, list[str], FamilyCalendar | None, list[Child]]:
    """Every change posted, the regular registrations to record, and the calendar read for them.

    Raises ValidationError for malformed input and Http404 for a child of another family.
    """
    today = timezone.localdate(now)
    changes = booking_forms.changes_from_post(posted)
    spans: list[_Span] = []
    pattern_values: list[str] = []
    if "whole" in posted:
        child_id, activity_id = booking_forms.parse_row(posted.get("whole") or "")
        period_form = booking_forms.PeriodForm(posted)
        if not period_form.is_valid():
            raise ValidationError(_("Période non reconnue."))
        start = max(period_form.cleaned_data["start"], today)
        spans.append(_Span(child_id, activity_id, list(range(7)), start, period_form.cleaned_data["end"], []))
    if posted.get("helper") == "weekly":
        names = [(child.pk, child.first_name) for child in family_kids.values()]
        codes = posted.getlist("activity")[:1]
        weekly = booking_forms.WeeklyForm(
            posted, children=names, activities=[(code, code) for code in codes], today=today
        )
        if not weekly.is_valid():
            raise ValidationError([error for errors in weekly.errors.values() for error in errors])
        for child_id in weekly.cleaned_data["children"]:
            spans.append(
                _Span(
                    child_id,
                    weekly.cleaned_data["activity"],
                    weekly.cleaned_data["weekdays"],
                    today,
                    weekly.cleaned_data["until"],
                    [],
                )
            )
    if "row" in posted:
        regular = booking_forms.RegularForm(posted)
        if not regular.is_valid():
            raise ValidationError([error for errors in regular.errors.values() for error in errors])
        child_id, activity_id = regular.cleaned_data["row"]
        weekdays = regular.cleaned_data["weekdays"]
        try:
            until = datetime.date.fromisoformat((posted.get("until") or "")[:10])
        except ValueError:
            raise ValidationError(_("Période non reconnue.")) from None
        if not today <= until <= today + datetime.timedelta(days=actions.MAX_BATCH_DAYS):
            raise ValidationError(_("Période non reconnue."))
        spans.append(_Span(child_id, activity_id, weekdays, today, until))
        pattern_values.append(pattern_value(child_id, activity_id, weekdays))
    for value in posted.getlist("pattern")[:20]:
        child_id, activity_id, weekdays = booking_forms.parse_pattern(value)
        pattern_values.append(pattern_value(child_id, activity_id, weekdays))
    child_ids = set(changes.by_child) | {span.child_id for span in spans}
    child_ids |= {int(value.split(":")[0]) for value in pattern_values}
    if not child_ids <= set(family_kids):
        raise Http404
    children = [child for child in family_kids.values() if child.pk in child_ids]
    dates = changes.dates() + [day for span in spans for day in (span.start, span.until)]
    if not dates:
        return changes, pattern_values, None, children
    start, end = min(dates), max(dates)
    if (end - start).days > actions.MAX_BATCH_DAYS:
        raise ValidationError(_("Période trop longue : réservez sur une année scolaire au plus."))
    calendar = FamilyCalendar.load(family, start, end, children=children)
    for span in spans:
        child = family_kids[span.child_id]
        for enrolled in calendar.activities_of(child):
            if span.activity not in (enrolled.pk, enrolled.code):
                continue
            dropped = span.cancel_weekdays
            if dropped is None:
                recorded = {
                    day
                    for enrollment in calendar.enrollments.get(span.child_id, [])
                    if enrollment.activity_id == enrolled.pk and enrollment.school_year.contains(today)
                    for day in enrollment.weekly_pattern
                }
                dropped = sorted(recorded - set(span.weekdays))
            entries = [
                calendar.entry(child, enrolled, day, now)
                for day in daterange(max(span.start, start), min(span.until, end))
                if calendar.is_enrolled(child, enrolled.pk, day)
            ]
            changes.extend(
                span.child_id,
                patterns.weekly_changes(
                    entries,
                    enrolled.pk,
                    weekdays=span.weekdays,
                    start=span.start,
                    until=span.until,
                    cancel_weekdays=dropped,
                ),
            )
    if changes.count > booking_forms.MAX_CHANGES:
        raise ValidationError(_("Trop de jours en une fois : réservez mois par mois."))
    return changes, pattern_values, calendar, children


def propose(
    posted: Posted,
    family: Family,
    family_kids: dict[int, Child],
    *,
    now: datetime.datetime,
    as_staff: bool = False,
    override_capacity: bool = False,
) -> Proposal:
    """What the posted changes do under the parents' rules (or the staff's): nothing is written.

    Malformed input comes back as the proposal's errors; a child of another family raises Http404.
    """
    try:
        changes, pattern_values, calendar, children = _changes_and_generated(posted, family, family_kids, now)
    except ValidationError as error:
        return Proposal([], [], list(error.messages))
    reviews = [
        ChildReview(
            child,
            actions.review(
                child,
                changes.for_child(child.pk),
                now=now,
                calendar=calendar,
                as_staff=as_staff,
                override_capacity=override_capacity,
            ),
        )
        for child in children
        if changes.for_child(child.pk)
    ]
    return Proposal(reviews, pattern_values, [])


def saved_summary(applied: Sequence[tuple[Child, actions.Review]]) -> str:
    """What `actions.apply_family` saved: "4 jours réservés pour Sarah, 2 jours annulés pour Chloé — total
    10,00 €"; empty when it changed nothing (NOTHING_CHANGED)."""
    reviews = [ChildReview(child, review) for child, review in applied]
    if not any(review.outcomes for review in reviews):
        return ""
    parts = []
    for review in reviews:
        counts = Counter(outcome.state for outcome in review.outcomes)
        name = review.child.first_name
        if counts[BookingState.BOOKED]:
            parts.append(
                ngettext("%(n)d jour réservé pour %(name)s", "%(n)d jours réservés pour %(name)s", counts["booked"])
                % {"n": counts[BookingState.BOOKED], "name": name}
            )
        if counts[BookingState.REQUESTED]:
            parts.append(
                ngettext(
                    "%(n)d demande envoyée pour %(name)s (à valider par le service)",
                    "%(n)d demandes envoyées pour %(name)s (à valider par le service)",
                    counts[BookingState.REQUESTED],
                )
                % {"n": counts[BookingState.REQUESTED], "name": name}
            )
        if counts[NO_BOOKING]:
            parts.append(
                ngettext("%(n)d jour annulé pour %(name)s", "%(n)d jours annulés pour %(name)s", counts[NO_BOOKING])
                % {"n": counts[NO_BOOKING], "name": name}
            )
    amount = sum_prices(review.subtotal for review in reviews)
    return _("%(parts)s — total %(total)s") % {"parts": ", ".join(parts), "total": format_euros(amount)}
