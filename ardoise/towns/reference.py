"""The town's reference data, cached per process: what every planning and booking request re-reads and
what changes a few times a year (school years, closures, activities, absence reasons, tariffs and their
bands, sites, whether the town is prepaid).

Public interface (kept stable; docs/architecture.md, "The town's reference data"):

- `cached(town, name, load)`: `load(town)` computed once per process and kept while the town's
  `reference_version` (read with the town's row, so at no extra query) is unchanged. `load` must return
  immutable data (tuples, frozen dataclasses, `MappingProxyType`) or data the caller never hands out
  as is: model instances are handed out as copies (`copy_of`). It reads from `PRIMARY`, never a replica.
- `watch(*models)`: every save and delete of these models (each with a `town_id`) counts as a change of
  its town's reference data (`changed`). Each app watches its own models in its `AppConfig.ready`.
- `is_watched(model)`: whether `model` is watched (generic bulk writers ask before calling `changed`).
- `changed(town_id)`: what a write that sends no signal (`QuerySet.update`, `bulk_create`, `bulk_update`,
  raw SQL) must call, in the same transaction: `UPDATE towns_town SET reference_version =
  reference_version + 1`, once per transaction and town. Every process sees the new version with the
  town's row of its next request; this process forgets its copy when the transaction commits.
- `copy_of(instance)`: a copy of a cached model instance that a caller may change freely.
- `forget()`: empties this process's cache (tests).

While the current transaction has changed a town's reference data (not committed yet), `cached` reads
afresh and keeps nothing, so that a rolled-back change never reaches the cache; a town row read before a
change this process committed is older than the cache and reads afresh too.
"""

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import DEFAULT_DB_ALIAS, connection, models, transaction
from django.db.models.signals import post_delete, post_save

from ardoise.towns.models import Town

# The database every loader reads from (`.using(reference.PRIMARY)`): a read replica's lag would be kept under the
# primary's version, stale until the next change.
PRIMARY = DEFAULT_DB_ALIAS


@dataclass
class _Entry:
    version: int
    values: dict[str, Any] = field(default_factory=dict)


# town id -> the data read at one version of the town's reference data.
_cache: dict[int, _Entry] = {}
# town id -> the newest version this process committed itself (a town row older than that is stale).
_committed: dict[int, int] = {}
_lock = threading.Lock()


class _Committed:
    """The on_commit callback of a change: forgets the town's data in this process once committed."""

    def __init__(self, town_id: int, version: int) -> None:
        self.town_id = town_id
        self.version = version
        self.done = False

    def __call__(self) -> None:
        self.done = True
        with _lock:
            _committed[self.town_id] = max(_committed.get(self.town_id, 0), self.version)
            _cache.pop(self.town_id, None)


def _pending(town_id: int) -> bool:
    """Whether the current transaction has changed the town's reference data and not committed yet.

    A change registers a `_Committed` callback; Django drops it when its transaction or savepoint rolls
    back and runs it on commit, so a callback still waiting (and not run) means uncommitted changes.
    """
    callbacks = (hook[1] for hook in connection.run_on_commit)  # (savepoint ids, callback, robust)
    return any(
        isinstance(callback, _Committed) and callback.town_id == town_id and not callback.done for callback in callbacks
    )


def changed(town_id: int) -> None:
    """The town's reference data changed in the current transaction (see the module's docstring)."""
    if _pending(town_id):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE towns_town SET reference_version = reference_version + 1 WHERE id = %s RETURNING reference_version",
            [town_id],
        )
        row = cursor.fetchone()
    with _lock:
        _cache.pop(town_id, None)
    if row is not None:
        transaction.on_commit(_Committed(town_id, row[0]))


def cached[T](town: Town, name: str, load: Callable[[Town], T]) -> T:
    """`load(town)`, kept in this process while the town's reference version is unchanged."""
    version = town.reference_version
    if _pending(town.pk) or version < _committed.get(town.pk, 0):
        return load(town)
    entry = _cache.get(town.pk)
    if entry is None or entry.version != version:
        entry = _Entry(version)
        with _lock:
            _cache[town.pk] = entry
    if name in entry.values:
        return entry.values[name]  # type: ignore[no-any-return]
    value = load(town)
    entry.values[name] = value
    return value


def forget() -> None:
    with _lock:
        _cache.clear()
        _committed.clear()


class _TownScoped(Protocol):
    town_id: int


def _on_change(sender: type[models.Model], instance: _TownScoped, **kwargs: Any) -> None:
    changed(instance.town_id)


_watched: set[type[models.Model]] = set()


def is_watched(model: type[models.Model]) -> bool:
    """Whether rows of `model` are the towns' reference data (a bulk write of them must call `changed`)."""
    return model in _watched


def watch(*watched: type[models.Model]) -> None:
    for model in watched:
        _watched.add(model)
        post_save.connect(_on_change, sender=model, dispatch_uid=f"reference:{model._meta.label}:save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"reference:{model._meta.label}:delete")


def copy_of[M: models.Model](instance: M) -> M:
    """A copy of a cached instance: its fields and the cache of its relations are its own."""
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__ = {
        name: copy.deepcopy(value) if isinstance(value, (list, dict, set)) else value
        for name, value in instance.__dict__.items()
    }
    clone._state = copy.copy(instance._state)
    clone._state.fields_cache = {
        name: copy_of(related) if isinstance(related, models.Model) else related
        for name, related in instance._state.fields_cache.items()
    }
    return clone
