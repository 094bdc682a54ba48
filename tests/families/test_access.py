"""Family records are reached through `families.access`: 404 for anything outside the caller's reach."""

import pytest
from django.http import Http404

from ardoise.accounts.models import User
from ardoise.families.access import access_child, access_family, access_guardian, access_person
from ardoise.families.models import AuthorisedPerson, Child, Family
from ardoise.towns.models import Town
from tests.factories import ChildFactory, FamilyFactory, GuardianFactory

pytestmark = pytest.mark.django_db

# Not a number, zero, negative, and beyond the database's integers (2**63 overflows SQLite's).
UNREACHABLE_IDS = ["abc", None, 0, -1, 2**63, 10**30]


def person_of(child: Child) -> AuthorisedPerson:
    return AuthorisedPerson.objects.create(
        town=child.town, child=child, first_name="Jean", last_name="MARTIN", phone="06"
    )


def test_it_gives_the_family_s_own_records(town: Town, family: Family, children: list[Child], parent: User) -> None:
    sarah = children[0]
    guardian = parent.guardian
    person = person_of(sarah)
    assert access_family(town, family.pk) == family
    assert access_child(family, sarah.pk) == sarah
    assert access_guardian(family, guardian.pk) == guardian
    assert access_person(sarah, person.pk) == person


def test_it_answers_404_for_another_family_or_town(
    town: Town, other_town: Town, family: Family, children: list[Child]
) -> None:
    other = FamilyFactory(town=town)
    their_child = ChildFactory(family=other, site=children[0].site)
    their_guardian = GuardianFactory(family=other)
    their_person = person_of(their_child)
    checks = [
        lambda: access_family(other_town, family.pk),
        lambda: access_child(family, their_child.pk),
        lambda: access_guardian(family, their_guardian.pk),
        lambda: access_person(children[0], their_person.pk),
    ]
    for check in checks:
        with pytest.raises(Http404):
            check()


@pytest.mark.parametrize("unreachable", UNREACHABLE_IDS)
def test_it_answers_404_for_an_id_that_cannot_be_one(
    town: Town, family: Family, children: list[Child], unreachable: object
) -> None:
    for check in (
        lambda: access_family(town, unreachable),  # type: ignore[arg-type]
        lambda: access_child(family, unreachable),  # type: ignore[arg-type]
        lambda: access_guardian(family, unreachable),  # type: ignore[arg-type]
        lambda: access_person(children[0], unreachable),  # type: ignore[arg-type]
    ):
        with pytest.raises(Http404):
            check()
