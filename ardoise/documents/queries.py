"""What each family is asked for and where it stands: the parents' page, the family's page in the back office,
and the lists of missing and expiring documents read from here.

A type concerning each child is asked of a child when it names no activity (asked of everyone) or the child
is enrolled, in a school year not yet over, in one of its activities (a PAI document: only children with a
PAI). A type concerning the family is asked when it names no activity or one of its children is so enrolled.
A constant number of queries whatever the number of families.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import QuerySet

from ardoise.documents.models import Concerns, DocumentStatus, DocumentType, SupportingDocument
from ardoise.documents.requirements import fact_of
from ardoise.documents.status import STATE_LABELS, UNUSABLE, Standing, State, standing_on
from ardoise.families.models import Child, Family
from ardoise.towns.models import Town


def document_types(town: Town) -> list[DocumentType]:
    return list(DocumentType.objects.filter(town=town).prefetch_related("activities"))


@dataclass
class Line:
    """One type asked of one person (the family, or a child), where it stands today."""

    document_type: DocumentType
    child: Child | None
    standing: Standing
    # Every document uploaded for it, newest first.
    documents: list[SupportingDocument]

    @property
    def state(self) -> State:
        return self.standing.state

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.standing.state]

    @property
    def needs_upload(self) -> bool:
        return self.standing.state in UNUSABLE or self.standing.state == State.EXPIRING

    @property
    def refusal_reason(self) -> str:
        refused = [document for document in self.documents if document.status == DocumentStatus.REFUSED]
        return refused[0].refusal_reason if self.standing.state == State.REFUSED and refused else ""

    @property
    def needed_for(self) -> str:
        return ", ".join(activity.label for activity in self.document_type.activities.all())

    @property
    def who(self) -> str:
        return self.child.first_name if self.child else "Famille"


@dataclass
class Dossier:
    family: Family
    family_lines: list[Line] = field(default_factory=list)
    children: list[tuple[Child, list[Line]]] = field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        return self.family_lines + [line for _child, lines in self.children for line in lines]

    def incomplete(self) -> list[Line]:
        return [line for line in self.lines if line.state in UNUSABLE]


def _enrolled(town_id: int, family_ids: Sequence[int], today: datetime.date) -> dict[int, set[int]]:
    """Child id -> the activities it is enrolled in, in school years not over on `today` (one query)."""
    pairs = Child.objects.filter(
        town_id=town_id, family_id__in=family_ids, enrollments__school_year__ends_on__gte=today
    ).values_list("pk", "enrollments__activity_id")
    enrolled: dict[int, set[int]] = defaultdict(set)
    for child_id, activity_id in pairs:
        enrolled[child_id].add(activity_id)
    return enrolled


def _asked_of_child(document_type: DocumentType, child: Child, activity_ids: set[int]) -> bool:
    if document_type.concerns != Concerns.CHILD or (document_type.only_with_pai and not child.has_pai):
        return False
    needed_by = {activity.pk for activity in document_type.activities.all()}
    return not needed_by or bool(needed_by & activity_ids)


def _asked_of_family(document_type: DocumentType, activity_ids: set[int]) -> bool:
    if document_type.concerns != Concerns.FAMILY:
        return False
    needed_by = {activity.pk for activity in document_type.activities.all()}
    return not needed_by or bool(needed_by & activity_ids)


def dossiers(town: Town, families: QuerySet[Family] | Sequence[Family], today: datetime.date) -> list[Dossier]:
    """Each family's dossier on `today`, in the order given. Five queries whatever the number of families."""
    families = list(families)
    family_ids = [family.pk for family in families]
    types = document_types(town)
    children: dict[int, list[Child]] = defaultdict(list)
    for child in Child.objects.filter(town=town, family_id__in=family_ids).order_by("birth_date", "pk"):
        children[child.family_id].append(child)
    enrolled = _enrolled(town.pk, family_ids, today)
    uploaded: dict[tuple[int, int, int | None], list[SupportingDocument]] = defaultdict(list)
    for document in SupportingDocument.objects.filter(town=town, family_id__in=family_ids).order_by(
        "-uploaded_at", "-pk"
    ):
        uploaded[(document.family_id, document.document_type_id, document.child_id)].append(document)

    def line(family: Family, document_type: DocumentType, child: Child | None) -> Line:
        found = uploaded.get((family.pk, document_type.pk, child.pk if child else None), [])
        return Line(document_type, child, standing_on([fact_of(d) for d in found], today), found)

    result = []
    for family in families:
        kids = children.get(family.pk, [])
        family_activities = set().union(*(enrolled.get(kid.pk, set()) for kid in kids))
        dossier = Dossier(family)
        dossier.family_lines = [
            line(family, document_type, None)
            for document_type in types
            if _asked_of_family(document_type, family_activities)
        ]
        for kid in kids:
            asked = [t for t in types if _asked_of_child(t, kid, enrolled.get(kid.pk, set()))]
            dossier.children.append((kid, [line(family, document_type, kid) for document_type in asked]))
        result.append(dossier)
    return result


def family_dossier(family: Family, today: datetime.date) -> Dossier:
    [dossier] = dossiers(family.town, [family], today)
    return dossier


def pending_documents(town: Town) -> QuerySet[SupportingDocument]:
    """The queue "Pièces à vérifier": oldest first."""
    return (
        SupportingDocument.objects.filter(town=town, status=DocumentStatus.PENDING)
        .select_related("family", "child", "document_type")
        .order_by("uploaded_at", "pk")
    )
