"""Booking, cancelling and declaring absences through bookings.actions."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.bookings import actions
from ardoise.bookings.actions import Change
from ardoise.bookings.calendar import FamilyCalendar
from ardoise.bookings.models import Booking, BookingState, Request, RequestKind, RequestStatus
from ardoise.calendars.models import Closure
from ardoise.families.models import Child
from tests.factories import AbsenceReasonFactory, BookingFactory, ChildFactory, EnrollmentFactory, FamilyFactory
from tests.moment import NEXT_MONDAY, NOW, week

pytestmark = pytest.mark.django_db


def book_all(days: list[datetime.date], activity: Activity, book: bool = True) -> list[Change]:
    return [Change(day, activity.pk, book) for day in days]


def states(child: Child, activity: Activity) -> dict[datetime.date, str]:
    return dict(Booking.objects.filter(child=child, activity=activity).values_list("date", "state"))


def test_it_books_next_week_and_prices_it(parent: User, children: list[Child], meals: Activity) -> None:
    sarah = children[0]
    result = actions.apply(sarah, book_all(week(NEXT_MONDAY), meals), actor=parent)
    assert states(sarah, meals) == dict.fromkeys(week(NEXT_MONDAY), BookingState.BOOKED)
    # Quotient familial 800: 2.50 a meal, four meals.
    assert result.total == Decimal("10.00")


def test_it_refuses_the_whole_batch_when_one_day_is_past_its_deadline(
    parent: User, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    this_thursday = datetime.date(2027, 3, 11)  # closed last Thursday at noon
    with pytest.raises(actions.BatchRefused) as refused:
        actions.apply(sarah, [*book_all(week(NEXT_MONDAY), meals), Change(this_thursday, meals.pk, True)], actor=parent)
    assert [(r.date, r.code) for r in refused.value.refusals] == [(this_thursday, "deadline_passed")]
    assert "date limite" in refused.value.refusals[0].message
    assert not Booking.objects.exists()


def test_it_lists_every_refusal_with_its_reason(parent: User, children: list[Child], meals: Activity) -> None:
    sarah = children[0]
    easter_monday = datetime.date(2027, 3, 29)
    wednesday = datetime.date(2027, 3, 17)
    spring_holiday = datetime.date(2027, 4, 20)
    late = datetime.date(2027, 3, 12)
    review = actions.review(
        sarah,
        [
            Change(easter_monday, meals.pk, True),
            Change(wednesday, meals.pk, True),
            Change(spring_holiday, meals.pk, True),
            Change(late, meals.pk, True),
            Change(NEXT_MONDAY, meals.pk + 999, True),
            Change(NEXT_MONDAY, meals.pk, False),
        ],
        now=NOW,
    )
    assert [refusal.code for refusal in review.refusals] == [
        "closed",
        "closed",
        "closed",
        "deadline_passed",
        "not_enrolled",
        "not_booked",
    ]
    assert "Jour férié" in review.refusals[0].message


def test_it_refuses_a_day_the_town_closed(parent: User, children: list[Child], meals: Activity) -> None:
    Closure.objects.create(town=meals.town, site=meals.site, starts_on=NEXT_MONDAY, ends_on=NEXT_MONDAY, label="Grève")
    with pytest.raises(actions.BatchRefused) as refused:
        actions.apply(children[0], [Change(NEXT_MONDAY, meals.pk, True)], actor=parent)
    assert refused.value.refusals[0].code == "closed"


def test_it_changes_nothing_when_the_same_batch_comes_twice(
    parent: User, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    batch = book_all(week(NEXT_MONDAY), meals)
    first = actions.apply(sarah, batch, actor=parent)
    second = actions.apply(sarah, batch, actor=parent)
    assert Booking.objects.filter(child=sarah).count() == 4
    assert [o.state for o in first.outcomes] == [o.state for o in second.outcomes]
    assert first.total == second.total
    assert not any(outcome.changes_something for outcome in second.outcomes)


def test_it_cancels_before_the_deadline_and_a_repeated_cancel_is_harmless(
    parent: User, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    actions.apply(sarah, book_all(week(NEXT_MONDAY), meals), actor=parent)
    actions.apply(sarah, [Change(NEXT_MONDAY, meals.pk, False)], actor=parent)
    actions.apply(sarah, [Change(NEXT_MONDAY, meals.pk, False)], actor=parent)
    assert states(sarah, meals)[NEXT_MONDAY] == BookingState.CANCELLED


def test_it_refuses_a_cancel_after_the_deadline(parent: User, children: list[Child], meals: Activity) -> None:
    sarah = children[0]
    friday = datetime.date(2027, 3, 12)
    BookingFactory(child=sarah, activity=meals, date=friday)
    with pytest.raises(actions.BatchRefused) as refused:
        actions.apply(sarah, [Change(friday, meals.pk, False)], actor=parent)
    assert refused.value.refusals[0].code == "deadline_passed"
    assert states(sarah, meals)[friday] == BookingState.BOOKED


def test_it_lets_staff_book_after_the_deadline_and_records_it(
    front_desk: User, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    friday = datetime.date(2027, 3, 12)
    actions.apply(sarah, [Change(friday, meals.pk, True)], actor=front_desk, as_staff=True)
    assert states(sarah, meals)[friday] == BookingState.BOOKED
    entry = AuditEntry.objects.get(action="booking.change")
    assert entry.actor == front_desk
    assert entry.changes["state"] == ["none", "booked"]


def test_it_asks_staff_to_validate_wednesdays(parent: User, children: list[Child], wednesdays: Activity) -> None:
    sarah = children[0]
    wednesday = datetime.date(2027, 3, 17)
    result = actions.apply(sarah, [Change(wednesday, wednesdays.pk, True)], actor=parent)
    assert result.outcomes[0].state == BookingState.REQUESTED
    request = Request.objects.get()
    assert (request.kind, request.status, request.child) == (RequestKind.BOOKING, RequestStatus.PENDING, sarah)
    # Withdrawing the booking withdraws the request.
    actions.apply(sarah, [Change(wednesday, wednesdays.pk, False)], actor=parent)
    assert not Request.objects.exists()


def test_it_never_gives_more_places_than_the_capacity(
    parent: User, children: list[Child], wednesdays: Activity
) -> None:
    wednesday = datetime.date(2027, 3, 17)
    wednesdays.capacity = 2
    wednesdays.save()
    other = ChildFactory(family=FamilyFactory(town=wednesdays.town), site=wednesdays.site)
    EnrollmentFactory(child=other, activity=wednesdays, school_year=wednesdays.enrollments.first().school_year)
    BookingFactory(child=other, activity=wednesdays, date=wednesday, state=BookingState.BOOKED)
    sarah, chloe = children
    actions.apply(sarah, [Change(wednesday, wednesdays.pk, True)], actor=parent)
    with pytest.raises(actions.BatchRefused) as refused:
        actions.apply(chloe, [Change(wednesday, wednesdays.pk, True)], actor=parent)
    assert refused.value.refusals[0].code == "full"
    assert Booking.objects.filter(activity=wednesdays, date=wednesday).count() == 2


def test_it_lets_staff_override_the_capacity(front_desk: User, children: list[Child], wednesdays: Activity) -> None:
    wednesday = datetime.date(2027, 3, 17)
    wednesdays.capacity = 1
    wednesdays.save()
    for child in children:
        actions.apply(
            child, [Change(wednesday, wednesdays.pk, True)], actor=front_desk, as_staff=True, override_capacity=True
        )
    assert Booking.objects.filter(activity=wednesdays, date=wednesday, state=BookingState.BOOKED).count() == 2


def test_it_gives_deadlines_in_paris_time_across_the_clock_change(children: list[Child], meals: Activity) -> None:
    sarah = children[0]
    calendar = FamilyCalendar.load(sarah.family, datetime.date(2027, 3, 22), datetime.date(2027, 4, 9), [sarah])
    before = calendar.entry(sarah, meals, datetime.date(2027, 3, 30), NOW).status.deadline
    after = calendar.entry(sarah, meals, datetime.date(2027, 4, 6), NOW).status.deadline
    assert before is not None
    assert after is not None
    assert before.isoformat() == "2027-03-25T12:00:00+01:00"
    assert after.isoformat() == "2027-04-01T12:00:00+02:00"


def test_it_declares_an_absence_billed_or_not_by_its_reason(
    parent: User, children: list[Child], meals: Activity
) -> None:
    sarah, chloe = children
    medical = AbsenceReasonFactory(town=meals.town, code="medical", billed=False, document_required=True)
    other = AbsenceReasonFactory(town=meals.town, code="autre", billed=True)
    monday = BookingFactory(child=sarah, activity=meals, date=datetime.date(2027, 3, 11))
    tuesday = BookingFactory(child=chloe, activity=meals, date=datetime.date(2027, 3, 11))
    actions.declare_absence(monday, medical, actor=parent, comment="Angine")
    actions.declare_absence(tuesday, other, actor=parent)
    monday.refresh_from_db()
    tuesday.refresh_from_db()
    assert monday.state == BookingState.ABSENCE_PENDING
    assert tuesday.state == BookingState.ABSENT_BILLED
    # Only the reason that asks for a document waits for staff.
    assert set(Request.objects.values_list("booking_id", "status")) == {
        (monday.pk, RequestStatus.PENDING),
        (tuesday.pk, RequestStatus.ACCEPTED),
    }


def test_it_refuses_an_absence_on_a_day_that_is_not_booked(
    parent: User, children: list[Child], meals: Activity
) -> None:
    reason = AbsenceReasonFactory(town=meals.town)
    cancelled = BookingFactory(child=children[0], activity=meals, state=BookingState.CANCELLED)
    with pytest.raises(actions.AbsenceRefused):
        actions.declare_absence(cancelled, reason, actor=parent)
    cancelled.refresh_from_db()
    assert cancelled.state == BookingState.CANCELLED


def test_it_accepts_a_change_at_the_deadline_instant_and_not_a_second_later(
    parent: User, children: list[Child], meals: Activity
) -> None:
    deadline = datetime.datetime(2027, 3, 11, 12, 0, tzinfo=NOW.tzinfo)
    sarah, chloe = children
    with time_machine.travel(deadline, tick=False):
        actions.apply(sarah, [Change(NEXT_MONDAY, meals.pk, True)], actor=parent)
    with time_machine.travel(deadline + datetime.timedelta(seconds=1), tick=False), pytest.raises(actions.BatchRefused):
        actions.apply(chloe, [Change(NEXT_MONDAY, meals.pk, True)], actor=parent)


# The one door for a family: apply_family


@pytest.mark.usefixtures("immediate_tasks")
def test_apply_family_saves_every_child_and_emails_once_after_the_commit(
    parent: User, family, children: list[Child], meals: Activity, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    sarah, chloe = children
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        applied = actions.apply_family(
            family,
            [(sarah, book_all(week(NEXT_MONDAY), meals)), (chloe, book_all([NEXT_MONDAY], meals))],
            actor=parent,
            base_url="https://ardoise.example/",
        )
        assert mailoutbox == []  # queued, not sent, until the commit
    assert callbacks
    assert [(child, result.total) for child, result in applied] == [(sarah, Decimal("10.00")), (chloe, Decimal("2.50"))]
    assert states(chloe, meals) == {NEXT_MONDAY: BookingState.BOOKED}
    assert len(mailoutbox) == 1
    assert "https://ardoise.example/saint-exemple/planning/" in mailoutbox[0].body


def test_apply_family_saves_nothing_for_any_child_when_one_change_is_refused(
    parent: User, family, children: list[Child], meals: Activity, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    sarah, chloe = children
    late = datetime.date(2027, 3, 12)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(actions.BatchRefused) as refused:
        actions.apply_family(
            family,
            [(sarah, book_all(week(NEXT_MONDAY), meals)), (chloe, book_all([late], meals))],
            actor=parent,
            base_url="https://ardoise.example/",
        )
    assert [(refusal.date, refusal.code) for refusal in refused.value.refusals] == [(late, "deadline_passed")]
    assert not Booking.objects.exists()
    assert mailoutbox == []


def test_apply_family_counts_a_siblings_new_booking_against_the_capacity(
    parent: User, family, children: list[Child], meals: Activity
) -> None:
    sarah, chloe = children
    meals.capacity = 1
    meals.save()
    with pytest.raises(actions.BatchRefused) as refused:
        actions.apply_family(
            family,
            [(sarah, book_all([NEXT_MONDAY], meals)), (chloe, book_all([NEXT_MONDAY], meals))],
            actor=parent,
            notify=False,
        )
    assert [(refusal.date, refusal.code) for refusal in refused.value.refusals] == [(NEXT_MONDAY, "full")]
    assert not Booking.objects.exists()


def test_apply_family_refuses_a_child_of_another_family(parent: User, family, meals: Activity, town) -> None:
    stranger = ChildFactory(family=FamilyFactory(town=town), site=meals.site)
    with pytest.raises(ValueError, match="of that family"):
        actions.apply_family(family, [(stranger, book_all([NEXT_MONDAY], meals))], actor=parent, notify=False)
    assert not Booking.objects.exists()
