"""The roll-call actions: present, absent, a child who came without a booking, closing the day."""

import datetime

import pytest

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.bookings import attendance
from ardoise.bookings.actions import declare_absence
from ardoise.bookings.models import Booking, BookingState, Request, RequestKind, RequestStatus
from ardoise.families.models import Child, Family
from ardoise.towns.models import Site, Town
from tests.factories import AbsenceReasonFactory, BookingFactory, ChildFactory

TODAY = datetime.date(2027, 3, 9)
YESTERDAY = datetime.date(2027, 3, 8)
TOMORROW = datetime.date(2027, 3, 10)


@pytest.fixture
def sarah(children: list[Child]) -> Child:
    return children[0]


@pytest.fixture
def chloe(children: list[Child]) -> Child:
    return children[1]


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def test_it_marks_a_child_present_once(sarah: Child, meals: Activity, site_agent: User) -> None:
    booking = BookingFactory(child=sarah, activity=meals, date=TODAY)
    marked = attendance.mark_present(booking, actor=site_agent)
    again = attendance.mark_present(booking, actor=site_agent)
    booking.refresh_from_db()
    assert booking.state == BookingState.PRESENT
    assert marked.changed
    assert not again.changed
    [entry] = entries("attendance.present")
    assert entry.actor == site_agent
    assert entry.changes["state"] == ["booked", "present"]
    assert entry.object_type == "booking"
    assert entry.object_id == booking.pk


@pytest.mark.parametrize(("billed", "state"), [(True, "absent_billed"), (False, "absent_excused")])
def test_it_marks_a_child_absent_per_the_towns_rule(
    town: Town, sarah: Child, meals: Activity, site_agent: User, billed: bool, state: str
) -> None:
    town.bill_undeclared_absences = billed
    town.save()
    booking = BookingFactory(child=sarah, activity=meals, date=TODAY)
    attendance.mark_absent(booking, actor=site_agent)
    assert not attendance.mark_absent(booking, actor=site_agent).changed
    booking.refresh_from_db()
    assert booking.state == state
    assert [entry.changes["state"] for entry in entries("attendance.absent")] == [["booked", state]]


def test_it_keeps_a_declared_absences_reason_when_marked_absent_again(
    town: Town, sarah: Child, meals: Activity, site_agent: User, parent: User
) -> None:
    """A child with a declared (not billed) absence who was marked present by mistake goes back to excused."""
    booking = BookingFactory(child=sarah, activity=meals, date=TODAY)
    declare_absence(booking, AbsenceReasonFactory(town=town, billed=False), actor=parent)
    attendance.mark_present(booking, actor=site_agent)
    attendance.mark_absent(booking, actor=site_agent)
    booking.refresh_from_db()
    assert booking.state == BookingState.ABSENT_EXCUSED


def test_it_refuses_to_mark_a_day_to_come(sarah: Child, meals: Activity, site_agent: User) -> None:
    booking = BookingFactory(child=sarah, activity=meals, date=datetime.date(2027, 3, 11))
    with pytest.raises(attendance.AttendanceRefused, match="jour à venir"):
        attendance.mark_present(booking, actor=site_agent)
    booking.refresh_from_db()
    assert booking.state == BookingState.BOOKED
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("state", [BookingState.CANCELLED, BookingState.REFUSED, BookingState.REQUESTED])
def test_it_refuses_to_mark_a_child_who_is_not_expected(
    sarah: Child, meals: Activity, site_agent: User, state: str
) -> None:
    booking = BookingFactory(child=sarah, activity=meals, date=TODAY, state=state)
    with pytest.raises(attendance.AttendanceRefused):
        attendance.mark_present(booking, actor=site_agent)
    with pytest.raises(attendance.AttendanceRefused):
        attendance.mark_absent(booking, actor=site_agent)


def test_it_records_a_late_correction_with_old_and_new_state(sarah: Child, meals: Activity, site_agent: User) -> None:
    booking = BookingFactory(child=sarah, activity=meals, date=YESTERDAY, state=BookingState.ABSENT_BILLED)
    attendance.mark_present(booking, actor=site_agent)
    booking.refresh_from_db()
    assert booking.state == BookingState.PRESENT
    [entry] = entries("attendance.present")
    assert entry.changes == {"state": ["absent_billed", "present"], "date": "2027-03-08"}
    assert "correction tardive" in entry.summary


def test_it_adds_a_child_who_came_without_a_booking(sarah: Child, meals: Activity, site_agent: User) -> None:
    marked = attendance.add_unbooked_child(sarah, meals, TODAY, actor=site_agent)
    again = attendance.add_unbooked_child(sarah, meals, TODAY, actor=site_agent)
    assert marked.changed
    assert not again.changed
    booking = Booking.objects.get(child=sarah, activity=meals, date=TODAY)
    assert booking.state == BookingState.PRESENT_UNBOOKED
    assert booking.town_id == sarah.town_id
    [entry] = entries("attendance.unbooked")
    assert entry.changes["state"] == ["", "present_unbooked"]


def test_it_adds_a_child_not_enrolled_in_the_activity(
    family: Family, site: Site, meals: Activity, site_agent: User
) -> None:
    newcomer = ChildFactory(family=family, site=site, first_name="Inès")
    attendance.add_unbooked_child(newcomer, meals, TODAY, actor=site_agent)
    assert Booking.objects.get(child=newcomer).state == BookingState.PRESENT_UNBOOKED


def test_it_turns_a_cancelled_day_into_present_unbooked(sarah: Child, meals: Activity, site_agent: User) -> None:
    booking = BookingFactory(child=sarah, activity=meals, date=TODAY, state=BookingState.CANCELLED)
    attendance.add_unbooked_child(sarah, meals, TODAY, actor=site_agent)
    booking.refresh_from_db()
    assert booking.state == BookingState.PRESENT_UNBOOKED
    assert entries("attendance.unbooked")[0].changes["state"] == ["cancelled", "present_unbooked"]


def test_it_marks_present_a_booked_child_added_again(sarah: Child, meals: Activity, site_agent: User) -> None:
    booking = BookingFactory(child=sarah, activity=meals, date=TODAY)
    attendance.add_unbooked_child(sarah, meals, TODAY, actor=site_agent)
    booking.refresh_from_db()
    assert booking.state == BookingState.PRESENT


def test_it_accepts_a_waiting_request_when_the_child_comes(sarah: Child, meals: Activity, site_agent: User) -> None:
    booking = BookingFactory(child=sarah, activity=meals, date=TODAY, state=BookingState.REQUESTED)
    request = Request.objects.create(
        town=sarah.town, family=sarah.family, kind=RequestKind.BOOKING, child=sarah, booking=booking
    )
    attendance.add_unbooked_child(sarah, meals, TODAY, actor=site_agent)
    booking.refresh_from_db()
    request.refresh_from_db()
    assert booking.state == BookingState.PRESENT
    assert request.status == RequestStatus.ACCEPTED
    assert request.decided_by == site_agent


def test_it_refuses_a_child_of_another_school(town: Town, other_site: Site, meals: Activity, site_agent: User) -> None:
    elsewhere = ChildFactory(town=town, site=other_site)
    with pytest.raises(attendance.AttendanceRefused):
        attendance.add_unbooked_child(elsewhere, meals, TODAY, actor=site_agent)
    assert not Booking.objects.exists()


def test_it_withdraws_a_child_added_by_mistake(sarah: Child, meals: Activity, site_agent: User) -> None:
    marked = attendance.add_unbooked_child(sarah, meals, TODAY, actor=site_agent)
    attendance.mark_absent(marked.booking, actor=site_agent)
    marked.booking.refresh_from_db()
    assert marked.booking.state == BookingState.CANCELLED
    assert entries("attendance.withdraw")[0].changes["state"] == ["present_unbooked", "cancelled"]


@pytest.mark.parametrize(("billed", "state"), [(True, "absent_billed"), (False, "absent_excused")])
def test_it_closes_the_roll_call_per_the_towns_rule(
    town: Town,
    sarah: Child,
    chloe: Child,
    meals: Activity,
    site_agent: User,
    parent: User,
    billed: bool,
    state: str,
) -> None:
    town.bill_undeclared_absences = billed
    town.save()
    present = BookingFactory(child=sarah, activity=meals, date=TODAY)
    unmarked = BookingFactory(child=chloe, activity=meals, date=TODAY)
    other = ChildFactory(family=sarah.family, site=sarah.site, first_name="Zoé")
    declared = BookingFactory(child=other, activity=meals, date=TODAY)
    declare_absence(declared, AbsenceReasonFactory(town=town, billed=not billed), actor=parent)
    attendance.mark_present(present, actor=site_agent)

    assert attendance.close_roll_call(meals, TODAY, actor=site_agent) == 1
    assert attendance.close_roll_call(meals, TODAY, actor=site_agent) == 0

    states = dict(Booking.objects.values_list("pk", "state"))
    assert states[present.pk] == BookingState.PRESENT
    assert states[unmarked.pk] == state
    # The declared absence keeps its reason's rule, the opposite of the town's here.
    assert states[declared.pk] == ("absent_excused" if billed else "absent_billed")
    assert len(entries("attendance.close")) == 2
    assert [entry.changes["state"] for entry in entries("attendance.absent")] == [["booked", state]]


def test_it_refuses_to_close_a_day_to_come(meals: Activity, site_agent: User) -> None:
    with pytest.raises(attendance.AttendanceRefused):
        attendance.close_roll_call(meals, TOMORROW, actor=site_agent)
