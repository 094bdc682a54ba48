"""Model rows read by a statement written by hand, for the few statements every API call runs (issue 14).

Building a statement through the ORM costs more CPU than PostgreSQL takes to plan and run it (about 1 ms
per statement on this project's machine, 3 for the caller's six-table join); these statements are the
same on every call but for their parameters, so they are written once per process from the models'
metadata (`Columns`), and their rows are turned into model instances (or plain values) as the ORM does:
the database's converters applied (SQLite's dates and decimals), `Model.from_db` for each instance.

Only for statements on the hot path of every request, each with a test of what it reads; everything else
goes through the ORM.
"""

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Expression, Field, Model, QuerySet

type Converter = Callable[[Any, Any, Any], Any]

# (maker, key) -> what it made: the process's statements, each written on first use.
_written: dict[tuple[Callable[..., Any], tuple[Hashable, ...]], Any] = {}


def written_once[S](make: Callable[..., S], *key: Hashable) -> S:
    """`make(*key)` (a statement, for a database alias and whatever shapes it), made on first use and kept for
    the life of the process: the one registry of the statements written by hand. Two threads meeting the
    first use both make it, and one is kept: the same statement."""
    found = _written.get((make, key))
    if found is None:
        found = _written[(make, key)] = make(*key)
    return found


def fetch_all(queryset: QuerySet[Any, tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows of a `values_list()` queryset, fetched in one call, as the ORM would give them (converters
    applied): for the hundreds of thousands of rows of an invoicing run, where the ORM's fetching by chunks
    of 100 costs a third more than the statement itself."""
    compiler = queryset.query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    found = compiler.get_converters([column for column, _sql, _alias in compiler.select[: compiler.col_count]])
    return [tuple(row) for row in compiler.apply_converters(rows, found)] if found else rows


def converters(db: str, expression: Expression) -> tuple[Converter, ...]:
    """What the ORM applies to a value read from `db` for `expression` (a column or an annotation)."""
    connection = connections[db]
    return tuple(connection.ops.get_db_converters(expression) + expression.get_db_converters(connection))


def convert(db: str, found: Sequence[Converter], expression: Expression, value: Any) -> Any:
    connection = connections[db]
    for converter in found:
        value = converter(value, expression, connection)
    return value


def column_of(field: Any) -> str:
    """The database column of a model's field (a concrete field, or the field of a reverse relation)."""
    column = field.column
    assert isinstance(column, str), field
    return column


class Columns:
    """The concrete fields of `model` (all, or those named in `fields`), read under the table alias `alias`:
    their select list, their values and the model instance (deferring the fields not read)."""

    def __init__(self, model: type[Model] | None, alias: str, fields: Sequence[str] | None = None) -> None:
        assert model is not None
        self.model: type[Model] = model
        self.alias = alias
        # In the model's order of fields, whatever the order of `fields` (what `Model.from_db` expects).
        wanted = None if fields is None else {model._meta.get_field(name).name for name in fields}
        self.fields: tuple[Field[Any, Any], ...] = tuple(
            field for field in model._meta.concrete_fields if wanted is None or field.name in wanted
        )
        self.names = [field.attname for field in self.fields]
        self.columns = [field.get_col(alias) for field in self.fields]
        self.table = model._meta.db_table
        self.pk_index = self.names.index(model._meta.pk.attname) if model._meta.pk.attname in self.names else None
        # database alias -> the converters of each column (bound to no request: the same for every call)
        self._converters: dict[str, list[tuple[int, tuple[Converter, ...]]]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def select(self, quote: Callable[[str], str]) -> str:
        return ", ".join(f"{self.alias}.{quote(column_of(field))}" for field in self.fields)

    def order_by(self, quote: Callable[[str], str]) -> str:
        """The model's default ordering (`Meta.ordering`, plain field names) on this alias."""
        terms = []
        for name in self.model._meta.ordering or ():
            assert isinstance(name, str), name
            descending = name.startswith("-")
            column = column_of(self.model._meta.get_field(name.lstrip("-")))
            terms.append(f"{self.alias}.{quote(column)}" + (" DESC" if descending else ""))
        return ", ".join(terms)

    def values(self, db: str, row: Sequence[Any], start: int = 0) -> list[Any]:
        found = self._converters.get(db)
        if found is None:
            found = [(i, c) for i, column in enumerate(self.columns) if (c := converters(db, column))]
            self._converters[db] = found
        values = list(row[start : start + len(self.fields)])
        for index, column_converters in found:
            values[index] = convert(db, column_converters, self.columns[index], values[index])
        return values

    def instance(self, db: str, row: Sequence[Any], start: int = 0) -> Any:
        """The instance of `row[start:]`; None when its primary key is NULL (a LEFT JOIN that found nothing)."""
        values = self.values(db, row, start)
        if self.pk_index is not None and values[self.pk_index] is None:
            return None
        return self.model.from_db(db, self.names, values)
