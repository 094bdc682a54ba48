"""Declaring an absence (bookings.actions.declare_absence): a free cancellation before the deadline,
the reason's rule after it, and a pending state while staff check a document."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.billing import runs
from ardoise.bookings import actions, attendance, decisions
from ardoise.bookings.calendar import NO_BOOKING, FamilyCalendar
from ardoise.bookings.models import (
    BILLABLE_STATES,
    Absence,
    Booking,
    BookingState,
    Enrollment,
    Request,
    RequestStatus,
)
from ardoise.families.models import Child
from tests.factories import AbsenceReasonFactory, BookingFactory
from tests.moment import NEXT_MONDAY, NOW

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# Thursday of this week: its deadline (Thursday 4 March, 12:00) has passed; the day has not.
LATE_DAY = datetime.date(2027, 3, 11)
# Next week's deadline under the weekly "Thursday 12:00" rule.
NEXT_WEEK_DEADLINE = datetime.datetime(2027, 3, 11, 12, 0, tzinfo=PARIS)


def state_of(booking: Booking) -> str:
    booking.refresh_from_db()
    return booking.state


@pytest.mark.parametrize("as_staff", [False, True])
@pytest.mark.parametrize(("billed", "document_required"), [(True, False), (False, True), (False, False)])
def test_it_cancels_a_day_still_cancellable_whatever_the_reason(
    parent: User,
    front_desk: User,
    children: list[Child],
    meals: Activity,
    as_staff: bool,
    billed: bool,
    document_required: bool,
) -> None:
    sarah = children[0]
    reason = AbsenceReasonFactory(town=meals.town, billed=billed, document_required=document_required)
    booking = BookingFactory(child=sarah, activity=meals, date=NEXT_MONDAY)
    declared = actions.declare_absence(booking, reason, actor=front_desk if as_staff else parent, as_staff=as_staff)
    assert declared.cancelled
    assert declared.state == NO_BOOKING
    assert state_of(booking) == BookingState.CANCELLED
    assert not Absence.objects.exists()
    assert not Request.objects.exists()
    # The day is as if cancelled from the planning: free, and a choice again until its deadline.
    entry = FamilyCalendar.load(sarah.family, NEXT_MONDAY, NEXT_MONDAY, [sarah]).entry(sarah, meals, NEXT_MONDAY, NOW)
    assert entry.state == NO_BOOKING
    assert entry.status.changeable
    preview = runs.preview_period(meals.town, NEXT_MONDAY, NEXT_MONDAY, [meals])
    assert preview.booking_count == 0
    assert AuditEntry.objects.filter(action="booking.change").exists() == as_staff


@pytest.mark.parametrize("as_staff", [False, True])
@pytest.mark.parametrize(
    ("billed", "document_required", "state"),
    [
        (True, False, BookingState.ABSENT_BILLED),
        (False, False, BookingState.ABSENT_EXCUSED),
        (False, True, BookingState.ABSENCE_PENDING),
        (True, True, BookingState.ABSENCE_PENDING),
    ],
)
def test_it_applies_the_reasons_rule_after_the_deadline(
    parent: User,
    front_desk: User,
    children: list[Child],
    meals: Activity,
    as_staff: bool,
    billed: bool,
    document_required: bool,
    state: str,
) -> None:
    reason = AbsenceReasonFactory(town=meals.town, billed=billed, document_required=document_required)
    booking = BookingFactory(child=children[0], activity=meals, date=LATE_DAY)
    declared = actions.declare_absence(booking, reason, actor=front_desk if as_staff else parent, as_staff=as_staff)
    assert not declared.cancelled
    assert declared.state == state
    assert state_of(booking) == state
    assert declared.absence == Absence.objects.get(booking=booking)
    waiting = Request.objects.filter(booking=booking, status=RequestStatus.PENDING).exists()
    assert waiting == document_required


def test_it_does_not_bill_a_pending_absence_until_staff_decide(
    parent: User, front_desk: User, finance_agent: User, children: list[Child], meals: Activity
) -> None:
    medical = AbsenceReasonFactory(town=meals.town, label="Raison médicale", document_required=True)
    booking = BookingFactory(child=children[0], activity=meals, date=LATE_DAY)
    actions.declare_absence(booking, medical, actor=parent)
    run = runs.create_run(
        meals.town, finance_agent, period_start=datetime.date(2027, 3, 1), period_end=LATE_DAY, activities=[meals]
    )
    preview = runs.preview(run)
    assert preview.booking_count == 0
    [anomaly] = preview.anomalies
    assert anomaly.kind == "absence_pending"
    assert "1 jour d'absence attend la décision du service" in anomaly.message
    runs.issue_run(run, finance_agent, today=LATE_DAY)
    # Refused: billed by the next issue of the run, never twice.
    request = Request.objects.get(booking=booking)
    decisions.refuse_requests(meals.town, [request.pk], actor=front_desk, reason="Pas de certificat", base_url="")
    assert state_of(booking) == BookingState.ABSENT_BILLED
    assert BookingState.ABSENT_BILLED in BILLABLE_STATES
    again = runs.preview(run)
    assert again.booking_count == 1
    assert again.anomalies == []
    assert again.total == Decimal("2.50")  # the family's price


def test_it_excuses_a_pending_absence_that_staff_accept(
    parent: User, front_desk: User, children: list[Child], meals: Activity
) -> None:
    medical = AbsenceReasonFactory(town=meals.town, document_required=True)
    booking = BookingFactory(child=children[0], activity=meals, date=LATE_DAY)
    actions.declare_absence(booking, medical, actor=parent)
    request = Request.objects.get(booking=booking)
    decisions.accept_requests(meals.town, [request.pk], actor=front_desk, base_url="")
    assert state_of(booking) == BookingState.ABSENT_EXCUSED


def test_it_lists_a_pending_absence_at_the_roll_call_as_absent_and_keeps_it_waiting(
    parent: User, site_agent: User, children: list[Child], meals: Activity
) -> None:
    today = datetime.date(2027, 3, 9)
    medical = AbsenceReasonFactory(town=meals.town, document_required=True)
    booking = BookingFactory(child=children[0], activity=meals, date=today)
    actions.declare_absence(booking, medical, actor=parent)
    sheet = attendance.load_sheet(meals, today)
    assert [b.state for b in sheet.bookings] == [BookingState.ABSENCE_PENDING]
    assert (sheet.counters.expected, sheet.counters.absent, sheet.counters.unmarked) == (1, 1, 0)
    assert not attendance.mark_absent(booking, actor=site_agent, today=today).changed
    attendance.close_roll_call(meals, today, actor=site_agent, today=today)
    assert state_of(booking) == BookingState.ABSENCE_PENDING
    # Marked present by mistake, then absent again: still waiting for the document, not excused.
    attendance.mark_present(booking, actor=site_agent, today=today)
    attendance.mark_absent(booking, actor=site_agent, today=today)
    assert state_of(booking) == BookingState.ABSENCE_PENDING


def test_it_refuses_an_absence_on_a_pending_day(parent: User, children: list[Child], meals: Activity) -> None:
    medical = AbsenceReasonFactory(town=meals.town, document_required=True)
    booking = BookingFactory(child=children[0], activity=meals, date=LATE_DAY)
    actions.declare_absence(booking, medical, actor=parent)
    with pytest.raises(actions.AbsenceRefused, match="Absence en cours de traitement"):
        actions.declare_absence(booking, medical, actor=parent)


# Properties: the rule holds for any reason and any moment.

reasons = st.fixed_dictionaries(
    {"billed": st.booleans(), "document_required": st.booleans(), "waiting_days": st.integers(0, 3)}
)
# Next week's open days of the meals (Monday, Tuesday, Thursday, Friday).
coming_days = st.sampled_from([NEXT_MONDAY + datetime.timedelta(days=n) for n in (0, 1, 3, 4)])
EXAMPLES = settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])


@EXAMPLES
@given(reason=reasons, day=coming_days, seconds=st.integers(0, int((NEXT_WEEK_DEADLINE - NOW).total_seconds())))
def test_an_absence_before_the_deadline_never_leaves_a_billable_state(
    parent: User, front_desk: User, children: list[Child], meals: Activity, reason, day, seconds
) -> None:
    now = NOW + datetime.timedelta(seconds=seconds)
    with transaction.atomic():
        booking = BookingFactory(child=children[0], activity=meals, date=day)
        declared = actions.declare_absence(
            booking, AbsenceReasonFactory(town=meals.town, **reason), actor=parent, now=now
        )
        state = state_of(booking)
        billed = runs.preview_period(meals.town, day, day, [meals]).booking_count
        transaction.set_rollback(True)
    assert declared.cancelled
    assert state == BookingState.CANCELLED
    assert state not in BILLABLE_STATES
    assert billed == 0


@EXAMPLES
@given(reason=reasons, day=coming_days, late=st.integers(1, 3 * 24 * 3600), as_staff=st.booleans())
def test_an_absence_after_the_deadline_follows_its_reason(
    parent: User, front_desk: User, children: list[Child], meals: Activity, reason, day, late, as_staff
) -> None:
    now = NEXT_WEEK_DEADLINE + datetime.timedelta(seconds=late)
    with transaction.atomic():
        absence_reason = AbsenceReasonFactory(town=meals.town, **reason)
        booking = BookingFactory(child=children[0], activity=meals, date=day)
        declared = actions.declare_absence(
            booking, absence_reason, actor=front_desk if as_staff else parent, as_staff=as_staff, now=now
        )
        state = state_of(booking)
        transaction.set_rollback(True)
    assert not declared.cancelled
    if reason["document_required"]:
        assert state == BookingState.ABSENCE_PENDING
    else:
        assert state == (BookingState.ABSENT_BILLED if reason["billed"] else BookingState.ABSENT_EXCUSED)


def test_it_refuses_a_cancellation_the_rules_refuse_and_changes_nothing(
    parent: User, children: list[Child], meals: Activity
) -> None:
    # Before the deadline an absence is a cancellation; one the rules refuse (the child is no longer
    # enrolled) is refused with its reason, as an absence refused, never a crash.
    sarah = children[0]
    reason = AbsenceReasonFactory(town=meals.town)
    booking = BookingFactory(child=sarah, activity=meals, date=NEXT_MONDAY)
    Enrollment.objects.filter(child=sarah, activity=meals).delete()
    with pytest.raises(actions.AbsenceRefused) as refused:
        actions.declare_absence(booking, reason, actor=parent)
    assert "n'est pas inscrit(e) à cette activité" in refused.value.message
    assert state_of(booking) == BookingState.BOOKED
    assert not Absence.objects.exists()
    assert not Request.objects.exists()
