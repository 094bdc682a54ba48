"""The parents' "Autorisations" page and the gate that asks before anything else."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.consents import actions
from ardoise.consents.models import Concerns, ConsentAnswer, ConsentKind
from ardoise.families.models import Family
from tests.factories import ConsentKindFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(town: Any) -> ConsentKind:
    return ConsentKindFactory(town=town, code="droit-image", label="Droit à l'image", short_label="Photo")


@pytest.fixture
def rules(town: Any) -> ConsentKind:
    return ConsentKindFactory(
        town=town,
        code="reglement",
        label="Règlement intérieur",
        concerns=Concerns.FAMILY,
        text="Je reconnais avoir pris connaissance du règlement.",
    )


def page(town: Any) -> str:
    return reverse("portal:consents", args=[town.slug])


def answer_all(family: Family, parent: User, *kinds: ConsentKind) -> None:
    for kind in kinds:
        for child in family.children.all() if kind.per_child else [None]:
            actions.answer(family, kind, child, True, by=parent)


def test_it_takes_a_parent_to_the_consents_before_anything_else(
    town: Any, parent: User, rules: ConsentKind, client_for: Any
) -> None:
    response = client_for(parent).get(reverse("portal:planning", args=[town.slug]))
    assert response.status_code == 302
    assert response["Location"] == page(town) + "?next=%2Fsaint-exemple%2Fplanning%2F"


def test_it_shows_each_kind_per_child_with_its_text_and_no_answer_yet(
    town: Any, parent: User, photo: ConsentKind, rules: ConsentKind, client_for: Any
) -> None:
    html = client_for(parent).get(page(town)).content.decode()
    assert "Avant de continuer" in html
    assert "Je reconnais avoir pris connaissance du règlement." in html
    assert "Droit à l&#x27;image — Sarah" in html
    assert "Droit à l&#x27;image — Chloé" in html
    assert html.count("Sans réponse") == 3


def test_it_lets_the_parent_through_once_every_kind_is_answered_even_by_no(
    town: Any, family: Family, parent: User, photo: ConsentKind, rules: ConsentKind, client_for: Any
) -> None:
    client = client_for(parent)
    sarah, chloe = family.children.order_by("birth_date")
    home = reverse("portal:home", args=[town.slug])
    for kind, child, given in ((photo, sarah, "non"), (photo, chloe, "oui")):
        response = client.post(page(town), {"kind": kind.pk, "child": child.pk, "given": given, "next": home})
        assert response["Location"].startswith(page(town))  # still one to answer
    response = client.post(page(town), {"kind": rules.pk, "given": "oui", "next": home})
    assert response["Location"] == home
    assert client.get(home).status_code == 200
    assert dict(ConsentAnswer.objects.filter(kind=photo).values_list("child__first_name", "given")) == {
        "Sarah": False,
        "Chloé": True,
    }


def test_it_asks_again_when_a_new_version_is_published(
    town: Any, family: Family, parent: User, rules: ConsentKind, town_admin: User, client_for: Any
) -> None:
    answer_all(family, parent, rules)
    client = client_for(parent)
    assert client.get(reverse("portal:home", args=[town.slug])).status_code == 200
    actions.publish_version(rules, "Règlement 2027.", actor=town_admin, today=rules.version_published_on)
    assert client.get(reverse("portal:home", args=[town.slug])).status_code == 302


def test_it_withdraws_a_consent_at_once(
    town: Any, family: Family, parent: User, photo: ConsentKind, client_for: Any
) -> None:
    answer_all(family, parent, photo)
    sarah = family.children.get(first_name="Sarah")
    client = client_for(parent)
    html = client.get(page(town)).content.decode()
    assert "Retirer mon accord" in html
    response = client.post(page(town), {"kind": photo.pk, "child": sarah.pk, "given": "non"}, follow=True)
    assert "« Droit à l&#x27;image » : refusé pour Sarah." in response.content.decode()
    assert ConsentAnswer.objects.filter(child=sarah).latest("answered_at", "pk").given is False


def test_it_answers_404_for_another_family_s_child_or_another_town_s_kind(
    town: Any, parent: User, outsider: User, stranger: User, photo: ConsentKind, client_for: Any
) -> None:
    leo = outsider.guardian.family.children.get()
    client = client_for(parent)
    assert client.post(page(town), {"kind": photo.pk, "child": leo.pk, "given": "oui"}).status_code == 404
    elsewhere = ConsentKindFactory(town=stranger.town)
    sarah = parent.guardian.family.children.all()[0]
    assert client.post(page(town), {"kind": elsewhere.pk, "child": sarah.pk, "given": "oui"}).status_code == 404
    assert client.post(page(town), {"kind": "x", "given": "oui"}).status_code == 404
    assert not ConsentAnswer.objects.exists()


def test_it_needs_the_csrf_token(town: Any, parent: User, rules: ConsentKind) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)
    assert client.post(page(town), {"kind": rules.pk, "given": "oui"}).status_code == 403
    assert not ConsentAnswer.objects.exists()


def test_it_does_not_gate_staff_the_api_or_the_account_pages(
    town: Any, parent: User, front_desk: User, rules: ConsentKind, client_for: Any
) -> None:
    assert client_for(front_desk).get(reverse("backoffice:home", args=[town.slug])).status_code == 200
    client = client_for(parent)
    assert client.get(reverse("accounts:password_change", args=[town.slug])).status_code == 200
    assert client.get(f"/{town.slug}/api/v1/activities").status_code == 401  # the API answers, not the gate
    assert client.post(reverse("accounts:logout", args=[town.slug])).status_code == 302
