"""Which documents a child or a family is asked for, and which are missing to book an activity on a day.

`missing_for(child, activity, on)` is what the booking door (`bookings.actions.review`, through
`missing_by_change`) and the enrolment request page ask. Documents of a type that concerns the family
count for every child; a child's count for that child only.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, Q
from django.utils.translation import gettext as _

from ardoise.activities.models import Activity
from ardoise.documents.models import Concerns, DocumentStatus, DocumentType, SupportingDocument
from ardoise.documents.status import Fact, is_valid_on
from ardoise.families.models import Child


def fact_of(document: SupportingDocument) -> Fact:
    return Fact(document.status, document.valid_from, document.valid_until, document.uploaded_at)


def applies_to(document_type: DocumentType, child: Child) -> bool:
    """Whether a type needed by an activity concerns this child (a PAI document only a child with a PAI)."""
    return not document_type.only_with_pai or child.has_pai


def _facts(child: Child, type_ids: Iterable[int]) -> dict[int, list[Fact]]:
    """The accepted documents of these types that count for `child`, by type (one query)."""
    facts: dict[int, list[Fact]] = defaultdict(list)
    documents = SupportingDocument.objects.filter(
        Q(child=child) | Q(child__isnull=True, document_type__concerns=Concerns.FAMILY),
        town_id=child.town_id,
        family_id=child.family_id,
        document_type_id__in=list(type_ids),
        status=DocumentStatus.ACCEPTED,
    ).only("document_type_id", "status", "valid_from", "valid_until", "uploaded_at")
    for document in documents:
        facts[document.document_type_id].append(fact_of(document))
    return facts


def needed_documents_exist(activity_id: Any) -> Exists:
    """Whether the activity `activity_id` (an id or an `OuterRef`) needs some document type (for some child):
    one EXISTS, to read with a row that names the activity."""
    return Exists(DocumentType.activities.through.objects.filter(activity_id=activity_id))


def missing_by_change(
    child: Child, wanted: Iterable[tuple[int, datetime.date]]
) -> dict[tuple[int, datetime.date], list[DocumentType]]:
    """For each (activity id, day) to book, the document types it needs that `child` has no valid document
    for on that day (only the pairs missing something). Two queries whatever the batch: the types the
    activities need, then (only when some are needed) the child's and family's accepted documents."""
    wanted = list(wanted)
    through = DocumentType.activities.through
    needed: dict[int, list[DocumentType]] = defaultdict(list)
    for link in through.objects.filter(
        activity_id__in={activity_id for activity_id, _day in wanted}, documenttype__town_id=child.town_id
    ).select_related("documenttype"):
        if applies_to(link.documenttype, child):
            needed[link.activity_id].append(link.documenttype)
    if not needed:
        return {}
    facts = _facts(child, {document_type.pk for types in needed.values() for document_type in types})
    missing: dict[tuple[int, datetime.date], list[DocumentType]] = {}
    for activity_id, day in wanted:
        lacking = [
            document_type
            for document_type in sorted(needed.get(activity_id, []), key=lambda item: (item.position, item.label))
            if not is_valid_on(facts.get(document_type.pk, []), day)
        ]
        if lacking:
            missing[(activity_id, day)] = lacking
    return missing


def missing_for(child: Child, activity: Activity, on: datetime.date) -> list[DocumentType]:
    """The document types `activity` needs that `child` has no valid (accepted, not expired) document for
    on `on`."""
    return missing_by_change(child, [(activity.pk, on)]).get((activity.pk, on), [])


def missing_message(child: Child, lacking: list[DocumentType]) -> str:
    """ "Attestation d'assurance manquante ou expirée pour Sarah." (one sentence per missing type)."""
    return " ".join(
        _("%(document)s manquante ou expirée pour %(child)s.")
        % {"document": document_type.label, "child": child.first_name}
        for document_type in lacking
    )
