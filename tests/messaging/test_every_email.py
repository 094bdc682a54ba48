"""Every e-mail Ardoise sends goes through the outbox: bookings, request decisions, invoices, reminders, passwords.

The mail server being down loses none of them: they wait on "E-mails en attente" and leave on retry.
"""

import datetime
from decimal import Decimal
from email import message_from_bytes, policy
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.billing.models import Invoice
from ardoise.billing.tasks import publish_invoice
from ardoise.families.models import Child, Family, Guardian
from ardoise.messaging import actions, notifications
from ardoise.messaging.models import EmailStatus, OutgoingEmail
from ardoise.messaging.notifications import Kind, send_queued_emails
from ardoise.towns.models import Town
from tests.messaging.conftest import SmtpServer
from tests.moment import NEXT_MONDAY, week

BASE = "https://ardoise.example.test/"


@pytest.fixture(autouse=True)
def _fake_pdf(settings: Any) -> None:
    settings.ARDOISE_PDF_RENDERER = "ardoise.billing.pdf.FakePdfRenderer"


def make_invoice(family: Family) -> Invoice:
    return Invoice.objects.create(
        town=family.town,
        family=family,
        number="2027-000042",
        issued_on=datetime.date(2027, 4, 1),
        due_on=datetime.date(2027, 4, 30),
        period_start=datetime.date(2027, 3, 1),
        period_end=datetime.date(2027, 3, 31),
        total=Decimal("25.00"),
        payer_name="DUPONT Marie",
        payer_address="3 rue des Lilas\n00000 Saint-Exemple",
    )


def book_next_week(client: Client, town: Town, child: Child, activity: Activity) -> None:
    changes = [f"{child.pk}:{activity.pk}:{day.isoformat()}:1" for day in week(NEXT_MONDAY)]
    response = client.post(reverse("portal:booking_confirm", args=[town.slug]), {"change": changes})
    assert response.status_code == 302


def subjects(server: SmtpServer) -> list[tuple[str, str]]:
    received = [message_from_bytes(envelope.content, policy=policy.default) for envelope in server.inbox.envelopes]
    return sorted((str(message["To"]), str(message["Subject"])) for message in received)


def test_it_keeps_a_booking_confirmation_and_an_invoice_email_queued_while_the_server_is_down_then_sends_them(
    town: Town,
    family: Family,
    parent: User,
    front_desk: User,
    children: list[Child],
    meals: Activity,
    client_for: Any,
    smtp_port: int,
    django_capture_on_commit_callbacks: Any,
) -> None:
    invoice = make_invoice(family)
    with django_capture_on_commit_callbacks(execute=True):
        book_next_week(client_for(parent), town, children[0], meals)
        publish_invoice.call(invoice.pk, BASE)

    # Nothing left: both wait in the outbox with the server's error.
    queued = notifications.queued(town)
    assert [(email.kind, email.to) for email in queued] == [
        (Kind.BOOKING_CONFIRMATION, "marie.dupont@example.test"),
        (Kind.INVOICE_AVAILABLE, "marie.dupont@example.test"),
    ]
    assert all(email.attempts == 1 and email.last_error for email in queued)
    invoice.refresh_from_db()
    assert invoice.notified_at is not None  # the e-mail is the outbox's business now
    page = client_for(front_desk).get(reverse("backoffice:outbox", args=[town.slug])).content.decode()
    assert "Saint-Exemple : vos réservations sont enregistrées" in page
    assert "Saint-Exemple : votre facture 2027-000042 est disponible" in page

    server = SmtpServer(smtp_port)
    server.start()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            client_for(front_desk).post(reverse("backoffice:outbox_retry", args=[town.slug]))
    finally:
        server.stop()
    assert subjects(server) == [
        ("marie.dupont@example.test", "Saint-Exemple : vos réservations sont enregistrées"),
        ("marie.dupont@example.test", "Saint-Exemple : votre facture 2027-000042 est disponible"),
    ]
    assert notifications.queued(town) == []
    # Published again (a retried task): the family is not told twice.
    with django_capture_on_commit_callbacks(execute=True):
        publish_invoice.call(invoice.pk, BASE)
    assert OutgoingEmail.objects.filter(kind=Kind.INVOICE_AVAILABLE).count() == 1


def test_it_tries_a_failed_email_again_later_through_the_task_queue(
    town: Town, family: Family, parent: User, smtp_port: int, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        publish_invoice.call(make_invoice(family).pk, BASE)
    [email] = OutgoingEmail.objects.all()
    [first] = DBTaskResult.objects.filter(task_path__endswith="send_queued_emails")
    assert first.args_kwargs["args"] == [[email.pk]]

    # The worker's first try fails: the task puts itself back in the queue for a minute later.
    assert send_queued_emails.call([email.pk]) is False
    [retry] = DBTaskResult.objects.filter(task_path__endswith="send_queued_emails").exclude(pk=first.pk)
    assert retry.args_kwargs["args"] == [[email.pk]]
    assert retry.run_after > first.enqueued_at + datetime.timedelta(seconds=59)

    server = SmtpServer(smtp_port)
    server.start()
    try:
        assert send_queued_emails.call(*retry.args_kwargs["args"]) is True
    finally:
        server.stop()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.SENT, 2)
    assert server.inbox.recipients == ["marie.dupont@example.test"]


def test_it_sends_booking_confirmations_per_preference_and_invoice_emails_always(
    town: Town,
    family: Family,
    parent: User,
    co_parent: User,
    children: list[Child],
    meals: Activity,
    client_for: Any,
    immediate_tasks: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    actions.set_preferences(parent.guardian, booking_confirmation=False)
    Guardian.objects.filter(pk=co_parent.guardian.pk).update(email_consent=False)
    with django_capture_on_commit_callbacks(execute=True):
        book_next_week(client_for(parent), town, children[0], meals)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        publish_invoice.call(make_invoice(family).pk, BASE)
    assert sorted(message.to[0] for message in mail.outbox) == ["marie.dupont@example.test", "paul.dupont@example.test"]


def forgot(town: Town, login: str) -> None:
    Client().post(reverse("accounts:password_forgot", args=[town.slug]), {"login": login})


def test_it_queues_a_password_link_and_keeps_no_copy_once_sent(
    town: Town,
    parent: User,
    front_desk: User,
    client_for: Any,
    smtp_port: int,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client_for(parent)  # has logged in before: the "new password" wording
    with django_capture_on_commit_callbacks(execute=True):
        forgot(town, "marie.dupont@example.test")
    [email] = notifications.queued(town)
    assert email.kind == Kind.PASSWORD
    # Queued with its link in its context, not rendered by the request.
    assert (email.template, email.body_text) == ("emails/password", "")
    assert "/password/reset/" in str(email.context)
    # Staff see that it waits, not the link into the parent's account.
    page = client_for(front_desk).get(reverse("backoffice:outbox", args=[town.slug])).content.decode()
    assert "marie.dupont@example.test" in page
    assert "/password/reset/" not in page

    server = SmtpServer(smtp_port)
    server.start()
    try:
        assert notifications.deliver(email.pk) is True
    finally:
        server.stop()
    assert b"/password/reset/" in server.inbox.envelopes[0].content
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert (email.body_text, email.body_html, email.context) == ("", "", {})


def test_it_writes_once_to_guardians_sharing_an_address(
    town: Town, family: Family, parent: User, co_parent: User
) -> None:
    Guardian.objects.filter(pk=co_parent.guardian.pk).update(email="Marie.Dupont@example.test")
    publish_invoice.call(make_invoice(family).pk, BASE)
    assert list(OutgoingEmail.objects.filter(town=town).values_list("to", flat=True)) == ["marie.dupont@example.test"]


def test_it_refuses_an_optional_kind_for_an_account_email(town: Town, parent: User, stranger: User) -> None:
    with pytest.raises(ValueError, match="mandatory"):
        notifications.notify_account(town, parent, Kind.NEW_MESSAGE, "x", "emails/password", {})
    assert notifications.notify_account(town, stranger, Kind.PASSWORD, "x", "emails/password", {}) == []
