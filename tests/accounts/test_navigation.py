"""The menu shows each staff member only the pages their roles open."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def menu_of(client, town) -> set[str]:
    html = client.get(reverse("backoffice:home", args=[town.slug])).content.decode()
    nav = html[html.index("<nav") : html.index("</nav>")]
    return {re.sub(r"\s+", " ", label).strip() for label in re.findall(r"<a[^>]*>([^<]+)</a>", nav)}


def test_it_shows_the_kitchen_its_pages_and_not_finance_ones(town, kitchen_agent, client_for):
    menu = menu_of(client_for(kitchen_agent), town)
    assert "Cuisine" in menu
    assert "Facturation" not in menu
    assert "Familles" not in menu


def test_it_keeps_the_roll_call_and_family_records_from_finance(town, finance_agent, client_for):
    menu = menu_of(client_for(finance_agent), town)
    assert "Accueil" in menu
    assert "Pointage" not in menu
    assert "Familles" not in menu


def test_it_shows_an_administrator_everything(town, town_admin, client_for):
    menu = menu_of(client_for(town_admin), town)
    assert {"Familles", "Pointage", "Cuisine", "Facturation", "Configuration"} <= menu


def test_it_shows_finance_the_exports(town, finance_agent, client_for):
    assert "Exports" in menu_of(client_for(finance_agent), town)
