"""The migration that turns Child.photo_consent into answers to a "Droit à l'image" consent."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("consents", "0001_consent_kinds_and_answers"), ("families", "0001_initial")]
AFTER = [("consents", "0002_photo_consent_to_answers")]


def test_it_turns_each_child_s_photo_consent_into_an_answer_of_its_town() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        Town = apps.get_model("towns", "Town")
        Site = apps.get_model("towns", "Site")
        Family = apps.get_model("families", "Family")
        Child = apps.get_model("families", "Child")
        children = {}
        for slug, name in (("migration", "Migration"), ("autre", "Autre")):
            town = Town.objects.create(slug=slug, name=name, zone="B")
            site = Site.objects.create(town=town, name="École")
            family = Family.objects.create(town=town, number="1", name="DUPONT")
            for first_name, consent in (("Sarah", True), ("Chloé", False)):
                children[(slug, first_name)] = Child.objects.create(
                    town=town,
                    family=family,
                    site=site,
                    first_name=first_name,
                    last_name="DUPONT",
                    sex="F",
                    birth_date=datetime.date(2018, 3, 14),
                    photo_consent=consent,
                ).pk
        Town.objects.create(slug="vide", name="Vide", zone="A")  # no children: no kind
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        after = executor.loader.project_state(AFTER).apps
        kinds = list(
            after.get_model("consents", "ConsentKind").objects.values_list(
                "town__slug", "label", "concerns", "on_roll_call", "version"
            )
        )
        answers = {
            (slug, child_id): (given, by, version)
            for slug, child_id, given, by, version in after.get_model("consents", "ConsentAnswer").objects.values_list(
                "town__slug", "child_id", "given", "answered_by", "version"
            )
        }
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
    assert sorted(kinds) == [
        ("autre", "Droit à l'image", "child", True, 1),
        ("migration", "Droit à l'image", "child", True, 1),
    ]
    assert answers == {(slug, pk): (first_name == "Sarah", None, 1) for (slug, first_name), pk in children.items()}
