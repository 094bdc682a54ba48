"""An e-mail's template context kept as JSON in the outbox, so that it is rendered by the task worker.

`freeze(context)` turns a context into JSON values when the e-mail is queued; `thaw(data)` gives the
template the same values back when it is rendered. What a context may hold: text (lazy translations
become text at once), numbers, booleans, None, dates, datetimes, times, Decimals, UUIDs, lists and
tuples, dicts with text keys, dataclasses (given back as dicts: a template reads `line.date` from either),
and model instances. A model instance is kept as its loaded field values, as they were when the e-mail
was queued, and given back as an instance built from them without a query (its properties and
`get_…_display` work; a template following a relation reads it in the worker). Anything else is refused
at queue time (TypeError), never when the worker renders.
"""

import dataclasses
import datetime
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.functional import Promise

# The key that marks an encoded value; a context's own dicts never use it.
TAG = "__t"


def freeze(context: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key): _encode(value) for key, value in context.items()}


def thaw(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _decode(value) for key, value in data.items()}


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _encode(item) for key, item in value.items()}
    if isinstance(value, models.Model):
        return _encode_instance(value)
    if isinstance(value, datetime.datetime):
        return {TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, datetime.date):
        return {TAG: "date", "v": value.isoformat()}
    if isinstance(value, datetime.time):
        return {TAG: "time", "v": value.isoformat()}
    if isinstance(value, Decimal):
        return {TAG: "decimal", "v": str(value)}
    if isinstance(value, uuid.UUID):
        return {TAG: "uuid", "v": str(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _encode(getattr(value, field.name)) for field in dataclasses.fields(value)}
    raise TypeError(f"An e-mail's context cannot keep {type(value).__name__!r} values.")


def _encode_instance(instance: models.Model) -> dict[str, Any]:
    """The instance's loaded concrete fields (a deferred field stays deferred: no query here)."""
    loaded = instance.__dict__
    fields = {}
    for field in instance._meta.concrete_fields:
        if field.attname not in loaded:
            continue
        value = loaded[field.attname]
        if isinstance(value, FieldFile):
            value = value.name
        fields[field.attname] = _encode(value)
    return {TAG: "model", "m": instance._meta.label_lower, "f": fields}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(TAG)
    if tag is None:
        return {key: _decode(item) for key, item in value.items()}
    if tag == "model":
        model = apps.get_model(value["m"])
        fields = value["f"]
        # In the model's field order: PostgreSQL's jsonb keeps the keys in an order of its own.
        names = [field.attname for field in model._meta.concrete_fields if field.attname in fields]
        return model.from_db(None, names, [_decode(fields[name]) for name in names])
    return DECODERS[tag](value["v"])


DECODERS = {
    "datetime": datetime.datetime.fromisoformat,
    "date": datetime.date.fromisoformat,
    "time": datetime.time.fromisoformat,
    "decimal": Decimal,
    "uuid": uuid.UUID,
}
