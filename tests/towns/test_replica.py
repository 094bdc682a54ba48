"""Where the router sends a read: the rules of ardoise/towns/replica.py, without servers.

The real primary and streaming replica are in test_replica_streaming.py; here the replica is
declared present and caught up (or not) so that each rule is seen on its own.
"""

import logging
from collections.abc import Iterator

import pytest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, OperationalError, connections

from ardoise.families.models import Family
from ardoise.towns import replica
from ardoise.towns.replica import REPLICA, PrimaryReplicaRouter, reads_from_replica, rows_from_replica
from tests.factories import FamilyFactory

router = PrimaryReplicaRouter()


@pytest.fixture
def replica_present(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A replica declared, always caught up; the list records each time a scope asked (with its wait)."""
    asked: list[float] = []

    def caught_up(wait: float) -> bool:
        asked.append(wait)
        return True

    monkeypatch.setattr(replica, "has_replica", lambda: True)
    monkeypatch.setattr(replica, "replica_caught_up", caught_up)
    return asked


def test_it_reads_the_primary_out_of_a_report(replica_present: list[float]) -> None:
    assert router.db_for_read(Family) == DEFAULT_DB_ALIAS
    assert replica_present == []


def test_it_reads_the_replica_in_a_report_asking_once_if_it_has_caught_up(replica_present: list[float]) -> None:
    with reads_from_replica():
        assert router.db_for_read(Family) == REPLICA
        assert router.db_for_read(Family) == REPLICA
    assert replica_present == [0.5]  # DATABASE_REPLICA_WAIT_MS, once per scope
    assert router.db_for_read(Family) == DEFAULT_DB_ALIAS


def test_it_reads_the_primary_when_the_replica_lags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replica, "has_replica", lambda: True)
    monkeypatch.setattr(replica, "replica_caught_up", lambda wait: False)
    with reads_from_replica():
        assert router.db_for_read(Family) == DEFAULT_DB_ALIAS


def test_it_reads_the_primary_after_a_write_in_the_report(replica_present: list[float]) -> None:
    with reads_from_replica():
        assert router.db_for_read(Family) == REPLICA
        assert router.db_for_write(Family) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Family) == DEFAULT_DB_ALIAS


@pytest.mark.django_db
def test_it_reads_the_primary_inside_a_transaction(replica_present: list[float]) -> None:
    assert connections[DEFAULT_DB_ALIAS].in_atomic_block  # the test's own transaction
    with reads_from_replica():
        assert router.db_for_read(Family) == DEFAULT_DB_ALIAS


def test_a_nested_report_is_the_outer_one(replica_present: list[float]) -> None:
    with reads_from_replica() as outer:
        with reads_from_replica() as inner:
            assert inner is outer
            router.db_for_write(Family)
        assert router.db_for_read(Family) == DEFAULT_DB_ALIAS


def test_a_decorated_function_reads_the_replica_only_while_it_runs(replica_present: list[float]) -> None:
    @reads_from_replica()
    def report() -> str:
        return router.db_for_read(Family)

    assert report() == REPLICA
    assert report() == REPLICA
    assert router.db_for_read(Family) == DEFAULT_DB_ALIAS
    assert replica_present == [0.5, 0.5]  # a scope per call


def test_streamed_rows_read_the_replica_only_while_each_row_is_read(replica_present: list[float]) -> None:
    def rows() -> Iterator[str]:
        for _ in range(3):
            yield router.db_for_read(Family)

    seen = []
    for row in rows_from_replica(rows()):
        seen.append(row)
        assert router.db_for_read(Family) == DEFAULT_DB_ALIAS  # between rows, the caller's own reads
    assert seen == [REPLICA] * 3
    assert replica_present == [0.5]  # one scope for the stream


def test_without_a_replica_every_read_is_on_the_primary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replica, "has_replica", lambda: False)  # no DATABASE_REPLICA_URL
    with reads_from_replica():
        assert router.db_for_read(Family) == DEFAULT_DB_ALIAS
    assert list(rows_from_replica([1, 2])) == [1, 2]


def test_it_migrates_the_primary_only() -> None:
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "families")
    assert not router.allow_migrate(REPLICA, "families")


@pytest.fixture
def unusable_replica(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A `replica` connection whose database cannot be opened, said present and caught up: its first read fails.

    Out of a transaction (the report may read the replica). The connection is made from settings
    that declare the alias, which are then put back: Django's test case forbids connecting to an
    alias of the settings that the test did not ask for, and flushing an unusable one would fail.
    """
    saved = connections.settings
    connections.settings = connections.configure_settings(
        {**saved, REPLICA: {"ENGINE": "django.db.backends.sqlite3", "NAME": "/nonexistent/replica.sqlite3"}}
    )
    unusable = connections[REPLICA]
    connections.settings = saved
    monkeypatch.setattr(replica, "has_replica", lambda: True)
    monkeypatch.setattr(replica, "replica_caught_up", lambda wait: True)
    try:
        yield
    finally:
        unusable.close()
        del connections[REPLICA]


def test_a_report_whose_replica_fails_reads_the_primary_once(
    unusable_replica: None, caplog: pytest.LogCaptureFixture
) -> None:
    FamilyFactory(name="DUPONT")
    calls: list[str] = []

    @reads_from_replica()
    def report() -> list[str]:
        calls.append(router.db_for_read(Family))
        return list(Family.objects.values_list("name", flat=True))

    with caplog.at_level(logging.WARNING, logger="ardoise.towns.replica"):
        assert report() == ["DUPONT"]
    assert calls == [REPLICA, DEFAULT_DB_ALIAS]
    assert [record.getMessage() for record in caplog.records] == [
        "The replica failed during a report: reading the primary."
    ]
    # The next report tries the replica again: it may be back.
    with pytest.raises(OperationalError), reads_from_replica():  # a `with` block is not run again
        list(Family.objects.all())


@pytest.mark.django_db(transaction=True)
def test_a_failure_of_the_primary_in_a_report_is_not_retried(replica_present: list[float]) -> None:
    calls = 0

    @reads_from_replica()
    def report() -> None:
        nonlocal calls
        calls += 1
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    with pytest.raises(DatabaseError):
        report()
    assert calls == 1
