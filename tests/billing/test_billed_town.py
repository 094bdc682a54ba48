"""A billed booking's town is its booking's and its invoice line's, and its invoice line exists.

`BilledBooking.town` has no foreign key of its own (its booking is claimed by the issue, and both its booking
and its line carry the town), nor has `BilledBooking.invoice_line` (the line is written a statement earlier in the same
transaction; lines are never deleted, tests/billing/test_billed_links.py): these tests are what proves the
three towns agree and every line is there, whichever way a booking gets billed, in two towns issuing side by
side, with batches of any size and a crash anywhere.
"""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ardoise.activities.models import Activity
from ardoise.billing import runs
from ardoise.billing.models import BilledBooking, InvoiceLine
from ardoise.families.models import Child
from ardoise.towns.models import Town
from tests.billing.conftest import billed_out_of_town, billed_without_line, book_day, new_march_run
from tests.billing.test_issuing_in_bulk import families_booked, issue_through_a_power_cut
from tests.factories import (
    ActivityFactory,
    ChildFactory,
    EnrollmentFactory,
    FamilyFactory,
    SchoolYearFactory,
    TariffFactory,
)

pytestmark = pytest.mark.usefixtures("frozen")

TODAY = datetime.date(2027, 4, 2)


def priced_meals(town: Town) -> tuple[Activity, Child]:
    """Another town's `repas`, priced, and a child enrolled in it."""
    child: Child = ChildFactory.create(family=FamilyFactory(town=town))
    meals: Activity = ActivityFactory.create(town=town, site=child.site)
    TariffFactory(activity=meals, valid_from=datetime.date(2026, 9, 1), bands=[(None, "3.00")])
    EnrollmentFactory(child=child, activity=meals, school_year=SchoolYearFactory(town=town, start_year=2026))
    return meals, child


def billed_per_town() -> dict[int, int]:
    towns: dict[int, int] = {}
    for town_id in BilledBooking.objects.values_list("town_id", flat=True):
        towns[town_id] = towns.get(town_id, 0) + 1
    return towns


def test_every_way_of_billing_files_a_billed_booking_under_its_booking_and_lines_town(
    town: Town, other_town: Town, children: list[Child], meals: Activity
) -> None:
    families_booked(town, meals, children[0], 3)
    their_meals, their_child = priced_meals(other_town)
    for n in (8, 9, 11):
        book_day(their_child, their_meals, n)
    # In bulk (a batch of families) here, one family at a time there (what a batch refused falls back to).
    ours = runs.issue_run(new_march_run(town, meals), None, today=TODAY).invoices
    theirs = new_march_run(other_town, their_meals)
    [draft] = runs.preview(theirs).families
    runs.issue_family(theirs, draft, issued_on=TODAY, due_on=TODAY, actor=None)

    assert len(ours) == 3
    assert billed_per_town() == {town.pk: 6, other_town.pk: 3}
    assert billed_out_of_town() == []
    assert billed_without_line() == []


def test_the_check_finds_a_billed_booking_filed_under_another_town(
    town: Town, other_town: Town, children: list[Child], meals: Activity
) -> None:
    booking = book_day(children[0], meals, 8)
    runs.issue_run(new_march_run(town, meals), None, today=TODAY)
    [line] = InvoiceLine.objects.filter(town=town)
    stray_booking = book_day(children[0], meals, 9)
    # The database does not refuse it (no foreign key on the column): the code and this check are the guard.
    stray = BilledBooking.objects.create(town=other_town, booking=stray_booking, invoice_line=line)

    assert BilledBooking.objects.get(booking=booking).town_id == town.pk
    assert billed_out_of_town() == [stray.pk]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ours=st.integers(min_value=1, max_value=6),
    theirs=st.integers(min_value=1, max_value=6),
    batch=st.integers(min_value=1, max_value=7),
    crash_at=st.none() | st.integers(min_value=1, max_value=7),
)
def test_billed_bookings_stay_in_their_town_whatever_the_batches_and_wherever_a_crash_falls(
    town: Town,
    other_town: Town,
    children: list[Child],
    meals: Activity,
    ours: int,
    theirs: int,
    batch: int,
    crash_at: int | None,
) -> None:
    with transaction.atomic():
        families_booked(town, meals, children[0], ours)
        their_meals, their_child = priced_meals(other_town)
        families_booked(other_town, their_meals, their_child, theirs)
        their_run = new_march_run(other_town, their_meals)
        issue_through_a_power_cut([new_march_run(town, meals), their_run, their_run], batch, crash_at)

        # Two days per family (the other town's child has none of its own); every one billed once, in its town.
        assert billed_per_town() == {town.pk: 2 * ours, other_town.pk: 2 * theirs}
        assert billed_out_of_town() == []
        assert billed_without_line() == []
        transaction.set_rollback(True)
