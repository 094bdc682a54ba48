"""The family search costs the same number of queries for 5 families as for 50."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.towns.models import Site, Town
from tests.factories import ChildFactory, FamilyFactory, GuardianFactory


def make_families(town: Town, site: Site, count: int) -> None:
    for index in range(count):
        family = FamilyFactory(town=town, name=f"BLANC{index:03d}")
        ChildFactory(family=family, site=site)
        ChildFactory(family=family, site=site)
        GuardianFactory(family=family, user=None)


def queries_for(client: Client, town: Town, **params: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("backoffice:families", args=[town.slug]), params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("params", [{}, {"q": "BLANC"}, {"q": "1"}, {"q": "x@example.test"}, {"archived": "on"}])
def test_it_searches_in_a_constant_number_of_queries(
    client_for: Callable[[User], Client], front_desk: User, town: Town, site: Site, params: dict[str, str]
) -> None:
    client = client_for(front_desk)
    make_families(town, site, 5)
    few = queries_for(client, town, **params)
    make_families(town, site, 45)
    many = queries_for(client, town, **params)
    assert few == many
    assert many <= 8
