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


@pytest.fixture
def book() -> Book:
    def make(
        child: Child, activity: Activity, n: int, state: str = BookingState.PRESENT, reason: AbsenceReason | None = None
    ) -> Booking:
        booking = BookingFactory(child=child, activity=activity, date=day(n), state=state)
        if reason is not None:
            Absence.objects.create(town=child.town, booking=booking, reason=reason)
        return booking

    return make


@pytest.fixture
def march_run() -> Callable[..., InvoicingRun]:
    def make(town: Town, *activities: Activity) -> InvoicingRun:
        return create_run(town, None, period_start=MARCH[0], period_end=MARCH[1], activities=list(activities))

    return make
