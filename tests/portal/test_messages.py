"""The parents' inbox: writing with attachments, threads, receipts, the Supprimés folder, contact, preferences."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.bookings.uploads import MAX_DOCUMENT_BYTES
from ardoise.messaging import actions
from ardoise.messaging.models import Attachment, Message, NotificationPreference, Thread
from tests.messaging.factories import EXE, PDF, PNG, make_attachment, make_thread


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def url(town, name, *args):
    return reverse(f"portal:{name}", args=[town.slug, *args])


def test_it_requires_login(town, family):
    response = Client().get(url(town, "messages"))
    assert response.status_code == 302


def test_it_sends_a_message_with_attachments(town, family, parent, client_for):
    response = client_for(parent).post(
        url(town, "message_new"),
        {
            "subject": "Allergie de Sarah",
            "body": "Bonjour,\nvoici le certificat.",
            "attachments": [SimpleUploadedFile("certificat.pdf", PDF), SimpleUploadedFile("photo.png", PNG)],
        },
    )
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(town, "message_thread", thread.pk)
    assert thread.family == family
    assert thread.awaiting_staff
    message = thread.messages.get()
    assert not message.from_staff
    assert message.author == parent
    assert sorted(a.content_type for a in message.attachments.all()) == ["application/pdf", "image/png"]


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("programme.exe", EXE, "n&#x27;est ni un PDF"),
        ("certificat.pdf", EXE, "n&#x27;est ni un PDF"),
        ("certificat.pdf", b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES, "trop lourd"),
        ("photo.png", PDF, "en réalité un PDF"),
    ],
)
def test_it_refuses_a_wrong_attachment_and_saves_nothing(town, family, parent, client_for, name, content, error):
    response = client_for(parent).post(
        url(town, "message_new"),
        {"subject": "Sujet", "body": "Texte", "attachments": [SimpleUploadedFile(name, content)]},
    )
    assert response.status_code == 422
    assert error in response.content.decode()
    assert not Thread.objects.exists()
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()


def test_it_refuses_an_empty_message(town, family, parent, client_for):
    response = client_for(parent).post(url(town, "message_new"), {"subject": "", "body": "   "})
    assert response.status_code == 422
    assert "Indiquez l&#x27;objet" in response.content.decode()
    assert not Thread.objects.exists()


def test_it_escapes_html_in_messages(town, family, parent, front_desk, client_for):
    client_for(parent).post(
        url(town, "message_new"), {"subject": "<i>Objet</i>", "body": "<script>alert('x')</script>"}
    )
    thread = Thread.objects.get()
    for client, page in [
        (client_for(parent), url(town, "message_thread", thread.pk)),
        (client_for(front_desk), reverse("backoffice:message_thread", args=[town.slug, thread.pk])),
    ]:
        html = client.get(page).content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
        assert "&lt;i&gt;Objet&lt;/i&gt;" in html


def test_it_lists_the_familys_threads_with_unread_counts(town, family, parent, outsider, client_for):
    mine = make_thread(family, "Réponse du service", from_staff=True)
    make_thread(outsider.guardian.family, "Secret des MARTIN")
    html = client_for(parent).get(url(town, "messages")).content.decode()
    assert "Réponse du service" in html
    assert "1 non lu" in html
    assert "Secret des MARTIN" not in html
    assert mine.subject in html


def test_it_shows_new_messages_on_the_home_page_until_read(town, family, parent, client_for):
    thread = make_thread(family, "Info", from_staff=True)
    make_thread(family, "Autre info", from_staff=True)
    client = client_for(parent)
    assert "2 nouveaux messages" in client.get(url(town, "home")).content.decode()
    client.get(url(town, "message_thread", thread.pk))
    html = client.get(url(town, "home")).content.decode()
    assert "1 nouveau message" in html


def test_it_records_read_receipts_on_both_sides(town, family, parent, front_desk, client_for):
    client_for(parent).post(url(town, "message_new"), {"subject": "Question", "body": "Une question"})
    thread = Thread.objects.get()
    parent_view = client_for(parent).get(url(town, "message_thread", thread.pk)).content.decode()
    assert "Pas encore lu" in parent_view
    client_for(front_desk).get(reverse("backoffice:message_thread", args=[town.slug, thread.pk]))
    assert thread.messages.get().read_at is not None
    assert "Lu le" in client_for(parent).get(url(town, "message_thread", thread.pk)).content.decode()
    # The parent's own opening does not mark their own message read.
    client_for(parent).post(url(town, "message_thread", thread.pk), {"body": "Et aussi…"})
    assert thread.messages.order_by("pk").last().read_at is None


def test_it_answers_404_to_another_familys_thread_and_attachment(town, family, parent, outsider, client_for):
    theirs = make_thread(outsider.guardian.family, "Secret")
    attachment = make_attachment(outsider.guardian.family)
    client = client_for(parent)
    assert client.get(url(town, "message_thread", theirs.pk)).status_code == 404
    assert client.post(url(town, "message_thread", theirs.pk), {"body": "Intrusion"}).status_code == 404
    assert client.post(url(town, "message_delete", theirs.pk)).status_code == 404
    assert client.get(url(town, "message_attachment", attachment.pk)).status_code == 404
    assert theirs.messages.count() == 1
    theirs.refresh_from_db()
    assert theirs.family_deleted_at is None


def test_it_serves_the_familys_attachment_as_a_download(town, family, parent, co_parent, client_for):
    attachment = make_attachment(family, "ordonnance.pdf")
    response = client_for(co_parent).get(url(town, "message_attachment", attachment.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="ordonnance.pdf"' in response["Content-Disposition"]
    assert response.content == PDF


def test_it_moves_a_thread_to_deleted_and_back(town, family, parent, front_desk, client_for):
    thread = make_thread(family, "À ranger")
    client = client_for(parent)
    response = client.post(url(town, "message_delete", thread.pk), follow=True)
    assert "est dans le dossier Supprimés" in response.content.decode()
    assert "À ranger" not in client.get(url(town, "messages")).content.decode()
    assert "À ranger" in client.get(url(town, "messages") + "?dossier=supprimes").content.decode()
    # The service still has it in its inbox.
    staff_html = client_for(front_desk).get(reverse("backoffice:messages", args=[town.slug])).content.decode()
    assert "À ranger" in staff_html
    assert client.post(url(town, "message_restore", thread.pk)).status_code == 302
    assert "À ranger" in client.get(url(town, "messages")).content.decode()


def test_it_brings_a_deleted_thread_back_when_the_service_answers(town, family, parent, front_desk):
    thread = make_thread(family)
    actions.move_to_deleted(thread, parent, by_staff=False)
    actions.reply(thread, front_desk, "Réponse", from_staff=True, base_url="http://testserver/")
    thread.refresh_from_db()
    assert thread.family_deleted_at is None
    assert not thread.awaiting_staff


def test_it_shows_the_towns_contact_details(town, family, parent, client_for):
    town.address = "Mairie\n1 place de la République\n99000 Saint-Exemple"
    town.phone = "01 23 45 67 89"
    town.email = "periscolaire@saint-exemple.test"
    town.opening_hours = "Lundi au vendredi, 8h30–12h"
    town.save()
    html = client_for(parent).get(url(town, "contact")).content.decode()
    for text in ("1 place de la République", "01 23 45 67 89", "periscolaire@saint-exemple.test", "8h30–12h"):
        assert text in html


def test_it_saves_notification_preferences(town, family, parent, client_for):
    client = client_for(parent)
    assert client.get(url(town, "notification_preferences")).status_code == 200
    response = client.post(url(town, "notification_preferences"), {"booking_confirmation": "on"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(guardian=parent.guardian)
    assert (preference.new_message, preference.booking_confirmation, preference.request_decision) == (
        False,
        True,
        False,
    )


def test_it_lists_threads_in_a_constant_number_of_queries(town, family, parent, client_for):
    client = client_for(parent)
    make_thread(family)
    client.get(url(town, "messages"))
    with CaptureQueriesContext(connection) as one:
        client.get(url(town, "messages"))
    for index in range(5):
        make_thread(family, f"Sujet {index}", from_staff=True)
    with CaptureQueriesContext(connection) as six:
        client.get(url(town, "messages"))
    assert len(one) == len(six)
