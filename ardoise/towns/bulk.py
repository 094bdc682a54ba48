"""Rows written in one statement with their columns as arrays, for the writes a run makes by thousands.

On PostgreSQL `insert_columns` sends each column as one array literal (`INSERT … SELECT * FROM unnest(…)
RETURNING id`): no SQL built and no value adapted per row, which is most of what `bulk_create` costs for
thousands of rows (an invoicing run's invoices, lines, billed bookings and audit entries). The ids come back in
the arrays' order, as `bulk_create` relies on too. Other databases: `bulk_create`.
"""

import datetime
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models

from ardoise.towns.rows import written_once


def insert_columns(model: type[models.Model], columns: dict[str, Sequence[Any]]) -> list[int]:
    """Insert rows of `model` given column by column (attribute names, e.g. `town_id`, all of one length),
    in one statement; their ids, in the same order. Columns left out take their database default (none:
    give every column without one)."""
    names = list(columns)
    if not names or not len(columns[names[0]]):
        return []
    if connection.vendor != "postgresql":
        objs = model._default_manager.bulk_create(
            model(**dict(zip(names, row, strict=True))) for row in zip(*columns.values(), strict=True)
        )
        return [obj.pk for obj in objs]
    # Made once per model and columns: the booking request's outbox row and bookings come here too, where
    # building the statement again was a good part of their cost.
    sql, writers = written_once(_statement, model, tuple(names))
    with connection.cursor() as cursor:
        cursor.execute(sql, [write(columns[name]) for name, write in zip(names, writers, strict=True)])
        return [row[0] for row in cursor.fetchall()]


# A column's values -> its array literal.
ColumnWriter = Callable[[Sequence[Any]], str]


def _statement(model: type[models.Model], names: tuple[str, ...]) -> tuple[str, list[ColumnWriter]]:
    meta = model._meta
    by_attname = {field.attname: field for field in meta.concrete_fields}
    fields = [by_attname[name] for name in names]
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(str(meta.pk.column))
    types = [str(field.db_type(connection)) for field in fields]
    arrays = ", ".join(f"%s::{db_type}[]" for db_type in types)
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(str(field.column)) for field in fields)}) "  # noqa: S608 - names from the model
        f"SELECT * FROM unnest({arrays}) RETURNING {pk}"
    )
    return sql, [_writer(field, db_type) for field, db_type in zip(fields, types, strict=True)]


def _writer(field: Any, db_type: str) -> ColumnWriter:
    if db_type in _INTEGER_TYPES:
        return integer_array
    as_json = _json_of(field)
    return lambda values: array_literal(values, as_json)


def insert_instances[M: models.Model](objs: list[M]) -> list[M]:
    """`bulk_create(objs)` for new instances of one model whose every value is set (defaults are, when an
    instance is made; no `auto_now`, no file to upload): on PostgreSQL in one `insert_columns`, then their
    primary keys set and their state saved, as `bulk_create` leaves them."""
    if not objs:
        return objs
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_create(objs)
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    ids = insert_columns(model, {field.attname: [getattr(obj, field.attname) for obj in objs] for field in fields})
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def array_literal(values: Sequence[Any], as_json: Callable[[Any], str] | None = None) -> str:
    """A PostgreSQL array literal of `values` (None as NULL; `as_json` writes each value of a JSON column)."""
    if as_json is not None:
        return "{" + ",".join(_element(None if value is None else as_json(value)) for value in values) + "}"
    return "{" + ",".join(_element(value) for value in values) + "}"


_INTEGER_TYPES = frozenset({"smallint", "integer", "bigint"})


def integer_array(values: Sequence[Any]) -> str:
    """array_literal of integers, in one pass without a call per value (a run's billed bookings are three
    columns of 200,000 ids; `field__in_ids` sends its ids so too)."""
    if None in values:
        return array_literal(values)
    return "{" + ",".join(map(str, values)) + "}"


def _element(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime.date):  # datetimes too, with their offset: no character to quote
        return value.isoformat()
    # Text (and files' names): quoted, with the array literal's two escapes.
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _json_of(field: Any) -> Callable[[Any], str] | None:
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: json.dumps(value, cls=encoder)
    return None
