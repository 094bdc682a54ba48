"""An e-mail is rendered by the task worker when it sends it, not by the request that queues it (issue 14).

The outbox keeps the e-mail's template and its context as JSON, queued in the caller's transaction: a booking
rolled back leaves no e-mail, a committed one's confirmation reaches each parent once, as it was booked.
"""

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings import actions
from ardoise.bookings.actions import Change
from ardoise.bookings.models import Booking
from ardoise.families.models import Child, Family, Guardian
from ardoise.messaging import notifications
from ardoise.messaging.email_context import freeze, thaw
from ardoise.messaging.models import EmailStatus, OutgoingEmail
from ardoise.messaging.notifications import Kind
from tests.api.test_api import login
from tests.moment import NEXT_MONDAY, week

pytestmark = pytest.mark.usefixtures("frozen")


def book_next_week(parent: User, child: Child, meals: Activity) -> Any:
    changes = [{"date": day.isoformat(), "activity_id": meals.pk, "book": True} for day in week(NEXT_MONDAY)]
    return login(parent).post(f"children/{child.pk}/bookings", {"changes": changes})


def confirmations() -> list[OutgoingEmail]:
    return list(OutgoingEmail.objects.filter(kind=Kind.BOOKING_CONFIRMATION).order_by("to"))


def test_a_booking_request_queues_its_confirmation_without_rendering_it(
    parent: User,
    co_parent: User,
    children: list[Child],
    meals: Activity,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def no_rendering(*args: object, **kwargs: object) -> str:
        raise AssertionError("the request rendered an e-mail")

    monkeypatch.setattr(notifications, "render_text", no_rendering)
    monkeypatch.setattr(notifications, "render_to_string", no_rendering)
    with django_capture_on_commit_callbacks(execute=False):
        response = book_next_week(parent, children[0], meals)
    assert response.status_code == 200, response.content
    queued = confirmations()
    assert [(email.to, email.status, email.template, email.body_text) for email in queued] == [
        ("marie.dupont@example.test", EmailStatus.QUEUED, "emails/booking_confirmation", ""),
        ("paul.dupont@example.test", EmailStatus.QUEUED, "emails/booking_confirmation", ""),
    ]
    assert queued[0].subject == "Saint-Exemple : vos réservations sont enregistrées"


@pytest.mark.usefixtures("immediate_tasks")
def test_the_worker_sends_each_parent_the_confirmation_of_what_was_booked(
    parent: User, co_parent: User, children: list[Child], meals: Activity, django_capture_on_commit_callbacks: Any
) -> None:
    sarah = children[0]
    with django_capture_on_commit_callbacks(execute=True):
        assert book_next_week(parent, sarah, meals).status_code == 200
    sent = {message.to[0]: message for message in mail.outbox}
    assert sorted(sent) == ["marie.dupont@example.test", "paul.dupont@example.test"]
    marie, paul = sent["marie.dupont@example.test"], sent["paul.dupont@example.test"]
    assert marie.subject == "Saint-Exemple : vos réservations sont enregistrées"
    assert "Bonjour Marie DUPONT," in marie.body
    assert "Bonjour Paul DUPONT," in paul.body
    monday = f"- Lundi {NEXT_MONDAY:%d/%m/%Y} · {meals.label} · Réservé · "
    assert f"{sarah.first_name} {sarah.last_name}\n{monday}" in marie.body
    assert len([line for line in marie.body.splitlines() if " · Réservé · " in line]) == len(week(NEXT_MONDAY))
    assert isinstance(marie, EmailMultiAlternatives)
    [(html, mimetype)] = marie.alternatives
    assert mimetype == "text/html"
    assert f"{sarah.first_name} {sarah.last_name}</h2>" in str(html)
    # Sent once: the outbox keeps what was sent, and no longer the context.
    for email in confirmations():
        assert (email.status, email.attempts, email.context) == (EmailStatus.SENT, 1, {})
        assert email.body_text == sent[email.to].body


@pytest.mark.usefixtures("immediate_tasks")
def test_a_booking_rolled_back_leaves_no_email(
    family: Family, parent: User, children: list[Child], meals: Activity, django_capture_on_commit_callbacks: Any
) -> None:
    def book_then_fail() -> None:
        with transaction.atomic():
            actions.apply_family(
                family, [(children[0], [Change(day, meals.pk, True) for day in week(NEXT_MONDAY)])], actor=parent
            )
            assert len(confirmations()) == 1  # queued in the booking's transaction
            raise RuntimeError("the request fails after the booking")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError, match="after the booking"):
        book_then_fail()
    assert not Booking.objects.filter(child=children[0]).exists()
    assert confirmations() == []
    assert mail.outbox == []


def test_both_parents_confirmations_cost_one_task(
    parent: User,
    co_parent: User,
    children: list[Child],
    meals: Activity,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        assert book_next_week(parent, children[0], meals).status_code == 200
    [task] = DBTaskResult.objects.all()
    assert task.task_path.endswith("send_queued_emails")
    assert sorted(task.args_kwargs["args"][0]) == sorted(email.pk for email in confirmations())


def test_an_email_says_what_was_true_when_it_was_queued(
    parent: User, children: list[Child], meals: Activity, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        assert book_next_week(parent, children[0], meals).status_code == 200
    # The parent changes their name before the worker runs: the confirmation greets them as they were.
    Guardian.objects.filter(user=parent).update(first_name="Marion")
    [email] = confirmations()
    assert notifications.deliver(email.pk) is True
    [message] = mail.outbox
    assert "Bonjour Marie DUPONT," in message.body


def test_a_context_comes_back_as_it_was_kept_without_a_query(
    family: Family, parent: User, django_assert_num_queries: Any
) -> None:
    guardian = Guardian.objects.get(user=parent)
    context = {
        "guardian": guardian,
        "when": datetime.date(2027, 3, 15),
        "at": datetime.datetime(2027, 3, 15, 9, 30, tzinfo=datetime.UTC),
        "amount": Decimal("12.50"),
        "lines": [{"day": datetime.date(2027, 3, 16), "count": 2}],
        "label": "Repas",
        "flag": True,
        "missing": None,
    }
    # Kept as PostgreSQL's jsonb keeps it: its keys in an order of its own.
    kept = json.loads(json.dumps(freeze(context), sort_keys=True))
    with django_assert_num_queries(0):
        found = thaw(kept)
    assert found["guardian"].pk == guardian.pk
    assert (found["guardian"].first_name, found["guardian"].email) == (guardian.first_name, guardian.email)
    assert found["guardian"].full_name == guardian.full_name
    assert found["guardian"].get_civility_display() == guardian.get_civility_display()
    assert {key: value for key, value in found.items() if key != "guardian"} == {
        key: value for key, value in context.items() if key != "guardian"
    }


def test_a_context_refuses_what_it_cannot_keep_when_queued(town: Any, parent: User) -> None:
    with pytest.raises(TypeError, match="cannot keep 'object'"):
        freeze({"thing": object()})
    with pytest.raises(TypeError):
        notifications.notify_account(town, parent, Kind.PASSWORD, "x", "emails/password", {"link": object()})
    assert not OutgoingEmail.objects.exists()
