"""Bulk inserts in batches, counting the rows written per model.

`insert` uses bulk_create. The bookings of a large town are millions of rows:
on PostgreSQL `CopyWriter` streams them with COPY instead, taking their primary
keys from the table's sequence first, because bulk_create's per-row Python work
alone would not fit the two-minute budget for 10,000 children.
"""

import contextlib
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection, models

from ardoise.towns import reference

BATCH_SIZE = 4000


def insert[M: models.Model](objs: Sequence[M], counts: Counter[str]) -> Sequence[M]:
    """Insert `objs` (all of one model) in batches; their primary keys are set afterwards."""
    if objs:
        model = type(objs[0])
        model._default_manager.bulk_create(objs, batch_size=BATCH_SIZE)
        if reference.is_watched(model):
            # bulk_create sends no signal: the towns' cached reference data is told here.
            for town_id in {obj.town_id for obj in objs}:  # type: ignore[attr-defined]
                reference.changed(town_id)
        counts[model._meta.label] += len(objs)
    return objs


class BulkWriter:
    """Buffers rows of one model, with rows of other models that point to them.

    `add` returns a handle to pass as the foreign key of later rows (`booking=`);
    `add_after` rows (an absence of a booking…) are inserted right after the
    batch holding the row they point to, once its primary key is known.
    """

    def __init__(self, counts: Counter[str], batch_size: int = BATCH_SIZE):
        self.counts = counts
        self.batch_size = batch_size
        self.rows: list[models.Model] = []
        self.dependents: dict[type[models.Model], list[models.Model]] = {}

    def add(self, model: type[models.Model], **values: Any) -> Any:
        obj = model(**values)
        self.rows.append(obj)
        if len(self.rows) >= self.batch_size:
            self.flush()
        return obj

    def add_after(self, model: type[models.Model], **values: Any) -> None:
        self.dependents.setdefault(model, []).append(model(**values))

    def flush(self) -> None:
        insert(self.rows, self.counts)
        for dependents in self.dependents.values():
            insert(dependents, self.counts)
        self.rows, self.dependents = [], {}


class CopyWriter(BulkWriter):
    """The same on PostgreSQL with COPY and no model instances: rows are tuples
    whose primary keys are reserved from the table's sequence as they are added,
    so the handle is the primary key itself."""

    def __init__(self, counts: Counter[str], batch_size: int = 20_000):
        super().__init__(counts, batch_size)
        self.tuples: dict[type[models.Model], list[tuple[Any, ...]]] = {}
        self.free_ids: dict[type[models.Model], list[int]] = {}
        self.layouts: dict[type[models.Model], list[tuple[str, str, Any]]] = {}

    def add(self, model: type[models.Model], **values: Any) -> Any:
        pk = self.row(model, values)
        if len(self.tuples[model]) >= self.batch_size:
            self.flush()
        return pk

    def add_after(self, model: type[models.Model], **values: Any) -> None:
        self.row(model, values)

    def row(self, model: type[models.Model], values: dict[str, Any]) -> int:
        layout = self.layout(model)
        pool = self.free_ids.setdefault(model, [])
        if not pool:
            pool.extend(reversed(self.reserve_ids(model, self.batch_size)))
        values["id"] = pk = pool.pop()
        if reference.is_watched(model):
            town = values.get("town")
            reference.changed(values["town_id"] if town is None else town.pk)
        self.tuples.setdefault(model, []).append(
            tuple(values[name] if name in values else values.get(attname, default) for name, attname, default in layout)
        )
        return pk

    def layout(self, model: type[models.Model]) -> list[tuple[str, str, Any]]:
        """(field name, column attribute, value when not given) of each column, in table order."""
        if model not in self.layouts:
            self.layouts[model] = [
                (field.name, field.attname, column_default(field)) for field in model._meta.concrete_fields
            ]
        return self.layouts[model]

    def reserve_ids(self, model: type[models.Model], count: int) -> list[int]:
        meta = model._meta
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]

    def flush(self) -> None:
        quote = connection.ops.quote_name
        for model, rows in self.tuples.items():
            if not rows:
                continue
            meta = model._meta
            columns = ", ".join(quote(field.column) for field in meta.concrete_fields)
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            self.counts[meta.label] += len(rows)
        self.tuples = {model: [] for model in self.tuples}


def column_default(field: Any) -> Any:
    """The value COPY writes for a column the generator left out."""
    if field.primary_key:
        return None
    value = field.get_default()
    if isinstance(field, models.JSONField):
        return json.dumps(value)
    if isinstance(field, models.FileField):
        return str(value or "")
    return value


def writer_for_connection(counts: Counter[str]) -> BulkWriter:
    return CopyWriter(counts) if connection.vendor == "postgresql" else BulkWriter(counts)


@contextlib.contextmanager
def foreign_keys_checked_once(tables: list[str]) -> Iterator[None]:
    """On PostgreSQL, check the foreign keys from and to `tables` once at the end instead of row by row.

    The PostgreSQL manual's advice for bulk loads ("Populating a Database"):
    drop the foreign-key constraints, load, and add them back, which validates
    every row in one join. Run inside the caller's transaction, so a failure
    rolls the constraints back with the data. Other databases: nothing to do.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND (conrelid = ANY(%s::regclass[]) OR confrelid = ANY(%s::regclass[])) "
            "ORDER BY conrelid::regclass::text, conname",
            [tables, tables],
        )
        constraints = cursor.fetchall()
        for table, name, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        # Run the checks still deferred (rows of other tables) now: a table with
        # pending checks cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, definition in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
