"""API v1: GET/POST messages, GET documents, GET news; isolation and the OpenAPI document."""

import datetime

from django.test import Client
from django.utils import timezone

from ardoise.messaging.models import Message, Thread
from tests.api.test_api import login
from tests.factories import SiteFactory
from tests.messaging.factories import make_attachment, make_document, make_news, make_thread


def test_it_lists_the_familys_threads_with_their_messages(town, family, parent, outsider):
    thread = make_thread(family, "Cantine", from_staff=True)
    attachment = make_attachment(family)
    make_thread(outsider.guardian.family, "Secret")
    response = login(parent).get("messages")
    assert response.status_code == 200
    [out] = response.json()
    assert out["id"] == thread.pk
    assert out["subject"] == "Cantine"
    [message] = out["messages"]
    assert message["from_staff"] is True
    assert message["attachments"][0]["url"] == f"/{town.slug}/messages/pieces-jointes/{attachment.pk}/"


def test_it_posts_a_message_to_the_service(town, family, parent):
    response = login(parent).post("messages", {"subject": "Question", "body": "<script>x</script>"})
    assert response.status_code == 201
    thread = Thread.objects.get()
    assert response.json()["id"] == thread.pk
    assert thread.family == family
    assert thread.awaiting_staff
    assert Message.objects.get().body == "<script>x</script>"  # stored as text, escaped when shown


def test_it_refuses_invalid_messages(town, family, parent):
    api = login(parent)
    assert api.post("messages", {"subject": "", "body": "x"}).status_code == 422
    assert api.post("messages", {"subject": "  ", "body": "  "}).status_code == 422
    assert api.post("messages", {"subject": "s", "body": "b", "attachments": []}).status_code == 422
    assert api.post("messages", {"subject": "s"}).status_code == 422
    assert not Thread.objects.exists()


def test_it_requires_a_token(town, family):
    assert Client().get(f"/{town.slug}/api/v1/messages").status_code == 401
    assert Client().get(f"/{town.slug}/api/v1/news").status_code == 401


def test_it_lists_documents_and_news_in_their_period(town, site, family, parent):
    today = timezone.localdate()
    make_document(town, site, "Menus")
    make_document(town, SiteFactory(town=town, name="Ailleurs"), "Pas pour nous")
    make_news(town, "Actuelle")
    make_news(
        town,
        "Finie",
        published_from=today - datetime.timedelta(days=9),
        published_until=today - datetime.timedelta(days=1),
    )
    api = login(parent)
    assert [document["title"] for document in api.get("documents").json()] == ["Menus"]
    assert [news["title"] for news in api.get("news").json()] == ["Actuelle"]


def test_it_documents_the_calls_in_openapi(town):
    paths = Client().get(f"/{town.slug}/api/v1/openapi.json").json()["paths"]
    for path in ("messages", "documents", "news"):
        assert f"/{town.slug}/api/v1/{path}" in paths
    assert {"get", "post"} <= set(paths[f"/{town.slug}/api/v1/messages"])
