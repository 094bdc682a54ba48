# ruff: noqa: F811 — `world` is the permission tests' fixture, imported to be used by name.
"""Health and diet data, reviewed against the CNIL's reference for school and périscolaire services
(NS-058; docs/privacy.md, "Health and diet data"): diets said as food, never as a belief; the forms
that collect the health record say so; each role sees only the health data it needs."""

import html as html_module
import unicodedata

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.families.models import HEALTH_HELP_TEXTS, Child, Diet, Family
from ardoise.towns.models import Town
from tests.backoffice.test_permissions import (
    ALLERGY,
    HEALTH_NOTE,
    KITCHEN,
    PAI,
    Page,
    fetch,
    query_of,
    roles_for,
    url_of,
    world,  # noqa: F401 — the fixture, used by name
)
from tests.backoffice.test_permissions import PAGES as STAFF_PAGES

pytestmark = pytest.mark.django_db

# Words that name a religion, a rite or a belief rather than food (folded: no accents, lower case).
BELIEFS = (
    "halal",
    "hallal",
    "casher",
    "cacher",
    "kasher",
    "kosher",
    "religi",
    "confession",
    "culte",
    "cultuel",
    "musulman",
    "islam",
    "juif",
    "juive",
    "chretien",
    "catholique",
    "hindou",
    "bouddhiste",
    "ramadan",
    "careme",
    "conviction",
)
DOCTOR = "Dr SECRETMEDECIN"


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")


def test_every_diet_is_said_as_food_never_as_a_belief() -> None:
    for value, label in Diet.choices:
        for word in BELIEFS:
            assert word not in fold(value), value
            assert word not in fold(str(label)), label


def test_no_sans_porc_without_its_meatless_and_vegetarian_alternatives() -> None:
    # "Sans porc" stays (the reference lets towns offer it as a food choice); the choices also say
    # what a family may ask without any belief behind it.
    assert {Diet.NO_PORK.label, Diet.NO_MEAT.label, Diet.VEGETARIAN.label} <= {label for _v, label in Diet.choices}


def test_the_staff_child_form_says_what_not_to_write(client_for, front_desk: User, family: Family, town: Town) -> None:
    child = family.children.order_by("birth_date")[0]
    url = reverse("backoffice:child_edit", args=[town.slug, family.pk, child.pk])
    html = client_for(front_desk).get(url).content.decode()
    for text in HEALTH_HELP_TEXTS.values():
        assert str(text) in html_module.unescape(html)


def test_the_parents_change_form_says_what_not_to_write(client_for, parent: User, family: Family, town: Town) -> None:
    child = family.children.order_by("birth_date")[0]
    html = client_for(parent).get(reverse("portal:record_child", args=[town.slug, child.pk])).content.decode()
    for text in HEALTH_HELP_TEXTS.values():
        assert str(text) in html_module.unescape(html)


def _kitchen_pages() -> list[Page]:
    return [page for page in STAFF_PAGES if KITCHEN in roles_for(page)]


def test_the_kitchen_reads_allergies_pai_and_diets_for_its_meals(town: Town, world, kitchen_agent, client_for) -> None:
    Child.objects.filter(pk=world.child.pk).update(diet=Diet.NO_MEAT)
    client = client_for(kitchen_agent)
    period = "?start=2027-03-09&end=2027-03-09"
    _status, html = fetch(client, reverse("backoffice:kitchen", args=[town.slug]) + period)
    _status, csv = fetch(client, reverse("backoffice:kitchen_csv", args=[town.slug]) + period)
    for shown in (html, csv):
        assert ALLERGY in shown
        assert PAI in shown
        assert "Sans viande" in shown


def test_the_kitchen_never_reads_the_rest_of_the_health_record(
    town: Town, world, kitchen_agent: User, client_for
) -> None:
    Child.objects.filter(pk=world.child.pk).update(doctor=DOCTOR, wears_glasses=True)
    client = client_for(kitchen_agent)
    pages = _kitchen_pages()
    assert pages
    for page in pages:
        base = url_of(page, town, world)
        for query in (query_of(world), "?start=2027-03-08&end=2027-03-12"):
            _status, html = fetch(client, base + query)
            for secret in (HEALTH_NOTE, DOCTOR):
                assert secret not in html, f"{page.name} shows {secret} to the kitchen"
    # Nor the record itself, nor the roll call (whose flags are for the site's agents).
    family_page = reverse("backoffice:family", args=[town.slug, world.family.pk])
    assert client.get(family_page).status_code in {403, 404}
    roll_call = reverse("backoffice:roll_call", args=[town.slug]) + query_of(world)
    assert client.get(roll_call).status_code in {403, 404}


def test_finance_never_gets_health_data_even_asking_for_it(town: Town, world, finance_agent: User, client_for) -> None:
    client: Client = client_for(finance_agent)
    url = reverse("backoffice:export_families", args=[town.slug])
    for fmt in ("csv", "xlsx"):
        status, body = fetch(client, url + f"?format={fmt}&health=on")
        assert status == 200
        for secret in (ALLERGY, PAI, HEALTH_NOTE, "Allergies", "Régime alimentaire"):
            assert secret not in body


def test_the_api_exposes_no_health_field(town: Town) -> None:
    document = Client().get(f"/{town.slug}/api/v1/openapi.json").json()
    properties = {
        name for schema in document["components"]["schemas"].values() for name in schema.get("properties", {})
    }
    assert properties  # the document describes its schemas
    assert not properties & {"allergies", "has_pai", "pai_details", "diet", "wears_glasses", "doctor", "health_notes"}
