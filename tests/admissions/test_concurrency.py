"""Nothing offered or granted beyond capacity when places free and families or staff act at the same instant
(PostgreSQL, real threads with their own connections)."""

import threading
from collections.abc import Callable

import pytest
import time_machine
from django.db import connection

from ardoise.accounts.models import User
from ardoise.admissions import actions
from ardoise.admissions.models import EnrolmentRequest, EnrolmentStatus
from ardoise.bookings.models import Enrollment
from tests.factories import (
    ActivityFactory,
    ChildFactory,
    EnrollmentFactory,
    FamilyFactory,
    GuardianFactory,
    SchoolYearFactory,
    SiteFactory,
    TownFactory,
    staff_member,
)
from tests.moment import NOW

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]

WEDNESDAY = 2


def at_once(*calls: Callable[[], object]) -> list[str]:
    """Run `calls` in threads released together; each one's outcome: "ok" or the refusal's message."""
    start = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            start.wait()
            try:
                call()
                outcome = "ok"
            except actions.AdmissionRefused as refused:
                outcome = refused.message
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def parent_of(town: object, site: object) -> tuple[object, User]:
    family = FamilyFactory(town=town)
    guardian = GuardianFactory(family=family)
    return ChildFactory(family=family, site=site), guardian.user


def test_it_never_offers_nor_grants_beyond_capacity_when_two_places_free_and_families_accept_at_once() -> None:
    with time_machine.travel(NOW, tick=False):
        town = TownFactory()
        site = SiteFactory(town=town)
        year = SchoolYearFactory(town=town, start_year=2026)
        activity = ActivityFactory(town=town, site=site, mercredi=True, capacity=2)
        front_desk = staff_member(town, "front_desk")
        enrolled = []
        for _ in range(2):
            child, _parent = parent_of(town, site)
            enrolled.append(EnrollmentFactory(child=child, activity=activity, school_year=year, weekly_pattern=[2]))
        waiting: list[tuple[EnrolmentRequest, User]] = []
        for _ in range(4):
            child, parent = parent_of(town, site)
            request = actions.request_enrolment(
                child, activity, school_year=year, weekly_pattern=[WEDNESDAY], actor=parent
            )
            waiting.append((request, parent))
        assert {request.status for request, _parent in waiting} == {EnrolmentStatus.WAITING}

        # Two enrolments withdrawn at the same instant: two places, two offers, never more.
        outcomes = at_once(
            *(lambda e=enrollment: actions.withdraw_enrolment(e, actor=front_desk) for enrollment in enrolled)
        )
        assert outcomes == ["ok", "ok"]
        offered = EnrolmentRequest.objects.filter(activity=activity, status=EnrolmentStatus.OFFERED)
        assert offered.count() == 2

        # Every family tries to accept at the same instant: only the two offered get the places.
        outcomes = at_once(
            *(lambda r=request, p=parent: actions.accept_offer(r, actor=p) for request, parent in waiting)
        )
        assert sorted(outcome == "ok" for outcome in outcomes) == [False, False, True, True]
        assert Enrollment.objects.filter(activity=activity, school_year=year).count() == 2
        assert not EnrolmentRequest.objects.filter(activity=activity, status=EnrolmentStatus.OFFERED).exists()


def test_it_gives_the_last_place_once_when_two_staff_accept_at_once() -> None:
    with time_machine.travel(NOW, tick=False):
        town = TownFactory()
        site = SiteFactory(town=town)
        year = SchoolYearFactory(town=town, start_year=2026)
        activity = ActivityFactory(town=town, site=site, mercredi=True, capacity=2)
        child, _parent = parent_of(town, site)
        EnrollmentFactory(child=child, activity=activity, school_year=year, weekly_pattern=[2])
        requests = []
        for _ in range(2):
            child, parent = parent_of(town, site)
            requests.append(
                actions.request_enrolment(child, activity, school_year=year, weekly_pattern=[WEDNESDAY], actor=parent)
            )
        assert {request.status for request in requests} == {EnrolmentStatus.PENDING}
        agents = [staff_member(town, "front_desk", email=f"agent{index}@example.test") for index in range(2)]
        decisions: list[actions.Decision] = []
        at_once(
            *(
                lambda r=request, a=agent: decisions.append(actions.accept_requests([r], actor=a))
                for request, agent in zip(requests, agents, strict=True)
            )
        )
        assert sorted(len(decision.accepted) for decision in decisions) == [0, 1]
        assert sorted(len(decision.waiting) for decision in decisions) == [0, 1]
        assert Enrollment.objects.filter(activity=activity, school_year=year).count() == 2
