"""Shared fixtures: fast hashing, no network, and the people of Ardoise's tests.

The personas (healthchecks style) live in `town`, a copy of the demo's
Saint-Exemple:

- `parent`: Marie DUPONT, first guardian of `family` (two children, Sarah and
  Chloé, at École Jules Ferry); `co_parent`: Paul DUPONT, the second guardian;
- staff: `front_desk`, `site_agent` (École Jules Ferry), `kitchen_agent`,
  `finance_agent`, `town_admin`;
- `outsider`: a parent of another family of the same town, who must see nothing
  of the DUPONTs;
- `stranger`: a parent in `other_town`, for whom everything of `town` is 404.

Every account's password is `factories.PASSWORD`; `client_for(user)` gives a
test client logged in as that user.
"""

import datetime
import ipaddress
import socket
from collections.abc import Callable, Iterator
from typing import Any

import factory.random
import hypothesis
import pytest
from django.test import Client
from django.utils import timezone

from ardoise.accounts.models import User
from ardoise.families.models import Civility, Family, Sex
from ardoise.towns import reference
from ardoise.towns.models import Role, Site, Town, Zone
from tests.factories import ChildFactory, FamilyFactory, GuardianFactory, SiteFactory, TownFactory, staff_member

# Properties are about rules, not speed: no per-example deadline, which a CI
# machine under load would turn into flaky failures.
hypothesis.settings.register_profile("ardoise", deadline=None)
hypothesis.settings.load_profile("ardoise")

# The family at a fixed moment (Tuesday 9 March 2027) used by booking, portal and API tests.
pytest_plugins = ["tests.moment", "tests.documents.fixtures"]


def years_ago(years: int) -> datetime.date:
    return datetime.date(timezone.localdate().year - years, 3, 14)


# Faker's names are drawn from a seeded generator: the same data at every run.
factory.random.reseed_random("ardoise")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """MD5 keeps account creation cheap; a test of argon2 sets PASSWORD_HASHERS back itself."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_reference_cache() -> None:
    """Each test starts with an empty per-process cache of the towns' reference data (towns.reference):
    a town id of a rolled-back test may come back in the next one."""
    reference.forget()


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    """Tests reach only this machine: loopback (the live server, PostgreSQL) and Unix sockets."""
    original_connect = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            try:
                loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = False
            if not loopback:
                raise OSError(f"Tests may not use the network (tried to reach {address!r}).")
        original_connect(sock, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = original_connect  # type: ignore[method-assign]


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    """Background tasks run as soon as they are enqueued: queued e-mails reach `mail.outbox` once the
    transaction commits (with `django_capture_on_commit_callbacks(execute=True)`)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


# Towns and places


@pytest.fixture
def town(db: None) -> Town:
    return TownFactory(
        slug="saint-exemple",
        name="Saint-Exemple",
        zone=Zone.B,
        regie_name="Régie périscolaire de Saint-Exemple",
    )


@pytest.fixture
def other_town(db: None) -> Town:
    return TownFactory(slug="autreville", name="Autreville", zone=Zone.A, regie_name="Régie d'Autreville")


@pytest.fixture
def site(town: Town) -> Site:
    return SiteFactory(town=town, name="École Jules Ferry")


@pytest.fixture
def other_site(town: Town) -> Site:
    return SiteFactory(town=town, name="École Marie Curie")


# Families


@pytest.fixture
def family(town: Town, site: Site) -> Family:
    """The DUPONT family: quotient familial 800, resident, Sarah and Chloé at École Jules Ferry."""
    dupont = FamilyFactory(town=town, number="1", name="DUPONT", quotient_familial=800, resident=True)
    # Sarah is the elder: children are listed by birth date.
    ChildFactory(family=dupont, site=site, first_name="Sarah", birth_date=years_ago(9), school_class="CM1")
    ChildFactory(family=dupont, site=site, first_name="Chloé", birth_date=years_ago(6), school_class="CP")
    return dupont


@pytest.fixture
def parent(family: Family) -> User:
    guardian = GuardianFactory(
        family=family,
        position=1,
        civility=Civility.MADAME,
        first_name="Marie",
        relationship="Mère",
        email="marie.dupont@example.test",
    )
    return guardian.user


@pytest.fixture
def co_parent(family: Family) -> User:
    guardian = GuardianFactory(
        family=family,
        position=2,
        civility=Civility.MONSIEUR,
        first_name="Paul",
        relationship="Père",
        email="paul.dupont@example.test",
    )
    return guardian.user


@pytest.fixture
def outsider(town: Town, site: Site) -> User:
    """A parent of another family in the same town."""
    martin = FamilyFactory(town=town, number="2", name="MARTIN", quotient_familial=1200)
    ChildFactory(family=martin, site=site, first_name="Léo", sex=Sex.MALE)
    guardian = GuardianFactory(family=martin, first_name="Julie", email="julie.martin@example.test")
    return guardian.user


@pytest.fixture
def stranger(other_town: Town) -> User:
    """A parent in another town."""
    durand = FamilyFactory(town=other_town, number="1", name="DURAND")
    ChildFactory(family=durand, site=SiteFactory(town=other_town, name="École Victor Hugo"), first_name="Emma")
    guardian = GuardianFactory(family=durand, first_name="Claire", email="claire.durand@example.test")
    return guardian.user


# Staff


@pytest.fixture
def front_desk(town: Town) -> User:
    return staff_member(town, Role.FRONT_DESK, email="accueil@example.test", first_name="Nadia", last_name="AGENT")


@pytest.fixture
def site_agent(town: Town, site: Site) -> User:
    return staff_member(
        town, Role.SITE_AGENT, site=site, email="animateur@example.test", first_name="Karim", last_name="ANIMATEUR"
    )


@pytest.fixture
def kitchen_agent(town: Town) -> User:
    return staff_member(town, Role.KITCHEN, email="cuisine@example.test", first_name="Sophie", last_name="CUISINE")


@pytest.fixture
def finance_agent(town: Town) -> User:
    return staff_member(town, Role.FINANCE, email="regie@example.test", first_name="Luc", last_name="REGISSEUR")


@pytest.fixture
def town_admin(town: Town) -> User:
    return staff_member(town, Role.ADMIN, email="admin@example.test", first_name="Anne", last_name="ADMIN")


# Clients


@pytest.fixture
def client_for(db: None) -> Callable[[User], Client]:
    """`client_for(user)`: a test client logged in as `user` (a new client per call)."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
