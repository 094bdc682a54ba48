"""A billed booking's invoice line is never deleted, though the database has no foreign key for it.

`BilledBooking.invoice_line` has `db_constraint=False` (docs/architecture.md, "Money"): the issue writes the line
a statement before its billed bookings, in the same transaction, and nothing deletes a line afterwards. These
tests try every way the code could: the line, its invoice, the whole run's invoices; each is refused and the
line stays. tests/billing/test_billed_town.py checks, after every way of billing and a crash anywhere, that
every billed booking's line exists.
"""

import datetime

import pytest
from django.db import transaction
from django.db.models import ProtectedError

from ardoise.activities.models import Activity
from ardoise.billing import runs
from ardoise.billing.models import BilledBooking, Invoice, InvoiceIsIssued, InvoiceLine
from ardoise.families.models import Child
from ardoise.towns.models import Town
from tests.billing.conftest import billed_without_line, book_day, new_march_run

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
