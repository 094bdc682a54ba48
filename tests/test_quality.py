"""The test kit itself: factories keep every row in its parent's town, the
personas are who conftest says, tests cannot reach the network, and production
hashes passwords with argon2."""

import socket

import pytest
from django.contrib.auth.hashers import identify_hasher, make_password

from ardoise import settings as project_settings
from ardoise.families.models import Child
from ardoise.towns.access import family_of, roles_of
from ardoise.towns.models import Role
from tests.factories import (
    PASSWORD,
    ActivityFactory,
    BookingFactory,
    ChildFactory,
    EnrollmentFactory,
    FamilyFactory,
    GuardianFactory,
    TariffFactory,
    TownFactory,
)


@pytest.mark.django_db
def test_it_takes_the_town_from_the_parent_object() -> None:
    family = FamilyFactory()
    child = ChildFactory(family=family)
    enrollment = EnrollmentFactory(child=child)
    booking = BookingFactory(child=child)

    assert child.town == family.town
    assert child.site.town == family.town
    assert enrollment.town == enrollment.activity.town == enrollment.school_year.town == family.town
    assert enrollment.activity.site == child.site
    assert booking.town == booking.activity.town == family.town
    assert booking.activity == enrollment.activity  # one `repas` per site


@pytest.mark.django_db
def test_it_builds_everything_in_the_town_given() -> None:
    town = TownFactory()
    guardian = GuardianFactory(town=town)
    tariff = TariffFactory(town=town, bands=[(500, "1.00"), (None, "4.10")])

    assert guardian.family.town == guardian.user.town == town
    assert tariff.activity.town == tariff.activity.site.town == town
    assert [band.town for band in tariff.bands.all()] == [town, town]


@pytest.mark.django_db
def test_it_gives_the_activities_of_the_demo() -> None:
    repas = ActivityFactory()
    mercredi = ActivityFactory(site=repas.site, mercredi=True)

    assert (repas.code, repas.weekdays, repas.deadline_weekday) == ("repas", [0, 1, 3, 4], 3)
    assert (mercredi.code, mercredi.weekdays, mercredi.needs_validation) == ("mercredi", [2], True)
    assert repas.deadline_rule.describe()


def test_it_names_the_personas(parent, co_parent, family, outsider, stranger, town, other_town) -> None:
    assert family_of(parent) == family_of(co_parent) == family
    assert sorted(Child.objects.filter(family=family).values_list("first_name", flat=True)) == ["Chloé", "Sarah"]
    assert family_of(outsider) != family
    assert outsider.town == town
    assert stranger.town == other_town
    assert parent.check_password(PASSWORD)


def test_it_gives_each_staff_member_one_role(town, front_desk, site_agent, kitchen_agent, finance_agent, town_admin):
    assert roles_of(front_desk, town) == {Role.FRONT_DESK}
    assert roles_of(site_agent, town) == {Role.SITE_AGENT}
    assert roles_of(kitchen_agent, town) == {Role.KITCHEN}
    assert roles_of(finance_agent, town) == {Role.FINANCE}
    assert roles_of(town_admin, town) == {Role.ADMIN}


def test_it_logs_a_client_in(client_for, parent) -> None:
    client = client_for(parent)
    assert client.session["_auth_user_id"] == str(parent.pk)


def test_it_blocks_the_network() -> None:
    with socket.socket() as sock, pytest.raises(OSError, match="network"):
        sock.connect(("192.0.2.1", 80))


def test_it_hashes_passwords_with_argon2_in_production(settings) -> None:
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # undoes conftest's MD5
    assert identify_hasher(make_password("un mot de passe")).algorithm == "argon2"
