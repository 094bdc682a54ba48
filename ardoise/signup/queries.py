"""Reads of the sign-up for staff: the files waiting for a decision, and the incomplete ones."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from ardoise.families.models import Child, Family, FileStatus, Guardian
from ardoise.signup import completeness
from ardoise.towns.models import Town


def waiting_families(town: Town) -> QuerySet[Family]:
    """The town's families whose file was sent and waits for staff, oldest first."""
    return Family.objects.filter(town=town, file_status=FileStatus.SUBMITTED).order_by("file_submitted_at", "pk")


@dataclass(frozen=True)
class IncompleteFile:
    family: Family
    missing: list[str]


def incomplete_families(town: Town) -> list[IncompleteFile]:
    """Accepted, not archived families whose file lacks something (`completeness.missing`), by name."""
    families = (
        Family.objects.filter(town=town, file_status=FileStatus.ACCEPTED, archived_on__isnull=True)
        .prefetch_related(
            Prefetch("guardians", queryset=Guardian.objects.filter(town=town)),
            Prefetch("children", queryset=Child.objects.filter(town=town)),
        )
        .order_by("name", "number")
    )
    found = []
    for family in families:
        lacks = completeness.missing(list(family.guardians.all()), list(family.children.all()))
        if lacks:
            found.append(IncompleteFile(family, lacks))
    return found
