"""The one door for changes to messages, documents, menus, news and notification preferences.

Each function is atomic; staff changes are recorded in the audit trail; e-mails
go through `notifications.notify`, which sends them after the commit.
Attachments and documents are checked by content (`bookings.uploads`) here
too, whatever the caller checked before.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.audit.actions import record
from ardoise.bookings.uploads import validate_document
from ardoise.families.models import Family, Guardian
from ardoise.messaging import notifications
from ardoise.messaging.models import (
    Attachment,
    Document,
    Menu,
    Message,
    News,
    NotificationPreference,
    Thread,
)
from ardoise.towns.models import Site, Town

MAX_ATTACHMENTS = 5


def check_attachments(files: Sequence[UploadedFile]) -> None:
    """Raise ValidationError (French) unless every file is an acceptable document."""
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError(
            _("%(max)s pièces jointes au maximum par message.") % {"max": MAX_ATTACHMENTS}, code="too_many"
        )
    for upload in files:
        validate_document(upload)


def _attach(message: Message, files: Sequence[UploadedFile]) -> None:
    for upload in files:
        kind = validate_document(upload)
        attachment = Attachment(
            town_id=message.town_id,
            message=message,
            name=(upload.name or "document")[:200],
            content_type=kind.content_type,
            size=upload.size or 0,
        )
        attachment.file.save(upload.name or "document", upload, save=False)
        attachment.save()


def _post(thread: Thread, author: User, body: str, files: Sequence[UploadedFile], *, from_staff: bool) -> Message:
    now = timezone.now()
    message = Message.objects.create(
        town_id=thread.town_id, thread=thread, author=author, from_staff=from_staff, body=body
    )
    _attach(message, files)
    thread.last_message_at = now
    thread.awaiting_staff = not from_staff
    # A new message brings the thread back out of the "Supprimés" folder of the side that receives it.
    if from_staff:
        thread.family_deleted_at = None
    else:
        thread.staff_deleted_at = None
    thread.save(update_fields=["last_message_at", "awaiting_staff", "family_deleted_at", "staff_deleted_at"])
    return message


def _notify_family(thread: Thread, message: Message, base_url: str) -> None:
    town = Town.objects.get(pk=thread.town_id)
    guardians = list(Guardian.objects.filter(town=town, family_id=thread.family_id))
    notifications.notify(
        town,
        guardians,
        notifications.Kind.NEW_MESSAGE,
        _("%(town)s : nouveau message — %(subject)s") % {"town": town.name, "subject": thread.subject},
        "emails/message_new",
        {
            "thread": thread,
            "message": message,
            "url": base_url.rstrip("/") + reverse("portal:message_thread", args=[town.slug, thread.pk]),
        },
    )


@transaction.atomic
def write_to_service(
    family: Family, author: User, subject: str, body: str, files: Sequence[UploadedFile] = ()
) -> Thread:
    """A parent starts a thread with the service."""
    check_attachments(files)
    thread = Thread.objects.create(
        town_id=family.town_id, family=family, subject=subject, last_message_at=timezone.now(), awaiting_staff=True
    )
    _post(thread, author, body, files, from_staff=False)
    return thread


@transaction.atomic
def write_to_families(
    town: Town,
    author: User,
    families: Iterable[Family],
    subject: str,
    body: str,
    files: Sequence[UploadedFile] = (),
    *,
    base_url: str,
) -> list[Thread]:
    """Staff write first: one thread per family, each family told by e-mail (per its choices)."""
    check_attachments(files)
    threads = []
    for family in families:
        if family.town_id != town.pk:
            continue
        thread = Thread.objects.create(town=town, family=family, subject=subject, last_message_at=timezone.now())
        message = _post(thread, author, body, files, from_staff=True)
        _notify_family(thread, message, base_url)
        threads.append(thread)
    if threads:
        record(
            town,
            author,
            "message.sent",
            threads[0] if len(threads) == 1 else None,
            _("Message « %(subject)s » envoyé à %(count)s famille(s)") % {"subject": subject, "count": len(threads)},
            {"families": [None, [thread.family_id for thread in threads]]},
        )
    return threads


@transaction.atomic
def reply(
    thread: Thread, author: User, body: str, files: Sequence[UploadedFile] = (), *, from_staff: bool, base_url: str = ""
) -> Message:
    check_attachments(files)
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    message = _post(thread, author, body, files, from_staff=from_staff)
    if from_staff:
        town = Town.objects.get(pk=thread.town_id)
        record(town, author, "message.answered", thread, _("Réponse à « %(subject)s »") % {"subject": thread.subject})
        _notify_family(thread, message, base_url)
    return message


def mark_read(thread: Thread, *, by_staff: bool) -> int:
    """The reader's side has opened the thread: the other side's messages get their receipt."""
    return Message.objects.filter(
        town_id=thread.town_id, thread=thread, from_staff=not by_staff, read_at__isnull=True
    ).update(read_at=timezone.now())


@transaction.atomic
def move_to_deleted(thread: Thread, actor: User, *, by_staff: bool) -> None:
    now = timezone.now()
    if by_staff:
        Thread.objects.filter(pk=thread.pk).update(staff_deleted_at=now)
        town = Town.objects.get(pk=thread.town_id)
        record(town, actor, "message.deleted", thread, _("Conversation « %(s)s » supprimée") % {"s": thread.subject})
    else:
        Thread.objects.filter(pk=thread.pk).update(family_deleted_at=now)


@transaction.atomic
def restore(thread: Thread, actor: User, *, by_staff: bool) -> None:
    if by_staff:
        Thread.objects.filter(pk=thread.pk).update(staff_deleted_at=None)
        town = Town.objects.get(pk=thread.town_id)
        record(town, actor, "message.restored", thread, _("Conversation « %(s)s » restaurée") % {"s": thread.subject})
    else:
        Thread.objects.filter(pk=thread.pk).update(family_deleted_at=None)


# Documents, menus, news


@transaction.atomic
def publish_document(
    town: Town,
    actor: User,
    *,
    title: str,
    kind: str,
    site: Site | None,
    upload: UploadedFile,
    published_from: datetime.date,
    published_until: datetime.date | None,
) -> Document:
    checked = validate_document(upload)
    document = Document(
        town=town,
        title=title,
        kind=kind,
        site=site,
        file_name=(upload.name or "document")[:200],
        content_type=checked.content_type,
        size=upload.size or 0,
        published_from=published_from,
        published_until=published_until,
    )
    document.file.save(upload.name or "document", upload, save=False)
    document.save()
    record(town, actor, "document.published", document, _("Document publié : %(title)s") % {"title": title})
    return document


@transaction.atomic
def withdraw_document(document: Document, actor: User) -> None:
    town = Town.objects.get(pk=document.town_id)
    record(town, actor, "document.withdrawn", document, _("Document retiré : %(t)s") % {"t": document.title})
    document.file.delete(save=False)
    document.delete()


@transaction.atomic
def set_menu(town: Town, actor: User, site: Site, day: datetime.date, text: str) -> Menu | None:
    """The day's menu at a site; an empty text removes it."""
    existing = Menu.objects.filter(town=town, site=site, date=day).first()
    old = existing.text if existing else ""
    text = text.strip()
    if old == text:
        return existing
    if not text:
        assert existing is not None
        existing.delete()
        menu = None
    elif existing:
        existing.text = text
        existing.save(update_fields=["text"])
        menu = existing
    else:
        menu = Menu.objects.create(town=town, site=site, date=day, text=text)
    record(
        town,
        actor,
        "menu.changed",
        menu,
        _("Menu du %(day)s, %(site)s") % {"day": day.strftime("%d/%m/%Y"), "site": site.name},
        {"text": [old, text]},
    )
    return menu


@transaction.atomic
def publish_news(
    town: Town,
    actor: User,
    *,
    title: str,
    body: str,
    published_from: datetime.date,
    published_until: datetime.date | None,
) -> News:
    news = News.objects.create(
        town=town, title=title, body=body, published_from=published_from, published_until=published_until
    )
    record(town, actor, "news.published", news, _("Actualité publiée : %(title)s") % {"title": title})
    return news


@transaction.atomic
def withdraw_news(news: News, actor: User) -> None:
    town = Town.objects.get(pk=news.town_id)
    record(town, actor, "news.withdrawn", news, _("Actualité retirée : %(title)s") % {"title": news.title})
    news.delete()


def set_preferences(guardian: Guardian, **choices: bool) -> NotificationPreference:
    """A guardian's optional notifications (keys: the fields of NotificationPreference)."""
    allowed = set(notifications.OPTIONAL.values())
    unknown = set(choices) - allowed
    if unknown:
        raise ValueError(f"Unknown notification preferences: {sorted(unknown)}")
    preference, _created = NotificationPreference.objects.update_or_create(
        guardian=guardian, defaults={"town_id": guardian.town_id, **choices}
    )
    return preference
