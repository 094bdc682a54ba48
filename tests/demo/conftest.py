"""The demo towns, built once per test module (DEMO.md's town and the prepayment town beside it)."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from ardoise.demo import prepaid_town
from ardoise.demo.builder import build_demo, delete_town
from ardoise.towns.models import Town
from tests.demo.dates import TODAY


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Town]:
    with django_db_blocker.unblock():
        jobs_before = set(DBTaskResult.objects.values_list("pk", flat=True))
        town = build_demo(TODAY)
        if connection.vendor == "postgresql":
            # Tables just filled have no statistics until autovacuum passes by; a plan made before it once ran a
            # nested loop over the billed bookings for fourteen minutes (test_history). Statistics now.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        yield town
        # Both towns the build made: a town left behind would count in every later test of the worker.
        delete_town("demo")
        delete_town(prepaid_town.SLUG)
        # So are the jobs it queued (e-mails, scheduled tasks): they belong to no town.
        DBTaskResult.objects.exclude(pk__in=jobs_before).delete()
