"""towns.statistics.GrowingTable: a table analyzed small is analyzed again each time a run doubles it, until
its statistics are settled; nothing else is analyzed (PostgreSQL: the foreign-key checks' kept plans)."""

import datetime

from django.db import connection

from ardoise.audit.models import AuditEntry
from ardoise.towns.bulk import insert_columns
from ardoise.towns.models import Town
from ardoise.towns.statistics import SETTLED_ROWS, GrowingTable


def _write(town: Town, count: int) -> None:
    at = datetime.datetime(2027, 1, 4, tzinfo=datetime.UTC)
    insert_columns(
        AuditEntry,
        {
            "town_id": [town.pk] * count,
            "action": ["x"] * count,
            "object_type": [""] * count,
            "object_id": [None] * count,
            "summary": [""] * count,
            "at": [at] * count,
            "changes": [{}] * count,
        },
    )


def _counted() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'audit_auditentry'::regclass")
        return float(cursor.fetchone()[0])


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditentry")


def test_a_table_analyzed_small_is_analyzed_each_time_the_run_doubles_it(town: Town) -> None:
    if connection.vendor != "postgresql":
        table = GrowingTable(AuditEntry)  # nothing to keep true elsewhere: no statement, no error
        _write(town, 150)
        table.grown(150)
        assert table.counted is None
        return
    _analyze()  # as a new installation's tables are, right before its first run
    table = GrowingTable(AuditEntry)
    base = table.counted
    assert base is not None
    assert base < 10

    _write(town, 150)
    table.grown(150)
    assert _counted() == base + 150  # the run doubled it (and more): analyzed

    _write(town, 100)
    table.grown(100)
    assert _counted() == base + 150  # 100 more rows on 150: not yet

    _write(town, 60)
    table.grown(60)
    assert _counted() == base + 310  # 160 since: doubled, analyzed

    _write(town, SETTLED_ROWS)
    table.grown(SETTLED_ROWS)
    assert _counted() == base + 1310
    assert table.counted is None  # settled: the planner chooses the index from now on

    _write(town, 2000)
    table.grown(2000)
    assert _counted() == base + 1310  # never analyzed again by the run


def test_a_table_whose_statistics_count_many_rows_is_left_alone(town: Town) -> None:
    if connection.vendor != "postgresql":
        assert GrowingTable(AuditEntry).counted is None
        return
    _write(town, SETTLED_ROWS)
    _analyze()
    counted = _counted()
    table = GrowingTable(AuditEntry)
    _write(town, 5000)
    table.grown(5000)

    assert table.counted is None
    assert _counted() == counted
