"""Helpers for invoicing tests: March 2027 (school from Monday 8, Easter Monday 29 closed)."""

import datetime
from collections.abc import Callable

import pytest
from django.db.models import F, Q

from ardoise.activities.models import AbsenceReason, Activity
from ardoise.billing.models import BilledBooking, InvoiceLine, InvoicingRun
from ardoise.billing.runs import create_run
from ardoise.bookings.models import Absence, Booking, BookingState
from ardoise.families.models import Child
from ardoise.towns.models import Town
from tests.factories import BookingFactory

MARCH = (datetime.date(2027, 3, 1), datetime.date(2027, 3, 31))


def day(n: int) -> datetime.date:
    return datetime.date(2027, 3, n)


type Book = Callable[..., Booking]


def book_day(
    child: Child, activity: Activity, n: int, state: str = BookingState.PRESENT, reason: AbsenceReason | None = None
) -> Booking:
    """A booking of `child` on the n-th of March 2027, with an absence under `reason` when given."""
    booking = BookingFactory(child=child, activity=activity, date=day(n), state=state)
    if reason is not None:
        Absence.objects.create(town=child.town, booking=booking, reason=reason)
    return booking


def new_march_run(town: Town, *activities: Activity) -> InvoicingRun:
    return create_run(town, None, period_start=MARCH[0], period_end=MARCH[1], activities=list(activities))


def billed_out_of_town() -> list[int]:
    """The billed bookings whose town is not their booking's or their invoice line's (BilledBooking.town has
    no foreign key: its booking and its line carry the town); none, whatever wrote them."""
    return list(
        BilledBooking.objects.filter(~Q(town_id=F("booking__town_id")) | ~Q(town_id=F("invoice_line__town_id")))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def billed_without_line() -> list[int]:
    """The billed bookings whose invoice line does not exist (BilledBooking.invoice_line has no foreign key in
    the database: the issue writes the line a statement earlier in the same transaction); none, ever."""
    return list(
        BilledBooking.objects.exclude(invoice_line_id__in=InvoiceLine.objects.values("pk"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@pytest.fixture
def book() -> Book:
    return book_day


@pytest.fixture
def march_run() -> Callable[..., InvoicingRun]:
    return new_march_run
