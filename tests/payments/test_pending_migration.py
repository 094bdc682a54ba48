"""The migration that keeps one pending operation per invoice or basket, on data left by the bug (issue 10)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("payments", "0002_reversals_and_baskets")]
AFTER = [("payments", "0003_one_pending_operation_per_reference")]


def test_it_keeps_the_newest_pending_operation_of_each_reference_and_supersedes_the_others() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        town = apps.get_model("towns", "Town").objects.create(slug="migration", name="Migration", zone="B")
        family = apps.get_model("families", "Family").objects.create(town=town, number="F1", name="DUPONT")
        OnlinePayment = apps.get_model("payments", "OnlinePayment")
        start = datetime.datetime(2027, 2, 10, 10, 0, tzinfo=datetime.UTC)

        def operation(reference: str, minutes: int, state: str = "initiated") -> int:
            created = OnlinePayment.objects.create(
                town=town,
                family=family,
                provider="simulator",
                amount=Decimal("258.40"),
                reference=reference,
                state=state,
                created_at=start + datetime.timedelta(minutes=minutes),
            )
            return int(created.pk)

        twice = [operation("2027000012", 0), operation("2027000012", 5)]
        thrice = [operation("PANIER7", 0), operation("PANIER7", 1), operation("PANIER7", 2)]
        alone, paid = operation("2027000013", 0), operation("2027000013", 1, "paid")
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        states = dict(
            executor.loader.project_state(AFTER)
            .apps.get_model("payments", "OnlinePayment")
            .objects.values_list("pk", "state")
        )
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
    assert [states[pk] for pk in twice] == ["superseded", "initiated"]
    assert [states[pk] for pk in thrice] == ["superseded", "superseded", "initiated"]
    assert (states[alone], states[paid]) == ("initiated", "paid")
