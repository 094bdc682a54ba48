"""Rows written from column arrays (towns.bulk) come back as they were given, on SQLite and PostgreSQL."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from ardoise.audit.models import AuditEntry
from ardoise.towns.bulk import insert_columns, insert_instances
from ardoise.towns.models import Town


def test_instances_come_back_as_given_with_their_ids(town: Town, other_town: Town) -> None:
    at = datetime.datetime(2027, 3, 28, 1, 59, 59, 123456, tzinfo=ZoneInfo("Europe/Paris"))
    awkward = 'a\\b "c" {d}, NULL\né'
    entries = [
        AuditEntry(
            town=town, action="invoice.issue", object_id=7, summary=awkward, at=at, changes={"x": [awkward, None]}
        ),
        AuditEntry(town=other_town, action="", object_type="", object_id=None, summary="", at=at, changes={}),
    ]
    written = insert_instances(entries)

    assert written == entries
    assert all(entry.pk and not entry._state.adding for entry in entries)
    read = {entry.pk: entry for entry in AuditEntry.objects.filter(pk__in=[entry.pk for entry in entries])}
    assert [(e.town_id, e.action, e.object_id, e.summary, e.at, e.changes) for e in (read[x.pk] for x in entries)] == [
        (town.pk, "invoice.issue", 7, awkward, at, {"x": [awkward, None]}),
        (other_town.pk, "", None, "", at, {}),
    ]


def test_columns_come_back_in_the_order_given(town: Town) -> None:
    ids = insert_columns(
        AuditEntry,
        {
            "town_id": [town.pk] * 3,
            "action": ["b", "a", "c"],
            "object_type": ["", "", ""],
            "object_id": [3, None, 1],
            "summary": ["deux", "un", "trois"],
            "at": [datetime.datetime(2027, 1, n, tzinfo=datetime.UTC) for n in (2, 1, 3)],
            "changes": [{"amount": str(Decimal("1.10"))}, {}, {"n": 3}],
        },
    )

    rows = {pk: row for pk, *row in AuditEntry.objects.values_list("pk", "action", "object_id", "changes")}
    assert [rows[pk] for pk in ids] == [["b", 3, {"amount": "1.10"}], ["a", None, {}], ["c", 1, {"n": 3}]]
    assert insert_columns(AuditEntry, {"town_id": []}) == []
