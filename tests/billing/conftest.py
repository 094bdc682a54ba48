"""Helpers for invoicing tests: March 2027 (school from Monday 8, Easter Monday 29 closed)."""

import datetime
from collections.abc import Callable

import pytest

from ardoise.activities.models import AbsenceReason, Activity
from ardoise.billing.models import InvoicingRun
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


@pytest.fixture
def book() -> Book:
    return book_day


@pytest.fixture
def march_run() -> Callable[..., InvoicingRun]:
    return new_march_run
