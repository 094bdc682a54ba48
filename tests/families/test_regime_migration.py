"""The migration that turns the family's free-text régime into a choice (CAF, MSA, other)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("families", "0003_remove_child_photo_consent")]
AFTER = [("families", "0004_regime_choices_and_qf_consent")]


def test_it_maps_each_written_regime_to_its_choice_and_keeps_unknown_empty() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        town = apps.get_model("towns", "Town").objects.create(slug="regimes", name="Régimes", zone="C")
        Family = apps.get_model("families", "Family")
        written = {
            "1": "Régime général",
            "2": "CAF",
            "3": "MSA",
            "4": "Mutualité sociale agricole",
            "5": "Fonctionnaire (SNCF)",
            "6": "",
        }
        for number, text in written.items():
            Family.objects.create(town=town, number=number, name=f"FAMILLE {number}", caf_regime=text)
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        after = executor.loader.project_state(AFTER).apps
        regimes = dict(
            after.get_model("families", "Family")
            .objects.filter(town__slug="regimes")
            .values_list("number", "caf_regime")
        )
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
    assert regimes == {"1": "caf", "2": "caf", "3": "msa", "4": "msa", "5": "other", "6": ""}
