import pytest
from django.core import mail
from django.test import Client

from ardoise.accounts.actions import send_access
from ardoise.audit.models import AuditEntry

pytestmark = pytest.mark.usefixtures("immediate_tasks")


def test_it_mails_an_activation_link_after_commit(town, parent, django_capture_on_commit_callbacks):
    parent.set_unusable_password()
    parent.save()
    with django_capture_on_commit_callbacks() as callbacks:
        send_access(town, parent, "https://portail.example.org")
        assert mail.outbox == []
    for callback in callbacks:
        callback()
    [message] = mail.outbox
    assert message.to == ["marie.dupont@example.test"]
    assert "activez votre compte" in message.subject
    assert "https://portail.example.org/saint-exemple/password/reset/" in message.body
    path = message.body.split("https://portail.example.org", 1)[1].split()[0]
    assert Client().get(path).status_code == 200


def test_it_records_who_sent_the_access(town, parent, front_desk, rf, django_capture_on_commit_callbacks):
    request = rf.get("/saint-exemple/staff/")
    request.user = front_desk
    with django_capture_on_commit_callbacks(execute=True):
        send_access(town, parent, request)
    entry = AuditEntry.objects.get(town=town, action="account.send_access")
    assert (entry.actor, entry.object_id) == (front_desk, parent.pk)
    assert "http://testserver/saint-exemple/password/reset/" in mail.outbox[0].body


def test_it_refuses_an_account_of_another_town(town, stranger):
    with pytest.raises(ValueError, match="town"):
        send_access(town, stranger, "https://portail.example.org")
