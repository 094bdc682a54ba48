"""API v1: GET and POST consents (list, give, withdraw)."""

from typing import Any

import pytest

from ardoise.accounts.models import User
from ardoise.consents.models import Concerns, ConsentAnswer, ConsentKind
from ardoise.families.models import Family
from tests.api.test_api import login
from tests.factories import ActivityFactory, ConsentKindFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kinds(family: Family) -> tuple[ConsentKind, ConsentKind]:
    wednesday = ActivityFactory(town=family.town, site=family.children.all()[0].site, code="mercredi")
    outings = ConsentKindFactory(
        town=family.town, code="sorties", label="Sorties et déplacements", needed_by=[wednesday], position=1
    )
    rules = ConsentKindFactory(town=family.town, code="reglement", concerns=Concerns.FAMILY, position=2)
    return outings, rules


def test_it_lists_each_kind_with_the_family_s_current_answers(
    parent: User, family: Family, kinds: tuple[ConsentKind, ConsentKind]
) -> None:
    outings, _rules = kinds
    api = login(parent)
    sarah, chloe = family.children.order_by("birth_date")
    assert api.post("consents", {"kind": "sorties", "child_id": sarah.pk, "given": True}).status_code == 201
    body = api.get("consents").json()
    assert [kind["kind"] for kind in body] == ["sorties", "reglement"]
    assert body[0]["concerns"] == "child"
    assert body[0]["needed_by"] == [outings.needed_by.get().pk]
    answers = {answer["child_id"]: answer["given"] for answer in body[0]["answers"]}
    assert answers == {sarah.pk: True, chloe.pk: None}
    assert body[1]["answers"] == [{"child_id": None, "version": 1, "given": None, "answered_at": None}]


def test_it_gives_and_withdraws_for_the_current_version(
    parent: User, family: Family, kinds: tuple[ConsentKind, ConsentKind]
) -> None:
    api = login(parent)
    first = api.post("consents", {"kind": "reglement", "child_id": None, "given": True})
    assert first.status_code == 201
    assert first.json()["version"] == 1
    assert api.post("consents", {"kind": "reglement", "given": False}).json()["given"] is False
    assert [answer.given for answer in ConsentAnswer.objects.order_by("pk")] == [True, False]
    assert api.get("consents").json()[1]["answers"][0]["given"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "inconnue", "given": True},
        {"kind": "sorties", "given": True},  # a child's consent without the child
        {"kind": "reglement", "given": "oui"},
        {"kind": "reglement"},
        {"kind": "reglement", "given": True, "extra": 1},
    ],
)
def test_it_refuses_bad_input_with_422(
    parent: User, kinds: tuple[ConsentKind, ConsentKind], body: dict[str, Any]
) -> None:
    response = login(parent).post("consents", body)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert not ConsentAnswer.objects.exists()


def test_it_answers_404_for_another_family_s_child(
    parent: User, outsider: User, kinds: tuple[ConsentKind, ConsentKind]
) -> None:
    leo = outsider.guardian.family.children.get()
    response = login(parent).post("consents", {"kind": "sorties", "child_id": leo.pk, "given": True})
    assert response.status_code == 404
    assert not ConsentAnswer.objects.exists()


def test_it_shows_the_operations_in_the_openapi_document(parent: User) -> None:
    document = login(parent).get("openapi.json").json()
    operations = document["paths"]["/saint-exemple/api/v1/consents"]
    assert {"get", "post"} <= set(operations)
    assert {"201", "401", "404", "422"} <= {str(status) for status in operations["post"]["responses"]}
