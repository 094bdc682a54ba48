"""Reads that check access (404 outside the caller's reach) and the lists the pages show.

Every list here is a fixed number of queries, whatever the number of threads,
messages or documents.
"""

import datetime
from collections import defaultdict
from typing import Literal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header

from ardoise.families.models import Child, Family
from ardoise.messaging.models import Attachment, Document, Menu, Message, News, Thread
from ardoise.towns.ids import parse_id
from ardoise.towns.models import Town

type Folder = Literal["inbox", "deleted"]
type StaffFilter = Literal["all", "unread", "unanswered", "deleted"]


def _id(value: object) -> int:
    number = parse_id(value)
    if number is None:
        raise Http404
    return number


def with_messages(threads: QuerySet[Thread]) -> QuerySet[Thread]:
    messages = Message.objects.select_related("author").prefetch_related("attachments").order_by("created_at", "pk")
    return threads.select_related("family").prefetch_related(Prefetch("messages", queryset=messages))


def access_family_thread(family: Family, thread_id: object) -> Thread:
    thread = with_messages(Thread.objects.filter(town_id=family.town_id, family=family, pk=_id(thread_id))).first()
    if thread is None:
        raise Http404
    return thread


def access_staff_thread(town: Town, thread_id: object) -> Thread:
    thread = with_messages(Thread.objects.filter(town=town, pk=_id(thread_id))).first()
    if thread is None:
        raise Http404
    return thread


def access_family_attachment(family: Family, attachment_id: object) -> Attachment:
    attachment = Attachment.objects.filter(
        town_id=family.town_id, message__thread__family=family, pk=_id(attachment_id)
    ).first()
    if attachment is None:
        raise Http404
    return attachment


def access_staff_attachment(town: Town, attachment_id: object) -> Attachment:
    attachment = Attachment.objects.filter(town=town, pk=_id(attachment_id)).first()
    if attachment is None:
        raise Http404
    return attachment


def family_threads(family: Family, folder: Folder = "inbox") -> list[Thread]:
    """The family's threads, newest first, each with `unread` (the service's messages not yet read)."""
    threads = Thread.objects.filter(
        town_id=family.town_id, family=family, family_deleted_at__isnull=(folder == "inbox")
    )
    return list(
        threads.annotate(
            unread=Count("messages", filter=Q(messages__from_staff=True, messages__read_at__isnull=True)),
            count=Count("messages"),
        )
    )


def unread_for_family(family: Family) -> int:
    """How many of the service's messages the family has not read (outside its "Supprimés" folder)."""
    return Message.objects.filter(
        town_id=family.town_id,
        thread__family=family,
        thread__family_deleted_at__isnull=True,
        from_staff=True,
        read_at__isnull=True,
    ).count()


def staff_threads(town: Town, show: StaffFilter = "all") -> list[Thread]:
    threads = Thread.objects.filter(town=town, staff_deleted_at__isnull=(show != "deleted"))
    threads = threads.annotate(
        unread=Count("messages", filter=Q(messages__from_staff=False, messages__read_at__isnull=True)),
        count=Count("messages"),
    ).select_related("family")
    if show == "unread":
        threads = threads.filter(unread__gt=0)
    elif show == "unanswered":
        threads = threads.filter(awaiting_staff=True)
    return list(threads)


def staff_counts(town: Town) -> dict[str, int]:
    """How many threads wait in each of the inbox's filters (one query)."""
    unread = Message.objects.filter(town=town, thread=OuterRef("pk"), from_staff=False, read_at__isnull=True)
    counts = Thread.objects.filter(town=town).aggregate(
        unread=Count("pk", filter=Q(staff_deleted_at__isnull=True) & Q(Exists(unread))),
        unanswered=Count("pk", filter=Q(staff_deleted_at__isnull=True, awaiting_staff=True)),
        deleted=Count("pk", filter=Q(staff_deleted_at__isnull=False)),
    )
    return {key: value or 0 for key, value in counts.items()}


def published(queryset: QuerySet, today: datetime.date) -> QuerySet:  # type: ignore[type-arg]
    return queryset.filter(published_from__lte=today).filter(
        Q(published_until__isnull=True) | Q(published_until__gte=today)
    )


def family_documents(family: Family, today: datetime.date) -> QuerySet[Document]:
    """Documents published today for the whole town or for a site one of the children attends."""
    sites = Child.objects.filter(town_id=family.town_id, family=family).values("site_id")
    return (
        published(Document.objects.filter(town_id=family.town_id), today)
        .filter(Q(site__isnull=True) | Q(site_id__in=sites))
        .select_related("site")
    )


def access_family_document(family: Family, document_id: object, today: datetime.date) -> Document:
    document = family_documents(family, today).filter(pk=_id(document_id)).first()
    if document is None:
        raise Http404
    return document


def town_news(town: Town, today: datetime.date, limit: int = 5) -> list[News]:
    return list(published(News.objects.filter(town=town), today)[:limit])


def menus_by_day(
    town: Town, site_ids: set[int] | list[int], start: datetime.date, end: datetime.date
) -> dict[datetime.date, list[Menu]]:
    """The menus of these sites over a period, by day (one query)."""
    menus: dict[datetime.date, list[Menu]] = defaultdict(list)
    for menu in Menu.objects.filter(town=town, site_id__in=site_ids, date__range=(start, end)).select_related("site"):
        menus[menu.date].append(menu)
    return dict(menus)


def download(file: FieldFile, name: str, content_type: str) -> HttpResponse:
    """A stored attachment or document as a download (at most 5 MB: read at once, file closed)."""
    with file.open("rb") as handle:
        content = handle.read()
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response
