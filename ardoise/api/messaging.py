"""API v1: the family's messages, the documents of its children's schools, the town's news.

A router attached to `api` (api.py), so it shares its bearer authentication and
its exception handlers: another family's or town's ids answer 404 there.
Attachments are sent through the portal; the API takes JSON only.
"""

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from ardoise.families.models import Family
from ardoise.messaging import actions, queries
from ardoise.messaging.models import Thread
from ardoise.towns.access import family_of

router = Router(tags=["messages, documents, actualités"])


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    from_staff: bool
    body: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None
    attachments: list[AttachmentOut]


class ThreadOut(Schema):
    id: int
    subject: str
    last_message_at: datetime.datetime
    deleted: bool
    messages: list[MessageOut]


class MessageIn(Schema):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=5000)


class DocumentOut(Schema):
    id: int
    title: str
    kind: str
    site_id: int | None
    published_from: datetime.date
    published_until: datetime.date | None
    url: str


class NewsOut(Schema):
    id: int
    title: str
    body: str
    published_from: datetime.date
    published_until: datetime.date | None


class ErrorOut(Schema):
    detail: str


def _family(request: HttpRequest) -> Family:
    family = family_of(request.auth)  # type: ignore[attr-defined]
    if family is None:
        raise Http404
    return family


def _thread_out(thread: Thread, slug: str) -> dict[str, Any]:
    local = timezone.localtime
    return {
        "id": thread.pk,
        "subject": thread.subject,
        "last_message_at": local(thread.last_message_at),
        "deleted": thread.family_deleted_at is not None,
        "messages": [
            {
                "id": message.pk,
                "from_staff": message.from_staff,
                "body": message.body,
                "created_at": local(message.created_at),
                "read_at": local(message.read_at) if message.read_at else None,
                "attachments": [
                    {
                        "id": attachment.pk,
                        "name": attachment.name,
                        "content_type": attachment.content_type,
                        "size": attachment.size,
                        "url": reverse("portal:message_attachment", args=[slug, attachment.pk]),
                    }
                    for attachment in message.attachments.all()
                ],
            }
            for message in thread.messages.all()
        ],
    }


@router.get("messages", response=list[ThreadOut], summary="Les conversations de la famille avec le service")
def list_messages(request: HttpRequest) -> Any:
    family = _family(request)
    threads = queries.with_messages(Thread.objects.filter(town_id=family.town_id, family=family))
    return [_thread_out(thread, request.town.slug) for thread in threads]  # type: ignore[attr-defined]


@router.post(
    "messages",
    response={201: ThreadOut, 422: ErrorOut},
    summary="Écrire au service (objet et message, sans pièce jointe)",
)
def post_message(request: HttpRequest, payload: MessageIn) -> Any:
    family = _family(request)
    subject, body = payload.subject.strip(), payload.body.strip()
    if not subject or not body:
        return Status(422, {"detail": "L'objet et le message ne peuvent pas être vides."})
    thread = actions.write_to_service(family, request.auth, subject, body)  # type: ignore[attr-defined]
    return Status(201, _thread_out(queries.access_family_thread(family, thread.pk), request.town.slug))  # type: ignore[attr-defined]


@router.get("documents", response=list[DocumentOut], summary="Les documents publiés pour les écoles des enfants")
def list_documents(request: HttpRequest) -> Any:
    family = _family(request)
    slug = request.town.slug  # type: ignore[attr-defined]
    return [
        {
            "id": document.pk,
            "title": document.title,
            "kind": document.kind,
            "site_id": document.site_id,
            "published_from": document.published_from,
            "published_until": document.published_until,
            "url": reverse("portal:document_file", args=[slug, document.pk]),
        }
        for document in queries.family_documents(family, timezone.localdate())
    ]


@router.get("news", response=list[NewsOut], summary="Les actualités de la commune en cours de publication")
def list_news(request: HttpRequest) -> Any:
    family = _family(request)
    return queries.town_news(family.town, timezone.localdate(), limit=50)
