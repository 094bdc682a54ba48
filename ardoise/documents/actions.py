"""The one door for supporting documents: a family uploads, staff accept or refuse, the admin configures types.

Each is atomic; staff's changes are audited; the decision e-mail is queued in the outbox within the same
transaction and sent after it commits. A newer accepted document replaces the previous ones of the same
type and person (kept, no longer current).
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit import actions as audit
from ardoise.bookings.uploads import validate_document
from ardoise.calendars.wording import date_fr
from ardoise.documents import notifications
from ardoise.documents.models import Concerns, DocumentStatus, DocumentType, SupportingDocument
from ardoise.documents.status import validity_end
from ardoise.families.models import Child, Family
from ardoise.towns.models import Town

# How far ahead a document may be dated (a certificate for the coming school year).
MAX_DAYS_AHEAD = 366


class DocumentRefused(Exception):
    """A well-formed upload or decision the rules refuse; `message` says why, in French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def upload(
    family: Family,
    actor: User | None,
    document_type: DocumentType,
    child: Child | None,
    dated_on: datetime.date,
    file: UploadedFile,  # type: ignore[type-arg]  # as bookings.uploads takes it
    *,
    today: datetime.date,
) -> SupportingDocument:
    """Keep a family's document for `document_type` (and `child` when the type concerns each child).

    The file is checked as a message's attachment is (PDF, JPEG or PNG by content, 5 MB): ValidationError.
    A type for the wrong person, or a document already expired or dated too far ahead: DocumentRefused.
    A type staff do not check is accepted at once.
    """
    kind = validate_document(file)
    if document_type.town_id != family.town_id or (child is not None and child.family_id != family.pk):
        raise DocumentRefused(_("Cette pièce ne concerne pas votre famille."))
    if document_type.concerns == Concerns.CHILD and child is None:
        raise DocumentRefused(_("Choisissez l'enfant que concerne cette pièce."))
    if document_type.concerns == Concerns.FAMILY:
        child = None
    if dated_on > today + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise DocumentRefused(_("La date du document est trop loin dans l'avenir."))
    valid_until = validity_end(dated_on, document_type.validity_months)
    if valid_until is not None and valid_until < today:
        raise DocumentRefused(
            _("Ce document n'est plus valable depuis le %(day)s : déposez-en un plus récent.")
            % {"day": date_fr(valid_until, "j F Y")}
        )
    now = timezone.now()
    with transaction.atomic():
        document = SupportingDocument(
            town_id=family.town_id,
            family=family,
            child=child,
            document_type=document_type,
            file_name=(file.name or "document")[:200],
            content_type=kind.content_type,
            size=file.size or 0,
            dated_on=dated_on,
            valid_from=dated_on,
            valid_until=valid_until,
            uploaded_by=actor,
            uploaded_at=now,
        )
        if not document_type.checked_by_staff:
            document.status = DocumentStatus.ACCEPTED
            document.checked_at = now
        document.file.save(document.file_name, file, save=False)
        document.save()
        if document.status == DocumentStatus.ACCEPTED:
            _replace_previous(document, now)
    return document


def _replace_previous(document: SupportingDocument, now: datetime.datetime) -> None:
    SupportingDocument.objects.filter(
        town_id=document.town_id,
        family_id=document.family_id,
        child=document.child,
        document_type_id=document.document_type_id,
        status=DocumentStatus.ACCEPTED,
        replaced_at__isnull=True,
    ).exclude(pk=document.pk).update(replaced_at=now)


@dataclass(frozen=True)
class Decision:
    accept: bool
    reason: str = ""
    # Staff's correction of the validity (accepting only); None keeps what was computed.
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    clear_valid_until: bool = False


def decide(document: SupportingDocument, actor: User, decision: Decision, *, base_url: str) -> SupportingDocument:
    """Accept (with corrected dates if given) or refuse (with a reason) one document; e-mailed and audited.

    A pending document is decided; an accepted one may be refused later (it stops counting at once).
    """
    with transaction.atomic():
        locked = (
            SupportingDocument.objects.select_for_update(of=("self",))
            .select_related("document_type", "family__town", "child")
            .get(pk=document.pk, town_id=document.town_id)
        )
        _decide_locked(locked, actor, decision, base_url)
    return locked


def _decide_locked(document: SupportingDocument, actor: User, decision: Decision, base_url: str) -> None:
    reason = decision.reason.strip()
    if decision.accept:
        if document.status != DocumentStatus.PENDING:
            raise DocumentRefused(_("Cette pièce a déjà été vérifiée."))
        valid_from = decision.valid_from or document.valid_from
        valid_until = None if decision.clear_valid_until else (decision.valid_until or document.valid_until)
        if valid_until is not None and valid_until < valid_from:
            raise DocumentRefused(_("La fin de validité précède son début."))
        document.valid_from, document.valid_until = valid_from, valid_until
        document.status = DocumentStatus.ACCEPTED
        document.refusal_reason = ""
    else:
        if document.status == DocumentStatus.REFUSED:
            raise DocumentRefused(_("Cette pièce a déjà été refusée."))
        if not reason:
            raise DocumentRefused(_("Indiquez le motif du refus : il est envoyé à la famille."))
        document.status = DocumentStatus.REFUSED
        document.refusal_reason = reason[:1000]
    now = timezone.now()
    document.checked_by = actor
    document.checked_at = now
    document.save(update_fields=["status", "refusal_reason", "valid_from", "valid_until", "checked_by", "checked_at"])
    if document.status == DocumentStatus.ACCEPTED:
        _replace_previous(document, now)
    who = document.child.first_name if document.child else document.family.name
    audit.record(
        document.family.town,
        actor,
        "document.accepted" if decision.accept else "document.refused",
        document,
        summary=f"{document.document_type.label} ({who}, famille {document.family.number}) : "
        + ("acceptée" if decision.accept else f"refusée — {document.refusal_reason}"),
        changes=audit.snapshot(document, ["status", "valid_from", "valid_until", "refusal_reason"]),
    )
    notifications.send_decision(document, base_url)


def decide_many(
    town: Town, actor: User, document_ids: Sequence[int], decision: Decision, *, base_url: str
) -> list[SupportingDocument]:
    """The same decision for several pending documents of the town, all or nothing (a refusal needs its
    reason). Ids of other towns are ignored."""
    if not decision.accept and not decision.reason.strip():
        raise DocumentRefused(_("Indiquez le motif du refus : il est envoyé à la famille."))
    with transaction.atomic():
        documents = list(
            SupportingDocument.objects.select_for_update(of=("self",))
            .filter(town=town, pk__in=list(document_ids), status=DocumentStatus.PENDING)
            .select_related("document_type", "family__town", "child")
            .order_by("pk")
        )
        if not documents:
            raise DocumentRefused(_("Choisissez au moins une pièce à vérifier."))
        for document in documents:
            _decide_locked(document, actor, Decision(decision.accept, decision.reason), base_url)
    return documents


TYPE_FIELDS = ["label", "concerns", "validity_months", "checked_by_staff", "only_with_pai", "position"]


def save_document_type(
    town: Town,
    actor: User | None,
    document_type: DocumentType | None,
    values: dict[str, Any],
    activities: Sequence[Activity],
) -> DocumentType:
    """Create (`document_type` None) or change a document type of the town; audited."""
    if any(activity.town_id != town.pk for activity in activities):
        raise DocumentRefused(_("Activité inconnue."))
    with transaction.atomic():
        creating = document_type is None
        instance = document_type or DocumentType(town=town)
        before = {} if creating else {**audit.snapshot(instance, TYPE_FIELDS), "activities": _codes(instance)}
        for name in TYPE_FIELDS:
            if name in values:
                setattr(instance, name, values[name])
        instance.save()
        instance.activities.set(activities)
        after = {**audit.snapshot(instance, TYPE_FIELDS), "activities": _codes(instance)}
        audit.record(
            town,
            actor,
            "document_type.created" if creating else "document_type.changed",
            instance,
            summary=f"Type de pièce « {instance.label} »",
            changes=audit.changes_between(before, after),
        )
    return instance


def _codes(document_type: DocumentType) -> list[str]:
    return sorted(activity.code for activity in document_type.activities.all())
