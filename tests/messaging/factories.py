"""Messaging objects for tests: threads with messages and files, documents, menus, news."""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from ardoise.families.models import Family
from ardoise.messaging.models import Attachment, Document, DocumentKind, Message, News, Thread
from ardoise.towns.models import Site, Town

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"


def make_thread(family: Family, subject: str = "Question sur la cantine", *, from_staff: bool = False) -> Thread:
    """A thread of one message, from the family (or from the service)."""
    thread = Thread.objects.create(
        town_id=family.town_id,
        family=family,
        subject=subject,
        last_message_at=timezone.now(),
        awaiting_staff=not from_staff,
    )
    Message.objects.create(
        town_id=family.town_id, thread=thread, from_staff=from_staff, body=f"Bonjour, {subject.lower()}."
    )
    return thread


def make_attachment(family: Family, name: str = "certificat.pdf") -> Attachment:
    thread = Thread.objects.filter(family=family).order_by("pk").first() or make_thread(family)
    message = thread.messages.order_by("pk").first()
    assert message is not None
    attachment = Attachment(
        town_id=family.town_id, message=message, name=name, content_type="application/pdf", size=len(PDF)
    )
    attachment.file.save(name, ContentFile(PDF), save=False)
    attachment.save()
    return attachment


def make_document(
    town: Town,
    site: Site | None = None,
    title: str = "Menus de mars",
    *,
    published_from: datetime.date | None = None,
    published_until: datetime.date | None = None,
) -> Document:
    document = Document(
        town=town,
        site=site,
        title=title,
        kind=DocumentKind.MENU,
        file_name="menus.pdf",
        content_type="application/pdf",
        size=len(PDF),
        published_from=published_from or timezone.localdate() - datetime.timedelta(days=1),
        published_until=published_until,
    )
    document.file.save("menus.pdf", ContentFile(PDF), save=False)
    document.save()
    return document


def document_only_for(family: Family) -> Document:
    """A document published at a school of this family's children only (a school of their own)."""
    child = family.children.order_by("pk").first()
    assert child is not None
    site = Site.objects.create(town_id=family.town_id, name=f"École de la famille {family.pk}")
    child.site = site
    child.save(update_fields=["site"])
    return make_document(family.town, site, title=f"Document de la famille {family.pk}")


def make_news(town: Town, title: str = "Fermeture exceptionnelle", **fields: object) -> News:
    today = timezone.localdate()
    return News.objects.create(
        town=town,
        title=title,
        body=fields.pop("body", "La cantine sera fermée vendredi."),  # type: ignore[arg-type]
        published_from=fields.pop("published_from", today - datetime.timedelta(days=1)),  # type: ignore[arg-type]
        published_until=fields.pop("published_until", None),  # type: ignore[arg-type]
    )
