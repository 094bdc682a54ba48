"""The outbox and its task: a real SMTP server, a server that is down, optional and mandatory e-mails."""

from email import message_from_bytes
from email.message import Message

import pytest
from django.core import mail

from ardoise.families.models import Guardian
from ardoise.messaging import actions, notifications
from ardoise.messaging.models import EmailStatus, OutgoingEmail
from ardoise.messaging.notifications import Kind, notify
from tests.messaging.conftest import SmtpServer


def guardians_of(family) -> list[Guardian]:
    return list(Guardian.objects.filter(family=family).order_by("position"))


def queue(town, family, kind=Kind.NEW_MESSAGE, subject="Un mot du service") -> list[OutgoingEmail]:
    return notify(
        town,
        guardians_of(family),
        kind,
        subject,
        "emails/message_new",
        {"thread": {"subject": subject}, "message": {"body": "Bonjour <b>à</b> vous"}, "url": "http://x/"},
    )


def parsed(envelope) -> Message:
    return message_from_bytes(envelope.content)


def test_it_sends_through_a_real_smtp_server(
    town, family, parent, co_parent, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        emails = queue(town, family)
    assert len(emails) == 2
    assert sorted(smtp_server.inbox.recipients) == ["marie.dupont@example.test", "paul.dupont@example.test"]
    message = parsed(smtp_server.inbox.envelopes[0])
    assert message["Subject"] == "Un mot du service"
    kinds = {part.get_content_type() for part in message.walk()}
    assert {"text/plain", "text/html"} <= kinds
    html = next(part for part in message.walk() if part.get_content_type() == "text/html").get_payload(decode=True)
    assert b"&lt;b&gt;" in html  # the body is escaped in the HTML part
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}


def test_it_keeps_the_email_queued_while_the_server_is_down_and_sends_it_once_up(
    town, family, parent, smtp_port, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [email] = queue(town, family)
    email.refresh_from_db()
    assert email.status == EmailStatus.QUEUED
    assert email.attempts == 1
    assert email.last_error
    assert [row.pk for row in notifications.queued(town)] == [email.pk]

    server = SmtpServer(smtp_port)
    server.start()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert notifications.retry_queued(town, parent) == 1
    finally:
        server.stop()
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert email.attempts == 2
    assert server.inbox.recipients == ["marie.dupont@example.test"]
    assert notifications.queued(town) == []


def test_it_sends_nothing_twice(town, family, parent, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [email] = queue(town, family)
    assert notifications.deliver(email.pk) is True
    assert len(smtp_server.inbox.envelopes) == 1


def test_it_respects_a_guardians_choice_for_optional_notifications(town, family, parent, co_parent):
    actions.set_preferences(co_parent.guardian, new_message=False)
    emails = queue(town, family, Kind.NEW_MESSAGE)
    assert [email.to for email in emails] == ["marie.dupont@example.test"]
    # The other optional kinds are still on for Paul.
    emails = queue(town, family, Kind.BOOKING_CONFIRMATION)
    assert sorted(email.to for email in emails) == ["marie.dupont@example.test", "paul.dupont@example.test"]


def test_it_sends_optional_notifications_only_with_the_email_consent(town, family, parent, co_parent):
    Guardian.objects.filter(pk=co_parent.guardian.pk).update(email_consent=False)
    assert [email.to for email in queue(town, family, Kind.REQUEST_DECISION)] == ["marie.dupont@example.test"]


@pytest.mark.parametrize(
    "kind", [Kind.PASSWORD, Kind.INVOICE_AVAILABLE, Kind.PAYMENT_RECEIVED, Kind.REMINDER, Kind.ACCOUNT_ACCESS]
)
def test_it_always_sends_mandatory_notifications(town, family, parent, co_parent, kind):
    Guardian.objects.filter(pk=co_parent.guardian.pk).update(email_consent=False)
    actions.set_preferences(parent.guardian, new_message=False, booking_confirmation=False, request_decision=False)
    emails = queue(town, family, kind)
    assert sorted(email.to for email in emails) == ["marie.dupont@example.test", "paul.dupont@example.test"]


def test_it_skips_guardians_without_an_address_or_of_another_town(town, family, parent, stranger):
    Guardian.objects.filter(pk=parent.guardian.pk).update(email="")
    assert notify(town, [*guardians_of(family), stranger.guardian], Kind.REMINDER, "x", "emails/message_new", {}) == []


def test_it_sends_after_the_commit_only(town, family, parent, immediate_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue(town, family)
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [message.to for message in mail.outbox] == [["marie.dupont@example.test"]]


def test_it_refuses_unknown_preferences(parent):
    with pytest.raises(ValueError, match="Unknown"):
        actions.set_preferences(parent.guardian, newsletter=True)
