"""A billed booking's invoice line and booking are never deleted, though the database has no foreign key for them.

`BilledBooking.invoice_line` has `db_constraint=False` (docs/architecture.md, "Money"): the issue writes the line
a statement before its billed bookings, in the same transaction, and nothing deletes a line afterwards. These
tests try every way the code could: the line, its invoice, the whole run's invoices; each is refused and the
line stays. tests/billing/test_billed_town.py checks, after every way of billing and a crash anywhere, that
every billed booking's line exists.

`BilledBooking.booking` has none either (billing.billed_bookings): PostgreSQL refuses to delete a billed
booking, and the issue claims its bookings under the town's billing lock. The tests below delete bookings before,
during and after an issue, on PostgreSQL with two connections at once.
"""

import datetime
import threading
import time
from collections.abc import Callable

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from ardoise.activities.models import Activity
from ardoise.billing import billed_bookings, runs
from ardoise.billing.models import BilledBooking, Invoice, InvoiceIsIssued, InvoiceLine, InvoicingRun
from ardoise.bookings.models import Booking
from ardoise.families.models import Child
from ardoise.towns.models import Town
from tests.billing.conftest import billed_without_line, book_day, new_march_run
from tests.billing.test_issuing_in_bulk import families_booked

pytestmark = pytest.mark.usefixtures("frozen")

TODAY = datetime.date(2027, 4, 2)


def issued_line(town: Town, child: Child, meals: Activity) -> InvoiceLine:
    book_day(child, meals, 8)
    book_day(child, meals, 9)
    runs.issue_run(new_march_run(town, meals), None, today=TODAY)
    [line] = InvoiceLine.objects.filter(town=town)
    return line


def test_it_refuses_to_delete_a_line_that_bills_bookings(town: Town, children: list[Child], meals: Activity) -> None:
    line = issued_line(town, children[0], meals)

    with pytest.raises(ProtectedError), transaction.atomic():
        InvoiceLine.objects.filter(pk=line.pk).delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        line.delete()

    assert BilledBooking.objects.filter(invoice_line=line).count() == 2
    assert billed_without_line() == []


def test_it_refuses_to_delete_the_invoice_and_its_lines(town: Town, children: list[Child], meals: Activity) -> None:
    line = issued_line(town, children[0], meals)

    with pytest.raises(InvoiceIsIssued), transaction.atomic():
        line.invoice.delete()
    # A queryset's delete skips Invoice.delete: the lines' cascade meets their billed bookings' PROTECT.
    with pytest.raises(ProtectedError), transaction.atomic():
        Invoice.objects.filter(town=town).delete()

    assert InvoiceLine.objects.filter(pk=line.pk).exists()
    assert billed_without_line() == []


def test_the_check_finds_a_billed_booking_whose_line_is_missing(
    town: Town, children: list[Child], meals: Activity
) -> None:
    line = issued_line(town, children[0], meals)
    missing = InvoiceLine.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    # The database does not refuse it (no foreign key on the column): the code and this check are the guard.
    stray = BilledBooking.objects.create(town=town, booking=book_day(children[0], meals, 10), invoice_line_id=missing)

    assert BilledBooking.objects.filter(invoice_line=line).count() == 2
    assert billed_without_line() == [stray.pk]


def test_the_database_refuses_to_delete_a_billed_booking_and_deletes_the_others(
    town: Town, children: list[Child], meals: Activity
) -> None:
    line = issued_line(town, children[0], meals)
    [billed, _] = BilledBooking.objects.filter(invoice_line=line).order_by("pk")
    unbilled = book_day(children[0], meals, 10)

    # As a deletion that Django's PROTECT cannot see coming (an issue not yet committed): straight to the table.
    # SQLite has no such trigger: a writing transaction holds the whole database, PROTECT's reading included.
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():
            Booking.objects.filter(pk=billed.pk)._raw_delete(connection.alias)
    Booking.objects.filter(pk=unbilled.pk)._raw_delete(connection.alias)

    assert Booking.objects.filter(pk=billed.pk).exists()
    assert not Booking.objects.filter(pk=unbilled.pk).exists()
    # Through the ORM, the child's cascade meets the billed bookings' PROTECT first.
    with pytest.raises(ProtectedError), transaction.atomic():
        children[0].delete()
    assert BilledBooking.objects.filter(invoice_line=line).count() == 2


def test_it_skips_a_family_whose_booking_was_deleted_after_the_preview(
    town: Town, children: list[Child], meals: Activity, monkeypatch: pytest.MonkeyPatch
) -> None:
    families_booked(town, meals, children[0], 3)
    run = new_march_run(town, meals)
    stale = runs.preview(run)

    def preview_meanwhile(run: InvoicingRun) -> runs.RunPreview:
        # F001's child leaves the signup file, with its bookings, while the run's preview reads the month.
        Child.objects.get(pk=stale.families[1].lines[0].child_id).delete()
        return stale

    monkeypatch.setattr(runs, "preview", preview_meanwhile)

    result = runs.issue_run(run, None, today=TODAY)

    assert [(invoice.number, invoice.family.name) for invoice in result.invoices] == [
        ("2027-000001", "F000"),
        ("2027-000002", "F002"),
    ]
    assert result.skipped_family_ids == [stale.families[1].family_id]
    assert BilledBooking.objects.filter(town=town).count() == 4


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the deletions are counted by PostgreSQL's trigger")
def test_each_deletion_of_bookings_moves_the_count_an_issue_reads(
    town: Town, children: list[Child], meals: Activity
) -> None:
    seen = billed_bookings.deletions_seen(town.pk)
    Booking.objects.filter(pk=-1)._raw_delete(connection.alias)  # a statement that deletes nothing
    assert billed_bookings.deletions_seen(town.pk) == seen

    book_day(children[0], meals, 10).delete()
    assert billed_bookings.deletions_seen(town.pk) != seen


def waiting_for_the_billing_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) = 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        [waiting] = cursor.fetchone()
        return bool(waiting)


def side_by_side(first: Callable[[], None], second: Callable[[], None]) -> list[BaseException]:
    """Run `first` in a thread, then `second` in another once `first` has started; the errors they raised."""
    errors: list[BaseException] = []

    def run(work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the other connection never waited for the billing lock"
        time.sleep(0.02)


def one_family_to_issue(town: Town, like: Child, meals: Activity) -> tuple[InvoicingRun, runs.FamilyDraft, Child]:
    """A run with one family to issue: the run, the family's draft and its child."""
    families_booked(town, meals, like, 1)
    run = new_march_run(town, meals)
    [draft] = runs.preview(run).families
    return run, draft, Child.objects.get(pk=draft.lines[0].child_id)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once need PostgreSQL")
class TestDeletionsDuringAnIssue:
    def test_a_deletion_during_the_issue_waits_for_it_then_fails(
        self, town: Town, children: list[Child], meals: Activity
    ) -> None:
        run, draft, child = one_family_to_issue(town, children[0], meals)
        issuing = threading.Event()

        def issue() -> None:
            with transaction.atomic():
                runs.issue_family(run, draft, issued_on=TODAY, due_on=TODAY, actor=None)
                issuing.set()
                # Committed only once the deletion waits for the town's billing lock.
                until(waiting_for_the_billing_lock)

        def delete() -> None:
            issuing.wait(timeout=10)
            with transaction.atomic():
                child.delete()  # PROTECT cannot see the issue's billed bookings yet: the database must refuse

        errors = side_by_side(issue, delete)

        assert [type(error) for error in errors] == [IntegrityError]
        assert Booking.objects.filter(child=child).count() == 2
        assert BilledBooking.objects.filter(town=town).count() == 2

    def test_an_issue_during_a_deletion_waits_for_it_then_leaves_nothing(
        self, town: Town, children: list[Child], meals: Activity
    ) -> None:
        run, draft, child = one_family_to_issue(town, children[0], meals)
        deleting = threading.Event()

        def delete() -> None:
            with transaction.atomic():
                child.delete()
                deleting.set()
                # Committed only once the issue waits for the town's billing lock.
                until(waiting_for_the_billing_lock)

        def issue() -> None:
            deleting.wait(timeout=10)
            runs.issue_family(run, draft, issued_on=TODAY, due_on=TODAY, actor=None)

        errors = side_by_side(delete, issue)

        assert [type(error) for error in errors] == [IntegrityError]
        assert not Child.objects.filter(pk=child.pk).exists()
        assert not Invoice.objects.filter(town=town).exists()
        assert not BilledBooking.objects.filter(town=town).exists()
