"""The demo town's statements: its accessibility statement (partially conforming, from an audit four months ago)
and its processing notice, on their public pages."""

import pytest
from django.test import Client

from ardoise.legal.queries import conformity_of
from ardoise.legal.rules import Conformity
from ardoise.towns.models import Town
from tests.demo.dates import TODAY

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("demo")
def test_the_demo_town_publishes_its_statements() -> None:
    town = Town.objects.get(slug="demo")
    assert conformity_of(town, TODAY) is Conformity.PARTIAL
    statement = Client().get("/demo/accessibilite/").content.decode()
    assert "<strong>partiellement conforme</strong>" in statement
    assert "84 % des critères" in statement or "84,00 % des critères" in statement
    assert "schema-pluriannuel-2025-2027.pdf" in statement
    assert "Accessibilité : partiellement conforme" in statement
    notice = Client().get("/demo/donnees-personnelles/").content.decode()
    assert "dpo@saint-exemple.demo.test" in notice
    assert "cuisine centrale intercommunale" in notice
