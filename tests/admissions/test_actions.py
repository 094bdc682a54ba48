"""Enrolment requests: asking, staff's decisions, the waiting list and the places offered when one frees."""

import datetime
import io
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.admissions import actions, queries
from ardoise.admissions.models import AdmissionSettings, EnrolmentRequest, EnrolmentStatus, PriorityRule
from ardoise.audit.models import AuditEntry
from ardoise.bookings.models import Enrollment
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import Child, Family, FileStatus
from ardoise.messaging.models import OutgoingEmail
from ardoise.messaging.notifications import Kind
from ardoise.towns.models import Site, Town
from tests.admissions.conftest import fill
from tests.factories import ActivityFactory, EnrollmentFactory
from tests.moment import NOW
from tests.outbox import sent_text

WEDNESDAY = 2

pytestmark = pytest.mark.usefixtures("admission_settings")


def ask(child: Child, activity: Activity, year: SchoolYear, actor: User, **kwargs: Any) -> EnrolmentRequest:
    return actions.request_enrolment(
        child,
        activity,
        school_year=year,
        weekly_pattern=kwargs.pop("weekly_pattern", [WEDNESDAY]),
        actor=actor,
        **kwargs,
    )


def emails(kind: str) -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(kind=kind).order_by("pk"))


def user_of(child: Child) -> User:
    user = child.family.guardians.get().user
    assert user is not None
    return user


def sarah(family: Family) -> Child:
    return family.children.get(first_name="Sarah")


def test_it_puts_a_request_for_a_full_activity_on_the_waiting_list_with_its_rank(
    family: Family, parent: User, wednesdays: Activity, year: SchoolYear, other_child: Callable[..., Child]
) -> None:
    fill(wednesdays, year, 2, other_child)
    request = ask(sarah(family), wednesdays, year, parent)
    assert request.status == EnrolmentStatus.WAITING
    assert request.waiting_since == NOW
    assert queries.rank_of(request) == 1
    [email] = emails(Kind.ENROLMENT_DECISION)
    assert "liste d'attente" in email.subject
    assert "Rang sur la liste d'attente : 1" in sent_text(email)
    assert not Enrollment.objects.filter(child=sarah(family), activity=wednesdays).exists()


def test_it_keeps_a_request_with_a_place_pending_for_staff_when_the_activity_needs_validation(
    family: Family, parent: User, wednesdays: Activity, year: SchoolYear
) -> None:
    request = ask(sarah(family), wednesdays, year, parent)
    assert request.status == EnrolmentStatus.PENDING
    assert not Enrollment.objects.filter(child=sarah(family), activity=wednesdays).exists()
    assert list(queries.pending_queue(family.town)) == [request]


def test_it_accepts_and_enrols_at_once_when_a_place_is_free_and_no_validation_is_needed(
    family: Family, parent: User, site: Site, year: SchoolYear
) -> None:
    meals = ActivityFactory(town=family.town, site=site, capacity=10)
    request = ask(sarah(family), meals, year, parent, weekly_pattern=[0, 1])
    assert request.status == EnrolmentStatus.ACCEPTED
    enrollment = Enrollment.objects.get(child=sarah(family), activity=meals, school_year=year)
    assert enrollment.weekly_pattern == [0, 1]
    assert request.enrollment == enrollment
    [email] = emails(Kind.ENROLMENT_DECISION)
    assert "est inscrit(e) à Repas" in email.subject


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("not_running", "n'a pas lieu certains des jours choisis"),
        ("other_site", "n'est pas proposé à l'école de"),
        ("twice", "Une demande est déjà en cours"),
        ("enrolled", "est déjà inscrit(e)"),
        ("year_over", "est terminée"),
    ],
)
def test_it_refuses_a_request_the_rules_forbid_and_changes_nothing(
    case: str,
    message: str,
    family: Family,
    parent: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_site: Site,
) -> None:
    child, activity, pattern, school_year = sarah(family), wednesdays, [WEDNESDAY], year
    if case == "not_running":
        pattern = [0]
    elif case == "other_site":
        activity = ActivityFactory(town=family.town, site=other_site, mercredi=True)
    elif case == "twice":
        ask(child, wednesdays, year, parent)
    elif case == "enrolled":
        EnrollmentFactory(child=child, activity=wednesdays, school_year=year)
    elif case == "year_over":
        school_year = SchoolYear.objects.create(
            town=family.town, start_year=2025, starts_on=datetime.date(2025, 9, 1), ends_on=datetime.date(2026, 7, 4)
        )
    before = EnrolmentRequest.objects.count()
    with pytest.raises(actions.AdmissionRefused) as refused:
        ask(child, activity, school_year, parent, weekly_pattern=pattern)
    assert message in refused.value.message
    assert EnrolmentRequest.objects.count() == before


def test_it_refuses_a_request_for_another_familys_child(
    family: Family, outsider: User, wednesdays: Activity, year: SchoolYear
) -> None:
    with pytest.raises(actions.AdmissionRefused):
        ask(sarah(family), wednesdays, year, outsider)
    assert not EnrolmentRequest.objects.exists()


@pytest.mark.parametrize("status", [FileStatus.DRAFT, FileStatus.SUBMITTED, FileStatus.REFUSED])
def test_it_refuses_a_request_while_the_familys_file_is_not_accepted(
    family: Family, parent: User, wednesdays: Activity, year: SchoolYear, status: str
) -> None:
    Family.objects.filter(pk=family.pk).update(file_status=status)
    family.refresh_from_db()
    with pytest.raises(actions.AdmissionRefused, match="Votre dossier est en cours d'examen"):
        ask(sarah(family), wednesdays, year, parent)
    assert not EnrolmentRequest.objects.exists()


def test_it_lets_staff_accept_in_bulk_and_sends_the_one_without_a_place_to_the_waiting_list(
    family: Family,
    parent: User,
    front_desk: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    fill(wednesdays, year, 1, other_child)
    first = ask(sarah(family), wednesdays, year, parent)
    second = ask(family.children.get(first_name="Chloé"), wednesdays, year, parent)
    decision = actions.accept_requests([second, first], actor=front_desk)
    assert [request.pk for request in decision.accepted] == [first.pk]
    assert [request.pk for request in decision.waiting] == [second.pk]
    second.refresh_from_db()
    assert second.status == EnrolmentStatus.WAITING
    assert second.waiting_since == second.created_at
    assert Enrollment.objects.filter(activity=wednesdays, school_year=year).count() == 2
    assert AuditEntry.objects.filter(action="enrolment_request.accept", actor=front_desk).count() == 2
    subjects = [email.subject for email in emails(Kind.ENROLMENT_DECISION)]
    assert any("Sarah DUPONT est inscrit(e)" in subject for subject in subjects)
    assert any("liste d'attente" in subject for subject in subjects)
    # Accepting again decides nothing twice.
    again = actions.accept_requests([first], actor=front_desk)
    assert again.skipped
    assert not again.accepted


def test_it_refuses_nothing_without_a_reason_and_sends_the_reason_otherwise(
    family: Family, parent: User, front_desk: User, wednesdays: Activity, year: SchoolYear
) -> None:
    request = ask(sarah(family), wednesdays, year, parent)
    with pytest.raises(actions.AdmissionRefused):
        actions.refuse_requests([request], "   ", actor=front_desk)
    request.refresh_from_db()
    assert request.status == EnrolmentStatus.PENDING
    actions.refuse_requests([request], "Dossier incomplet", actor=front_desk)
    request.refresh_from_db()
    assert (request.status, request.reason, request.decided_by) == (
        EnrolmentStatus.REFUSED,
        "Dossier incomplet",
        front_desk,
    )
    [email] = emails(Kind.ENROLMENT_DECISION)
    assert "refusée" in email.subject
    assert "Motif : Dossier incomplet" in sent_text(email)
    assert AuditEntry.objects.filter(action="enrolment_request.refuse").exists()


def full_with_a_waiting_list(
    family: Family, parent: User, wednesdays: Activity, year: SchoolYear, other_child: Callable[..., Child]
) -> tuple[list[Child], EnrolmentRequest, EnrolmentRequest]:
    enrolled = fill(wednesdays, year, 2, other_child)
    first = ask(sarah(family), wednesdays, year, parent)
    later = other_child("Hugo")
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        second = actions.request_enrolment(
            later, wednesdays, school_year=year, weekly_pattern=[WEDNESDAY], actor=user_of(later)
        )
    return enrolled, first, second


def test_it_offers_a_freed_place_to_the_first_on_the_list_for_the_towns_delay(
    family: Family,
    parent: User,
    front_desk: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    enrolled, first, second = full_with_a_waiting_list(family, parent, wednesdays, year, other_child)
    enrollment = Enrollment.objects.get(child=enrolled[0], activity=wednesdays)
    actions.withdraw_enrolment(enrollment, actor=front_desk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == EnrolmentStatus.OFFERED
    assert first.offer_expires_at == NOW + datetime.timedelta(hours=48)
    assert second.status == EnrolmentStatus.WAITING
    assert queries.rank_of(second) == 1
    [email] = emails(Kind.PLACE_OFFERED)
    assert "une place s'est libérée pour Sarah DUPONT" in email.subject
    assert "Acceptez-la avant le jeudi 11 mars 2027 à 10h00" in sent_text(email)

    accepted = actions.accept_offer(first, actor=parent)
    assert accepted.status == EnrolmentStatus.ACCEPTED
    assert Enrollment.objects.get(child=sarah(family), activity=wednesdays).weekly_pattern == [WEDNESDAY]
    assert Enrollment.objects.filter(activity=wednesdays, school_year=year).count() == 2


def test_it_lapses_an_offer_not_taken_in_time_and_offers_the_place_to_the_next(
    family: Family,
    parent: User,
    front_desk: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    enrolled, first, second = full_with_a_waiting_list(family, parent, wednesdays, year, other_child)
    actions.withdraw_enrolment(Enrollment.objects.get(child=enrolled[0], activity=wednesdays), actor=front_desk)
    later = NOW + datetime.timedelta(hours=49)
    with pytest.raises(actions.AdmissionRefused) as refused:
        actions.accept_offer(first, actor=parent, now=later)
    assert "délai" in refused.value.message
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == EnrolmentStatus.LAPSED
    assert second.status == EnrolmentStatus.OFFERED
    assert not Enrollment.objects.filter(child=sarah(family), activity=wednesdays).exists()


def test_it_lapses_expired_offers_in_the_periodic_job(
    family: Family,
    parent: User,
    front_desk: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    enrolled, first, second = full_with_a_waiting_list(family, parent, wednesdays, year, other_child)
    actions.withdraw_enrolment(Enrollment.objects.get(child=enrolled[0], activity=wednesdays), actor=front_desk)
    assert actions.lapse_expired_offers(now=NOW + datetime.timedelta(hours=47)) == 0
    assert actions.lapse_expired_offers(now=NOW + datetime.timedelta(hours=48)) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (EnrolmentStatus.LAPSED, EnrolmentStatus.OFFERED)
    assert any("n'est plus réservée" in email.subject for email in emails(Kind.ENROLMENT_DECISION))


def test_it_offers_the_place_to_the_next_when_a_family_declines(
    family: Family,
    parent: User,
    front_desk: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    enrolled, first, second = full_with_a_waiting_list(family, parent, wednesdays, year, other_child)
    actions.withdraw_enrolment(Enrollment.objects.get(child=enrolled[0], activity=wednesdays), actor=front_desk)
    actions.withdraw_request(first, actor=parent)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (EnrolmentStatus.WITHDRAWN, EnrolmentStatus.OFFERED)
    with pytest.raises(actions.AdmissionRefused):
        actions.accept_offer(first, actor=parent)


def test_it_puts_siblings_first_when_the_town_says_so(
    town: Town,
    family: Family,
    parent: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    AdmissionSettings.objects.filter(town=town).update(priority_rule=PriorityRule.SIBLINGS_FIRST)
    fill(wednesdays, year, 2, other_child)
    stranger = other_child("Hugo")
    first = actions.request_enrolment(
        stranger, wednesdays, school_year=year, weekly_pattern=[WEDNESDAY], actor=user_of(stranger)
    )
    # Chloé is enrolled (a place given by staff): her sister Sarah, asking later, passes first.
    EnrollmentFactory(
        child=family.children.get(first_name="Chloé"), activity=wednesdays, school_year=year, weekly_pattern=[2]
    )
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        sister = ask(sarah(family), wednesdays, year, parent)
    assert sister.status == EnrolmentStatus.WAITING
    assert [request.pk for request in queries.waiting_list(wednesdays, year, None)] == [sister.pk, first.pk]


def test_it_schedules_the_lapse_of_an_offer_on_the_task_worker_for_when_it_expires(
    family: Family,
    parent: User,
    front_desk: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    enrolled, _first, _second = full_with_a_waiting_list(family, parent, wednesdays, year, other_child)
    with django_capture_on_commit_callbacks(execute=True):
        actions.withdraw_enrolment(Enrollment.objects.get(child=enrolled[0], activity=wednesdays), actor=front_desk)
    [job] = DBTaskResult.objects.filter(task_path="ardoise.admissions.tasks.lapse_expired_offers_task")
    assert job.run_after == NOW + datetime.timedelta(hours=48)


def test_it_lapses_expired_offers_from_the_command(
    family: Family,
    parent: User,
    front_desk: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    enrolled, _first, second = full_with_a_waiting_list(family, parent, wednesdays, year, other_child)
    actions.withdraw_enrolment(Enrollment.objects.get(child=enrolled[0], activity=wednesdays), actor=front_desk)
    with time_machine.travel(NOW + datetime.timedelta(days=3), tick=False):
        call_command("lapse_offers", stdout=io.StringIO())
    second.refresh_from_db()
    assert second.status == EnrolmentStatus.OFFERED


def test_it_lets_the_administrator_reorder_a_waiting_list_with_audit(
    family: Family,
    parent: User,
    town_admin: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    _enrolled, first, second = full_with_a_waiting_list(family, parent, wednesdays, year, other_child)
    actions.move_on_waiting_list(second, 1, actor=town_admin)
    assert [request.pk for request in queries.waiting_list(wednesdays, year, None)] == [second.pk, first.pk]
    entry = AuditEntry.objects.get(action="waiting_list.move")
    assert (entry.actor, entry.changes["rank"]) == (town_admin, [2, 1])


def test_it_offers_a_day_freed_in_a_registration_period_from_the_periodic_job_and_books_it_when_accepted(
    town: Town,
    family: Family,
    parent: User,
    wednesdays: Activity,
    year: SchoolYear,
    other_child: Callable[..., Child],
) -> None:
    from ardoise.admissions.models import RegistrationPeriod
    from ardoise.bookings.models import Booking, BookingState
    from tests.factories import BookingFactory

    period = RegistrationPeriod.objects.create(
        town=town,
        activity=wednesdays,
        label="Mercredis de mars",
        first_day=datetime.date(2027, 3, 17),
        last_day=datetime.date(2027, 3, 31),
        opens_at=NOW - datetime.timedelta(days=7),
        closes_at=NOW + datetime.timedelta(days=3),
    )
    day = datetime.date(2027, 3, 24)
    booked = [BookingFactory(child=other_child(f"Enfant{n}"), activity=wednesdays, date=day) for n in range(2)]
    request = actions.request_enrolment(
        sarah(family), wednesdays, school_year=year, registration_period=period, days=[day], actor=parent
    )
    assert request.status == EnrolmentStatus.WAITING
    with pytest.raises(actions.AdmissionRefused):
        actions.request_enrolment(
            family.children.get(first_name="Chloé"),
            wednesdays,
            school_year=year,
            registration_period=period,
            days=[datetime.date(2027, 3, 25)],
            actor=parent,
        )
    Booking.objects.filter(pk=booked[0].pk).update(state=BookingState.CANCELLED)
    actions.lapse_expired_offers()
    request.refresh_from_db()
    assert request.status == EnrolmentStatus.OFFERED
    actions.accept_offer(request, actor=parent)
    assert Booking.objects.get(child=sarah(family), activity=wednesdays, date=day).state == BookingState.BOOKED
