"""The town's shared inbox: filters, answers, writing first to one family or a selection, the outbox."""

from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.audit.models import AuditEntry
from ardoise.messaging.models import EmailStatus, Message, OutgoingEmail, Thread
from tests.factories import (
    ActivityFactory,
    ChildFactory,
    EnrollmentFactory,
    FamilyFactory,
    SiteFactory,
    seed_001_account,
)
from tests.messaging.factories import EXE, PDF, make_attachment, make_thread


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    return tmp_path


def url(town, name, *args):
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


def test_it_requires_the_front_desk(town, family, site_agent, kitchen_agent, parent, stranger, client_for):
    thread = make_thread(family)
    for user, status in [(site_agent, 403), (kitchen_agent, 403), (parent, 404), (stranger, 404)]:
        client = client_for(user)
        assert client.get(url(town, "messages")).status_code == status
        assert client.get(url(town, "message_thread", thread.pk)).status_code == status
        assert client.post(url(town, "message_thread", thread.pk), {"body": "x"}).status_code == status
    assert thread.messages.count() == 1


def test_it_answers_404_for_another_towns_thread_and_attachment(town, other_town, stranger, front_desk, client_for):
    theirs = make_thread(stranger.guardian.family, "Autreville")
    attachment = make_attachment(stranger.guardian.family)
    client = client_for(front_desk)
    assert client.get(url(town, "message_thread", theirs.pk)).status_code == 404
    assert client.post(url(town, "message_thread", theirs.pk), {"body": "x"}).status_code == 404
    assert client.post(url(town, "message_delete", theirs.pk)).status_code == 404
    assert client.get(url(town, "message_attachment", attachment.pk)).status_code == 404
    assert "Autreville" not in client.get(url(town, "messages")).content.decode()


def test_it_filters_unread_and_unanswered_threads(town, family, parent, front_desk, client_for):
    unread = make_thread(family, "Nouveau, pas lu")
    answered = make_thread(family, "Déjà répondu")
    Message.objects.filter(thread=answered).update(read_at="2027-03-01T10:00:00+01:00")
    Thread.objects.filter(pk=answered.pk).update(awaiting_staff=False)
    client = client_for(front_desk)
    html = client.get(url(town, "messages") + "?filtre=non-lus").content.decode()
    assert unread.subject in html
    assert answered.subject not in html
    html = client.get(url(town, "messages") + "?filtre=sans-reponse").content.decode()
    assert unread.subject in html
    assert answered.subject not in html
    html = client.get(url(town, "messages")).content.decode()
    assert unread.subject in html
    assert answered.subject in html


def test_it_answers_a_family_with_an_attachment_and_tells_it_by_email(
    town, family, parent, front_desk, client_for, django_capture_on_commit_callbacks
):
    thread = make_thread(family, "Allergie")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(front_desk).post(
            url(town, "message_thread", thread.pk),
            {"body": "Bien reçu, merci.", "attachments": [SimpleUploadedFile("protocole.pdf", PDF)]},
        )
    assert response.status_code == 302
    thread.refresh_from_db()
    assert not thread.awaiting_staff
    answer = thread.messages.order_by("pk").last()
    assert answer.from_staff
    assert answer.author == front_desk
    assert answer.attachments.get().name == "protocole.pdf"
    assert [message.to for message in mail.outbox] == [["marie.dupont@example.test"]]
    assert "Bien reçu, merci." in mail.outbox[0].body
    assert AuditEntry.objects.filter(town=town, action="message.answered", actor=front_desk).exists()
    # The parent sees the answer.
    html = client_for(parent).get(reverse("portal:message_thread", args=[town.slug, thread.pk])).content.decode()
    assert "Bien reçu, merci." in html


def test_it_refuses_a_wrong_attachment_from_staff(town, family, front_desk, client_for):
    thread = make_thread(family)
    response = client_for(front_desk).post(
        url(town, "message_thread", thread.pk), {"body": "x", "attachments": [SimpleUploadedFile("a.pdf", EXE)]}
    )
    assert response.status_code == 422
    assert thread.messages.count() == 1


def test_it_writes_first_to_one_family_by_number(town, family, parent, front_desk, client_for):
    response = client_for(front_desk).post(
        url(town, "message_new"), {"target": "family", "family_number": "1", "subject": "Dossier", "body": "Bonjour"}
    )
    thread = Thread.objects.get()
    assert response["Location"] == url(town, "message_thread", thread.pk)
    assert thread.family == family
    assert not thread.awaiting_staff


def test_it_refuses_an_unknown_family_number(town, family, front_desk, client_for):
    response = client_for(front_desk).post(
        url(town, "message_new"), {"target": "family", "family_number": "999", "subject": "S", "body": "B"}
    )
    assert response.status_code == 422
    assert "Aucune famille ne correspond" in response.content.decode()
    assert not Thread.objects.exists()


def test_it_writes_to_all_families_of_a_site(town, site, other_site, family, outsider, front_desk, client_for):
    elsewhere = FamilyFactory(town=town, number="3", name="LOIN")
    ChildFactory(family=elsewhere, site=other_site)
    response = client_for(front_desk).post(
        url(town, "message_new"), {"target": "site", "site": site.pk, "subject": "Sortie", "body": "Jeudi"}
    )
    assert response.status_code == 302
    assert sorted(Thread.objects.values_list("family__name", flat=True)) == ["DUPONT", "MARTIN"]
    entry = AuditEntry.objects.get(action="message.sent")
    assert "2 famille(s)" in entry.summary


def test_it_writes_to_the_families_of_an_activity(town, site, family, outsider, front_desk, client_for, frozen):
    activity = ActivityFactory(site=site)
    EnrollmentFactory(child=family.children.first(), activity=activity)
    client_for(front_desk).post(
        url(town, "message_new"), {"target": "activity", "activity": activity.pk, "subject": "Étude", "body": "x"}
    )
    assert list(Thread.objects.values_list("family__name", flat=True)) == ["DUPONT"]


def test_it_writes_to_the_families_with_unpaid_invoices(town, family, outsider, front_desk, client_for):
    seed_001_account(family)  # one paid invoice, one unpaid
    client_for(front_desk).post(url(town, "message_new"), {"target": "unpaid", "subject": "Relance", "body": "x"})
    assert list(Thread.objects.values_list("family__name", flat=True)) == ["DUPONT"]


def test_it_refuses_a_selection_of_another_town(town, other_town, front_desk, client_for):
    far = SiteFactory(town=other_town, name="Loin")
    response = client_for(front_desk).post(
        url(town, "message_new"), {"target": "site", "site": far.pk, "subject": "S", "body": "B"}
    )
    assert response.status_code == 422
    assert not Thread.objects.exists()


def test_it_deletes_and_restores_on_the_staff_side_only(town, family, parent, front_desk, client_for):
    thread = make_thread(family, "À classer")
    client = client_for(front_desk)
    client.post(url(town, "message_delete", thread.pk), follow=True)
    assert "À classer" not in client.get(url(town, "messages")).content.decode()
    assert "À classer" in client.get(url(town, "messages") + "?filtre=supprimes").content.decode()
    assert "À classer" in client_for(parent).get(reverse("portal:messages", args=[town.slug])).content.decode()
    client.post(url(town, "message_restore", thread.pk))
    assert "À classer" in client.get(url(town, "messages")).content.decode()
    assert list(AuditEntry.objects.values_list("action", flat=True).order_by("pk")) == [
        "message.deleted",
        "message.restored",
    ]


def test_it_lists_the_inbox_in_a_constant_number_of_queries(town, family, outsider, front_desk, client_for):
    client = client_for(front_desk)
    make_thread(family)
    client.get(url(town, "messages"))
    with CaptureQueriesContext(connection) as few:
        client.get(url(town, "messages"))
    for index in range(6):
        make_thread(outsider.guardian.family, f"Sujet {index}")
    with CaptureQueriesContext(connection) as many:
        client.get(url(town, "messages"))
    assert len(few) == len(many)


def test_it_shows_queued_emails_and_retries_them(town, family, parent, front_desk, finance_agent, client_for, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    email = OutgoingEmail.objects.create(
        town=town, kind="reminder", to="x@example.test", subject="Relance", body_text="x"
    )
    html = client_for(finance_agent).get(url(town, "outbox")).content.decode()
    assert "x@example.test" in html
    assert "Relance" in html
    response = client_for(front_desk).post(url(town, "outbox_retry"), follow=True)
    assert "1 e-mail remis dans la file d&#x27;envoi" in response.content.decode()
    email.refresh_from_db()
    assert email.status == EmailStatus.QUEUED
    assert AuditEntry.objects.filter(action="email.retried").exists()
