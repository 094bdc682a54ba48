"""The read-only reports read a streaming replica; everything else reads and writes the primary.

With `DATABASE_REPLICA_URL` set, `settings.DATABASES` has a second alias, `replica`: a PostgreSQL
hot standby of `default` (docs/scaling.md, "Primary and a streaming replica"). Nothing is sent
there by guessing from models: a read goes to the replica only inside `reads_from_replica()`,
which the report views say explicitly (kitchen counts, CAF report, finance exports, the
statistics), and even there it stays on the primary

- inside a transaction (`transaction.atomic`) on the primary;
- after the scope has written anything (reads what it just wrote);
- when the replica has not replayed, within `DATABASE_REPLICA_WAIT_MS`, everything the primary
  had committed when the scope first read: so a report is never older than the click that asked
  for it (a booking made, then the kitchen counts opened, counts the booking); the replica being
  unreachable falls back to the primary too;
- when the replica fails during the report (stopped, the network cut): a report view logs it and
  runs again on the primary, once (`reads_from_replica` as a decorator).

A booking, a payment, a form: none is in such a scope, so none ever reads the replica. Without
`DATABASE_REPLICA_URL` there is no `replica` alias and every read goes to `default`, as before.
Migrations run on `default` only.

`reads_from_replica()` is a context manager and a view decorator (innermost, under the access
checks: who may see a report is read from the primary, what they see from the replica).
`rows_from_replica(rows)` is for a streamed download, whose rows are read after its view returned.
"""

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.db.models import Model

REPLICA = "replica"
# How often a scope asks the replica whether it has caught up, while it waits (seconds).
POLL_INTERVAL = 0.005

logger = logging.getLogger(__name__)


@dataclass
class Scope:
    """One report's reads: whether it wrote, and whether the replica was found caught up (asked once)."""

    wrote: bool = False
    caught_up: bool | None = None


_current: ContextVar[Scope | None] = ContextVar("ardoise_replica_scope", default=None)


class reads_from_replica:  # noqa: N801 - used as a function, `with reads_from_replica():` or `@reads_from_replica()`
    """Reads inside go to the replica, but for the cases of the module's docstring. Nested: the outer scope.

    As a decorator it also survives the replica failing during the report: when a read on the
    replica fails for the connection (OperationalError, InterfaceError: the replica stopped, the
    network cut) before the report wrote anything, the failure is logged and the report runs
    again, once, on the primary. A `with` block cannot be run again: its failure goes up.
    """

    def __init__(self) -> None:
        self._token: Token[Scope | None] | None = None

    def __enter__(self) -> Scope:
        scope = _current.get()
        if scope is not None:
            return scope
        scope = Scope()
        self._token = _current.set(scope)
        return scope

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            _current.reset(self._token)
            self._token = None

    def __call__[**P, R](self, function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def report(*args: P.args, **kwargs: P.kwargs) -> R:
            outer = _current.get() is not None
            with reads_from_replica() as scope:
                try:
                    return function(*args, **kwargs)
                except (OperationalError, InterfaceError):
                    if outer or not replica_failed(scope):
                        raise
                    logger.warning("The replica failed during a report: reading the primary.", exc_info=True)
                    with contextlib.suppress(DatabaseError):
                        connections[REPLICA].close()
                    scope.caught_up = False  # the rest of the scope reads the primary
                    return function(*args, **kwargs)

        return report


def replica_failed(scope: Scope) -> bool:
    """Whether the scope was reading the replica, wrote nothing yet (so running it again writes nothing
    twice), and the replica's connection is the one that failed."""
    return bool(scope.caught_up) and not scope.wrote and has_replica() and connections[REPLICA].errors_occurred


def rows_from_replica[T](rows: Iterable[T]) -> Iterator[T]:
    """`rows` read from the replica, one scope for the whole stream, re-entered at each row.

    A streamed download reads its rows once the view has returned, out of the view's scope; the audit
    entry its view wrote first is not something the rows read back, so the stream is a scope of its own.
    """
    scope = Scope()
    iterator = iter(rows)
    while True:
        token = _current.set(scope)
        try:
            row = next(iterator)
        except StopIteration:
            return
        finally:
            _current.reset(token)
        yield row


def has_replica() -> bool:
    return REPLICA in connections.settings


def replica_caught_up(wait: float) -> bool:
    """Whether the replica has replayed all the WAL the primary has flushed by now, waiting up to `wait` seconds.

    Compares the primary's WAL flush position with the replica's replay position. The flush position
    holds every transaction committed so far (with synchronous_commit on, PostgreSQL's default); the
    insert position, which GitLab's load balancer uses, also holds records that no commit has flushed
    yet (a standby snapshot, say), which the primary sends only when its WAL writer wakes: waiting
    for it took 11.5 s once in thirty seconds of bench/replica.py. False too when the replica is not a
    standby (one that never was answers NULL; a promoted one stays at its last replayed position, which
    the primary soon passes) or cannot be reached: the caller then reads the primary.
    """
    replica = connections[REPLICA]
    if replica.vendor != "postgresql":
        return False
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_flush_lsn()")
            (position,) = cursor.fetchone()
        deadline = time.monotonic() + wait
        with replica.cursor() as cursor:
            while True:
                cursor.execute("SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)", [str(position)])
                if cursor.fetchone()[0]:
                    return True
                if time.monotonic() >= deadline:
                    break
                time.sleep(POLL_INTERVAL)
    except DatabaseError:
        logger.warning("The replica could not be asked how far it has replayed: reading the primary.", exc_info=True)
        return False
    logger.info("The replica has not replayed %s within %.3f s: reading the primary.", position, wait)
    return False


def reads_replica_now() -> bool:
    """Whether a read issued now goes to the replica (the rules of the module's docstring)."""
    scope = _current.get()
    if scope is None or scope.wrote or not has_replica():
        return False
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return False
    if scope.caught_up is None:
        scope.caught_up = replica_caught_up(settings.DATABASE_REPLICA_WAIT_MS / 1000)
    return scope.caught_up


class PrimaryReplicaRouter:
    """`settings.DATABASE_ROUTERS`: reads by `reads_replica_now()`, writes and migrations on the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        # An alias always, never None: Django would otherwise read an instance's relations where the
        # instance was read, the replica, even out of a report's scope.
        return REPLICA if reads_replica_now() else DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        scope = _current.get()
        if scope is not None:
            scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary: an object read there is the primary's

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
