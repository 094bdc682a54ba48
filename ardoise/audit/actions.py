"""Recording staff changes in the audit trail; called from every other app's actions."""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.towns.bulk import insert_instances
from ardoise.towns.models import Town

# Fields whose values never enter the trail: a child's health record (families.Child: allergies, PAI,
# diet, doctor, medical notes — RGPD article 9 data, and a diet may hint at a belief) and any password.
# The entry still says which field changed ("champ modifié"), who changed it and when.
REDACTED_FIELDS = frozenset(
    {
        "allergies",
        "has_pai",
        "pai_details",
        "diet",
        "wears_glasses",
        "doctor",
        "health_notes",
        "password",
        "password1",
        "password2",
        "old_password",
        "new_password1",
        "new_password2",
    }
)


def redacted(changes: Any) -> Any:
    """`changes` with the value of every field of REDACTED_FIELDS replaced by "champ modifié", at any depth."""
    if isinstance(changes, dict):
        return {
            name: gettext("champ modifié") if name in REDACTED_FIELDS else redacted(value)
            for name, value in changes.items()
        }
    if isinstance(changes, list):
        return [redacted(item) for item in changes]
    return changes


def entry(
    town: Town,
    actor: User | None,
    action: str,
    obj: Any = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """An entry as `record` writes it, not saved yet: `record_all` writes many in one statement."""
    return AuditEntry(
        town=town,
        actor=actor,
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=getattr(obj, "pk", None),
        summary=summary[:300] or str(obj)[:300],
        changes=redacted(changes or {}),
    )


def record(
    town: Town,
    actor: User | None,
    action: str,
    obj: Any = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    audit_entry = entry(town, actor, action, obj, summary, changes)
    audit_entry.save(force_insert=True)
    return audit_entry


def record_all(entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    """Write entries made by `entry` in one statement (a run's invoices)."""
    return insert_instances(list(entries))


def jsonable(value: Any) -> Any:
    """A value as the audit trail and change requests store it (JSON): dates ISO, lists as
    lists, other objects (amounts, rows, …) as their text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: jsonable(getattr(instance, name)) for name in fields}


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{"field": [old, new]} for the fields whose value changed (all of them for a creation: old None)."""
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def save_settings_row[M: models.Model](
    model: type[M],
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    fields: Iterable[str],
    *,
    town: Town,
    actor: User | None,
    action: str,
    summary: str,
) -> M:
    """Create or change the one row of `model` for `key` (a town's settings), locked, stamped `updated_at`;
    what changed among `fields` is recorded as `action` (nothing when nothing did). The caller is atomic.
    A value that is not among `fields` is refused (TypeError): it would be saved without its audit."""
    fields = tuple(fields)
    unknown = set(values) - set(fields)
    if unknown:
        raise TypeError(f"not among the fields of {model.__name__}: {sorted(unknown)}")
    current = model._default_manager.select_for_update().filter(**key).first()
    before = snapshot(current, fields) if current else {}
    if current is None:
        current = model(**key)
    for name, value in {**values, "updated_at": timezone.now()}.items():
        setattr(current, name, value)
    current.save()
    changes = changes_between(before, snapshot(current, fields))
    if changes:
        record(town, actor, action, current, summary, changes)
    return current
