"""The e-mail reminding a family, `EXPIRING_DAYS` before, that one of its documents is about to expire.

Sent once per document (`expiry_reminded_on`, set by a conditional update: two runs at once send it once),
and not when a newer accepted document already takes over. Run daily by `manage.py send_document_reminders`
(cron, or the task `send_document_reminders_task`), or from the queue page by staff.
"""

import datetime

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from ardoise.documents import notifications
from ardoise.documents.models import DocumentStatus, SupportingDocument
from ardoise.documents.status import EXPIRING_DAYS
from ardoise.towns.models import Town


def due_reminders(town: Town, today: datetime.date) -> list[SupportingDocument]:
    """Accepted documents ending within `EXPIRING_DAYS` not yet reminded, with no accepted successor
    covering beyond their end (two queries)."""
    candidates = list(
        SupportingDocument.objects.filter(
            town=town,
            status=DocumentStatus.ACCEPTED,
            valid_until__gte=today,
            valid_until__lte=today + datetime.timedelta(days=EXPIRING_DAYS),
            expiry_reminded_on__isnull=True,
        )
        .select_related("family__town", "child", "document_type")
        .order_by("valid_until", "pk")
    )
    if not candidates:
        return []
    furthest: dict[tuple[int, int, int | None], datetime.date] = {}
    for family_id, type_id, child_id, until in SupportingDocument.objects.filter(
        town=town, status=DocumentStatus.ACCEPTED, family_id__in={document.family_id for document in candidates}
    ).values_list("family_id", "document_type_id", "child_id", "valid_until"):
        key = (family_id, type_id, child_id)
        end = until or datetime.date.max  # No expiry: covers for ever.
        furthest[key] = max(end, furthest.get(key, end))
    return [
        document
        for document in candidates
        if document.valid_until is not None
        and furthest[(document.family_id, document.document_type_id, document.child_id)] <= document.valid_until
    ]


def send_expiry_reminders(town: Town, *, today: datetime.date, base_url: str) -> list[SupportingDocument]:
    """Remind every family whose document expires within `EXPIRING_DAYS`; once per document."""
    sent = []
    for document in due_reminders(town, today):
        with transaction.atomic():
            claimed = SupportingDocument.objects.filter(pk=document.pk, expiry_reminded_on__isnull=True).update(
                expiry_reminded_on=today
            )
            if not claimed:
                continue  # Sent meanwhile by another run.
            notifications.send_expiry_reminder(document, base_url)
        sent.append(document)
    return sent


@task()
def send_document_reminders_task(base_url: str) -> int:
    """Every town's reminders due today (the daily job); returns how many documents were reminded."""
    today = timezone.localdate()
    return sum(len(send_expiry_reminders(town, today=today, base_url=base_url)) for town in Town.objects.all())
