"""A real primary and its streaming replica (scripts/pg-replica.sh): the reports read the replica, a booking never.

The module starts its own pair of servers (a few seconds) and points `default` and `replica` at
them for its tests, then back at the test database: pytest-django's test database has no replica,
and what is written here must be committed for the replica to replay it. The tables are made from
the models (as `TEST: {"MIGRATE": False}` does), not by the migrations: the test is about where
reads go, and the whole migration history would take half a minute on a busy machine.

Each test has a town of its own; queries are captured per alias, so "never read from the replica"
means no query at all reached it.
"""

import datetime
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
import time_machine
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings.models import Booking
from ardoise.families.models import Child
from ardoise.towns import replica
from ardoise.towns.models import Role, Town
from ardoise.towns.replica import REPLICA, replica_caught_up
from tests.factories import (
    ActivityFactory,
    BookingFactory,
    ChildFactory,
    EnrollmentFactory,
    GuardianFactory,
    SchoolYearFactory,
    TariffFactory,
    TownFactory,
    staff_member,
)
from tests.moment import NEXT_MONDAY, NOW

pytestmark = pytest.mark.postgres

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pg-replica.sh"
PASSWORD = "correct-horse-battery"


def pg_replica(action: str, folder: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON": sys.executable}
    command = [str(SCRIPT), action, folder]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, env=env, check=False)  # noqa: S603 (our script)


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    """A primary and its replica, streaming; both stopped and removed at the end, whatever happens."""
    # In /tmp, not pytest's private temporary folder: as root, the servers run as the postgres user.
    folder = tempfile.mkdtemp(prefix="ardoise-replica-", dir="/tmp")
    try:
        started = pg_replica("start", folder)
        assert started.returncode == 0, started.stderr
        yield {**dict(line.split("=", 1) for line in started.stdout.split()), "DIR": folder}
    finally:
        pg_replica("stop", folder)


@pytest.fixture(scope="module")
def primary_and_replica(servers: dict[str, str], django_db_blocker: Any) -> Iterator[None]:
    """`default` is the primary and `replica` its replica for the module's tests; then the test database again."""
    saved_settings = connections.settings
    saved = {alias: connections[alias] for alias in saved_settings}
    configured = connections.configure_settings(
        {
            DEFAULT_DB_ALIAS: dj_database_url.parse(servers["DATABASE_URL"]),
            REPLICA: dj_database_url.parse(servers["DATABASE_REPLICA_URL"]),
        }
    )
    with django_db_blocker.unblock():
        connections.settings = configured
        for alias in saved:
            del connections[alias]
        ContentType.objects.clear_cache()  # its ids are those of the test database
        cache.clear()
        try:
            with override_settings(MIGRATION_MODULES={app.label: None for app in apps.get_app_configs()}):
                call_command("migrate", run_syncdb=True, verbosity=0, database=DEFAULT_DB_ALIAS)
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("SELECT pg_is_in_recovery()")
                assert cursor.fetchone() == (True,)  # a standby indeed
            yield
        finally:
            for alias in configured:
                connections[alias].close()
                del connections[alias]
            connections.settings = saved_settings
            for alias, connection in saved.items():
                connections[alias] = connection
            ContentType.objects.clear_cache()
            cache.clear()


@dataclass
class Place:
    town: Town
    meals: Activity
    child: Child
    parent: User
    kitchen_agent: User


@pytest.fixture
def place(primary_and_replica: None) -> Place:
    """A town of its own: a school's meals, a child enrolled whose parent books, a kitchen agent; replayed."""
    with time_machine.travel(NOW, tick=False):
        town = TownFactory()
        year = SchoolYearFactory(town=town, start_year=2026)
        child = ChildFactory(town=town, first_name="Sarah")
        meals = ActivityFactory(town=town, site=child.site)
        TariffFactory(activity=meals, valid_from=datetime.date(2026, 9, 1))
        EnrollmentFactory(child=child, activity=meals, school_year=year)
        parent = GuardianFactory(family=child.family, email=f"parent@{town.slug}.test").user
        parent.set_password(PASSWORD)
        parent.save()
        kitchen_agent = staff_member(town, Role.KITCHEN, email=f"cuisine@{town.slug}.test")
    replayed()
    return Place(town, meals, child, parent, kitchen_agent)


def replayed() -> None:
    """Waits until the replica has replayed all the primary wrote (a few milliseconds; 20 s at most)."""
    assert replica_caught_up(wait=20)


def replica_cursor_value(sql: str) -> Any:
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


@pytest.fixture
def replay_paused(primary_and_replica: None) -> Iterator[None]:
    """The replica receives the primary's WAL but replays none of it: it lags, for as long as the test wants."""
    replica_cursor_value("SELECT pg_wal_replay_pause()")
    try:
        deadline = time.monotonic() + 20
        while replica_cursor_value("SELECT pg_get_wal_replay_pause_state()") != "paused":
            assert time.monotonic() < deadline, "the replica did not pause its replay"
            time.sleep(0.01)
        yield
    finally:
        replica_cursor_value("SELECT pg_wal_replay_resume()")


def kitchen_url(town: Town, day: datetime.date) -> str:
    return reverse("backoffice:kitchen", args=[town.slug]) + f"?start={day}&end={day}"


def touches_bookings(queries: CaptureQueriesContext) -> bool:
    return any('"bookings_booking"' in query["sql"] for query in queries.captured_queries)


def book_monday(place: Place) -> Any:
    """The parent books next Monday's meal through the API (a token, then the booking)."""
    client, base = Client(), f"/{place.town.slug}/api/v1/"
    token = client.post(
        base + "auth/token",
        json.dumps({"login": place.parent.email, "password": PASSWORD}),
        content_type="application/json",
    ).json()["token"]
    change = {"date": NEXT_MONDAY.isoformat(), "activity_id": place.meals.pk, "book": True}
    return client.post(
        f"{base}children/{place.child.pk}/bookings",
        json.dumps({"changes": [change]}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_the_kitchen_counts_are_read_from_the_replica(place: Place, settings: Any) -> None:
    settings.DATABASE_REPLICA_WAIT_MS = 20_000  # a loaded machine may replay late: here the replica must answer
    with time_machine.travel(NOW, tick=False):
        BookingFactory(child=place.child, activity=place.meals, date=NEXT_MONDAY)
        replayed()
        client = Client()
        client.force_login(place.kitchen_agent)
        with (
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
        ):
            response = client.get(kitchen_url(place.town, NEXT_MONDAY))
    assert response.status_code == 200
    assert "— 1 repas" in response.content.decode()
    assert touches_bookings(on_replica)
    assert not touches_bookings(on_primary)  # the primary: the session, the town, who may see the counts
    # The replica's queries: the "caught up?" question, then the report itself.
    assert "pg_last_wal_replay_lsn" in on_replica.captured_queries[0]["sql"]


@pytest.fixture
def replica_stops_mid_report(servers: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The replica answers that it has caught up, then stops (fast: its sessions are cut) before the report
    reads anything from it; started again afterwards for the other tests."""
    caught_up = replica.replica_caught_up

    def then_stopped(wait: float) -> bool:
        assert caught_up(wait)
        stopped = pg_replica("stop-replica", servers["DIR"])
        assert stopped.returncode == 0, stopped.stderr
        return True

    monkeypatch.setattr(replica, "replica_caught_up", then_stopped)
    try:
        yield
    finally:
        connections[REPLICA].close()
        started = pg_replica("start-replica", servers["DIR"])
        assert started.returncode == 0, started.stderr
        replayed()


def test_a_replica_failing_mid_report_serves_the_report_from_the_primary(
    place: Place, replica_stops_mid_report: None, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.DATABASE_REPLICA_WAIT_MS = 20_000
    with time_machine.travel(NOW, tick=False):
        BookingFactory(child=place.child, activity=place.meals, date=NEXT_MONDAY)
        client = Client()
        client.force_login(place.kitchen_agent)
        with (
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
            caplog.at_level(logging.WARNING, logger="ardoise.towns.replica"),
        ):
            response = client.get(kitchen_url(place.town, NEXT_MONDAY))
    assert response.status_code == 200
    assert "— 1 repas" in response.content.decode()  # the booking, counted on the primary
    assert touches_bookings(on_primary)
    assert [record.getMessage() for record in caplog.records] == [
        "The replica failed during a report: reading the primary."
    ]
    assert caplog.records[0].exc_info is not None  # the replica's error, for whoever reads the log


def test_a_booking_never_reads_the_replica_and_the_report_after_it_counts_it(
    place: Place, replay_paused: None, settings: Any
) -> None:
    settings.DATABASE_REPLICA_WAIT_MS = 100
    with time_machine.travel(NOW, tick=False):
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            booked = book_monday(place)
        assert booked.status_code == 200, booked.content
        assert on_replica.captured_queries == []
        assert Booking.objects.filter(child=place.child, date=NEXT_MONDAY).count() == 1
        assert not Booking.objects.using(REPLICA).filter(child=place.child).exists()  # it lags indeed

        # The kitchen asks right after: the replica has not replayed the booking, so the counts come
        # from the primary, after waiting DATABASE_REPLICA_WAIT_MS for the replica in vain.
        client = Client()
        client.force_login(place.kitchen_agent)
        with (
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
        ):
            response = client.get(kitchen_url(place.town, NEXT_MONDAY))
    assert "— 1 repas" in response.content.decode()
    assert touches_bookings(on_primary)
    assert not touches_bookings(on_replica)
    assert all("pg_last_wal_replay_lsn" in query["sql"] for query in on_replica.captured_queries)


def test_a_streamed_export_reads_its_rows_from_the_replica(place: Place, settings: Any) -> None:
    settings.DATABASE_REPLICA_WAIT_MS = 20_000
    front_desk = staff_member(place.town, Role.FRONT_DESK, email=f"accueil@{place.town.slug}.test")
    replayed()
    client = Client()
    client.force_login(front_desk)
    url = reverse("backoffice:export_families", args=[place.town.slug]) + "?format=csv"
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        response = client.get(url)
        content = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert "Sarah" in content
    assert any('"families_child"' in query["sql"] for query in on_replica.captured_queries)
    assert not any('"families_child"' in query["sql"] for query in on_primary.captured_queries)
    # The export is audited, on the primary.
    assert any('INSERT INTO "audit_' in query["sql"] for query in on_primary.captured_queries)
