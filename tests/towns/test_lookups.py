"""`field__in_ids` (towns.lookups): the rows `__in` finds, from one parameter, on SQLite and PostgreSQL."""

import datetime

import pytest

from ardoise.audit.models import AuditEntry
from ardoise.families.models import Family
from ardoise.towns.bulk import insert_columns
from ardoise.towns.models import Town


def _entries(town: Town, count: int) -> list[int]:
    at = datetime.datetime(2027, 1, 4, tzinfo=datetime.UTC)
    return insert_columns(
        AuditEntry,
        {
            "town_id": [town.pk] * count,
            "action": ["x"] * count,
            "object_type": [""] * count,
            "object_id": list(range(count)),
            "summary": [""] * count,
            "at": [at] * count,
            "changes": [{}] * count,
        },
    )


def test_finds_what_in_finds_for_ids_and_keys(town: Town, other_town: Town) -> None:
    ids = _entries(town, 5) + _entries(other_town, 3)
    some = {ids[0], ids[2], ids[6], 10**9}  # a set, with an id that exists nowhere

    assert sorted(AuditEntry.objects.filter(pk__in_ids=some).values_list("pk", flat=True)) == sorted(
        AuditEntry.objects.filter(pk__in=some).values_list("pk", flat=True)
    )
    assert sorted(AuditEntry.objects.filter(pk__in_ids=some).values_list("pk", flat=True)) == [ids[0], ids[2], ids[6]]
    # A foreign key, and across a relation.
    assert AuditEntry.objects.filter(town_id__in_ids=[other_town.pk]).count() == 3
    assert AuditEntry.objects.filter(town__in_ids=[town.pk], pk__in_ids=ids).count() == 5


def test_an_empty_list_matches_nothing(town: Town) -> None:
    _entries(town, 2)

    assert list(AuditEntry.objects.filter(pk__in_ids=[])) == []
    assert AuditEntry.objects.exclude(pk__in_ids=[]).count() == 2


def test_a_value_that_is_not_an_id_is_refused(town: Town) -> None:
    with pytest.raises(ValueError, match="douze"):
        Family.objects.filter(pk__in_ids=["12", "douze"])


def test_more_ids_than_a_statement_can_have_parameters(town: Town) -> None:
    # SQLite refuses more than 32,766 parameters (`__in` writes one per value); PostgreSQL 65,535.
    ids = _entries(town, 3)
    many = [*range(10**6, 10**6 + 70_000), *ids]

    assert AuditEntry.objects.filter(pk__in_ids=many).count() == 3
