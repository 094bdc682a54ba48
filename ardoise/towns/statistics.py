"""PostgreSQL's statistics of a table kept true while one long write grows it from small (an invoicing run).

A foreign key's check is planned once per connection and the plan kept until the table's statistics change.
Planned while the referenced table's statistics say it holds a handful of rows, the check is a sequential
scan, which stays the plan while the run grows the table to thousands of rows: every new row then reads the
whole table (quadratic: 2.5 s of a 10,000-children town's first run, docs/benchmarks.md "Issue 14, round 5").
`ANALYZE` gives the planner the table's real size and makes it plan the kept checks again.

Autovacuum does the same, but only after 50 rows plus 10 % have changed and a minute of waiting: too late
for a run that writes thousands of rows in seconds. A table whose statistics count many rows already (any
town after its first months) is never analyzed here. Other databases: nothing to do.
"""

from django.db import connection, models

# Statistics counting at least this many rows already make an index the plan of a key's check.
SETTLED_ROWS = 1000


class GrowingTable:
    """A table a run is about to grow: `grown(rows)` after each committed batch analyzes it each time the run
    has doubled it, until its statistics are settled."""

    def __init__(self, model: type[models.Model]) -> None:
        self.table = model._meta.db_table
        self.counted = self._counted_rows()
        self.written = 0

    def _counted_rows(self) -> float | None:
        """The rows the statistics count; None when there is nothing to keep true: on another database, once
        settled, or on a table never analyzed (the planner then assumes ten pages, and plans an index)."""
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [self.table])
            row = cursor.fetchone()
        counted = float(row[0]) if row is not None else None
        return None if counted is None or not 0 <= counted < SETTLED_ROWS else counted

    def grown(self, rows: int) -> None:
        if self.counted is None:
            return
        self.written += rows
        if self.written >= max(self.counted, 1.0):
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(self.table)}")
            self.counted = self._counted_rows()
            self.written = 0
