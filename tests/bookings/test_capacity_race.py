"""Capacity holds when many families race for the last places (PostgreSQL, real threads)."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection

from ardoise.accounts.models import User
from ardoise.bookings import actions
from ardoise.bookings.models import Booking, BookingState
from tests.factories import (
    ActivityFactory,
    ChildFactory,
    EnrollmentFactory,
    FamilyFactory,
    SchoolYearFactory,
    SiteFactory,
    TownFactory,
    UserFactory,
)
from tests.moment import NOW

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

FAMILIES = 16
PLACES = 5
WEDNESDAY = datetime.date(2027, 3, 17)


def test_it_never_gives_more_places_than_the_capacity_under_concurrency() -> None:
    with time_machine.travel(NOW, tick=False):
        town = TownFactory()
        site = SiteFactory(town=town)
        year = SchoolYearFactory(town=town, start_year=2026)
        # Validation off so that every booking takes a place at once.
        activity = ActivityFactory(town=town, site=site, mercredi=True, capacity=PLACES, needs_validation=False)
        children = []
        for _ in range(FAMILIES):
            child = ChildFactory(family=FamilyFactory(town=town), site=site)
            EnrollmentFactory(child=child, activity=activity, school_year=year)
            children.append(child)
        actor = UserFactory(town=town)

        start = threading.Barrier(FAMILIES)
        outcomes: list[str] = []
        lock = threading.Lock()

        def book(child_index: int) -> None:
            try:
                start.wait()
                try:
                    actions.apply(children[child_index], [actions.Change(WEDNESDAY, activity.pk, True)], actor=actor)
                    outcome = "booked"
                except actions.BatchRefused as refused:
                    outcome = refused.refusals[0].code
                with lock:
                    outcomes.append(outcome)
            finally:
                connection.close()

        threads = [threading.Thread(target=book, args=(index,)) for index in range(FAMILIES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert sorted(outcomes) == sorted(["booked"] * PLACES + ["full"] * (FAMILIES - PLACES))
    assert Booking.objects.filter(activity=activity, date=WEDNESDAY, state=BookingState.BOOKED).count() == PLACES


def test_it_keeps_places_for_parallel_bookings_of_one_family_idempotent() -> None:
    """The same batch sent twice at once (a double click) books once."""
    with time_machine.travel(NOW, tick=False):
        town = TownFactory()
        site = SiteFactory(town=town)
        year = SchoolYearFactory(town=town, start_year=2026)
        activity = ActivityFactory(town=town, site=site)
        child = ChildFactory(family=FamilyFactory(town=town), site=site)
        EnrollmentFactory(child=child, activity=activity, school_year=year)
        actor: User = UserFactory(town=town)
        monday = datetime.date(2027, 3, 15)
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def book() -> None:
            try:
                start.wait()
                actions.apply(child, [actions.Change(monday, activity.pk, True)], actor=actor)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=book) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert Booking.objects.filter(child=child, activity=activity, date=monday).count() == 1
    assert errors == []
