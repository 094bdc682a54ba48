"""A family that signed up online, through the sign-up's own actions."""

import re

import pytest

from ardoise.accounts.models import User
from ardoise.families.models import Child, Family, Guardian
from ardoise.messaging.models import OutgoingEmail
from ardoise.messaging.notifications import Kind
from ardoise.signup import actions
from ardoise.towns.models import Site, Town
from tests.conftest import years_ago
from tests.outbox import sent_text

BASE = "https://ardoise.example.test/"
PASSWORD = "un-Mot-de-passe-solide-42"


def confirmation_links(email: str) -> list[str]:
    """The confirmation links e-mailed to `email`, oldest first (read from the outbox)."""
    bodies = OutgoingEmail.objects.filter(kind=Kind.SIGNUP_CONFIRMATION, to=email).order_by("pk")
    return [re.search(r"https?://\S+/inscription/confirmer/\S+/", sent_text(body)).group(0) for body in bodies]  # type: ignore[union-attr]


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


def sign_up(town: Town, email: str = "lea.bernard@example.test", ip: str = "192.0.2.1", **names: str) -> None:
    actions.start_signup(
        town,
        first_name=names.get("first_name", "Léa"),
        last_name=names.get("last_name", "Bernard"),
        email=email,
        password=PASSWORD,
        ip=ip,
        base_url=BASE,
    )


@pytest.fixture
def open_town(town: Town) -> Town:
    town.signup_open = True
    town.save(update_fields=["signup_open"])
    return town


@pytest.fixture
def newcomer(open_town: Town) -> User:
    """Léa BERNARD: signed up and confirmed her address; her family's file is a draft."""
    sign_up(open_town)
    return actions.confirm_email(open_town, token_of(confirmation_links("lea.bernard@example.test")[0]))


@pytest.fixture
def draft(newcomer: User) -> Family:
    return newcomer.guardian.family


def complete(family: Family, site: Site, actor: User, *, first_name: str = "Hugo") -> Child:
    """Fill the file's mandatory steps: guardian 1's identity, address and phone, one child."""
    guardian = Guardian.objects.get(family=family, position=1)
    actions.save_first_guardian(
        family,
        guardian,
        {
            "civility": "Mme",
            "first_name": guardian.first_name,
            "last_name": guardian.last_name,
            "address": "5 rue des Écoles",
            "postcode": "31400",
            "city": "Saint-Exemple",
            "mobile_phone": "06 11 22 33 44",
        },
        actor=actor,
    )
    return actions.save_child(
        family,
        None,
        {
            "first_name": first_name,
            "last_name": family.name,
            "sex": "M",
            "birth_date": years_ago(7),
            "site": site,
            "school_class": "CE1",
        },
        actor=actor,
    )


@pytest.fixture
def submitted(draft: Family, site: Site, newcomer: User) -> Family:
    complete(draft, site, newcomer)
    actions.submit(draft, actor=newcomer)
    return draft
