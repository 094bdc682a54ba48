"""Staff's sign-up pages: the queue of new families with their possible duplicates, decisions one by one and
in bulk, the incomplete files and their export, the administrator's switch."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.families.models import Child, Family, FileStatus
from ardoise.messaging.models import OutgoingEmail
from ardoise.messaging.notifications import Kind
from ardoise.signup import actions
from ardoise.towns.models import Site, Town
from tests.factories import FamilyFactory, GuardianFactory, staff_member
from tests.signup.conftest import complete, confirmation_links, sign_up, token_of

pytestmark = pytest.mark.django_db


def url(name: str, town: Town, *args: object) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


def second_family(town: Town, site: Site, *, child: str = "Jules") -> Family:
    sign_up(town, email="tom.petit@example.test", first_name="Tom", last_name="Petit")
    user = actions.confirm_email(town, token_of(confirmation_links("tom.petit@example.test")[0]))
    family: Family = user.guardian.family
    complete(family, site, user, first_name=child)
    actions.submit(family, actor=user)
    return family


def test_it_lists_waiting_families_with_a_likely_duplicate(
    family: Family, submitted: Family, front_desk: User, client_for: Callable[[User], Client], open_town: Town
) -> None:
    # The DUPONT family already has Sarah; the new file has a child of the same name and birth date, accents aside.
    sarah = family.children.get(first_name="Sarah")
    hugo = Child.objects.get(family=submitted)
    Child.objects.filter(pk=hugo.pk).update(first_name="SARAH", last_name="Dupont", birth_date=sarah.birth_date)
    html = client_for(front_desk).get(url("signup_queue", open_town)).content.decode()
    assert submitted.name in html
    assert "Même enfant : Sarah" in html
    assert url("family", open_town, family.pk) in html


def test_it_flags_the_same_email_as_an_existing_guardian(
    family: Family, submitted: Family, front_desk: User, client_for: Callable[[User], Client], open_town: Town
) -> None:
    GuardianFactory(family=family, user=None, email="Lea.Bernard@example.test")
    html = client_for(front_desk).get(url("signup_family", open_town, submitted.pk)).content.decode()
    assert "Même courriel : Lea.Bernard@example.test" in html


def test_it_accepts_two_in_bulk(
    submitted: Family, site: Site, front_desk: User, client_for: Callable[[User], Client], open_town: Town
) -> None:
    other = second_family(open_town, site)
    response = client_for(front_desk).post(
        url("signup_queue", open_town), {"family": [submitted.pk, other.pk], "decision": "accept"}, follow=True
    )
    assert "2 dossiers acceptés" in response.content.decode()
    assert set(Family.objects.filter(pk__in=[submitted.pk, other.pk]).values_list("file_status", flat=True)) == {
        FileStatus.ACCEPTED
    }


def test_a_bulk_refusal_without_reason_changes_nothing_and_says_why(
    submitted: Family, site: Site, front_desk: User, client_for: Callable[[User], Client], open_town: Town
) -> None:
    other = second_family(open_town, site)
    response = client_for(front_desk).post(
        url("signup_queue", open_town),
        {"family": [submitted.pk, other.pk], "decision": "refuse", "reason": ""},
        follow=True,
    )
    assert "Indiquez le motif du refus" in response.content.decode()
    assert set(Family.objects.filter(pk__in=[submitted.pk, other.pk]).values_list("file_status", flat=True)) == {
        FileStatus.SUBMITTED
    }
    assert not OutgoingEmail.objects.filter(kind=Kind.SIGNUP_DECISION).exists()


def test_it_refuses_one_with_a_reason(
    submitted: Family, front_desk: User, client_for: Callable[[User], Client], open_town: Town
) -> None:
    client_for(front_desk).post(
        url("signup_family", open_town, submitted.pk), {"decision": "refuse", "reason": "Adresse hors commune"}
    )
    submitted.refresh_from_db()
    assert (submitted.file_status, submitted.file_refusal_reason) == (FileStatus.REFUSED, "Adresse hors commune")
    assert OutgoingEmail.objects.filter(kind=Kind.SIGNUP_DECISION, to="lea.bernard@example.test").exists()


def test_another_towns_family_is_404(
    submitted: Family, other_town: Town, client_for: Callable[[User], Client], open_town: Town
) -> None:
    foreign_desk = staff_member(other_town, "front_desk", email="accueil@autreville.test")
    client = client_for(foreign_desk)
    assert client.get(url("signup_family", other_town, submitted.pk)).status_code == 404
    assert client.post(url("signup_family", other_town, submitted.pk), {"decision": "accept"}).status_code == 404
    submitted.refresh_from_db()
    assert submitted.file_status == FileStatus.SUBMITTED


def test_parents_and_site_agents_cannot_open_the_queue(
    parent: User, site_agent: User, client_for: Callable[[User], Client], town: Town
) -> None:
    assert client_for(parent).get(url("signup_queue", town)).status_code == 404
    assert client_for(site_agent).get(url("signup_queue", town)).status_code == 403


def test_the_home_counts_the_waiting_families(
    submitted: Family, front_desk: User, client_for: Callable[[User], Client], open_town: Town
) -> None:
    html = client_for(front_desk).get(url("home", open_town)).content.decode()
    assert "Nouvelles familles" in html
    assert url("signup_queue", open_town) in html


def test_it_lists_and_exports_incomplete_files(
    town: Town, family: Family, parent: User, front_desk: User, client_for: Callable[[User], Client]
) -> None:
    FamilyFactory(town=town, number="77", name="SANS-ENFANT")
    client = client_for(front_desk)
    html = client.get(url("signup_incomplete", town)).content.decode()
    assert "SANS-ENFANT" in html
    assert "DUPONT" not in html  # a guardian with address, phone and e-mail, two children
    response = client.get(url("signup_incomplete", town), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "n_famille;nom;courriel;telephone;manque"
    assert lines[1].startswith("77;SANS-ENFANT;")
    assert "un enfant" in lines[1]


def test_the_administrator_opens_signup(town: Town, town_admin: User, client_for: Callable[[User], Client]) -> None:
    client = client_for(town_admin)
    html = client.get(url("config", town)).content.decode()
    assert "Ouvrir l'inscription en ligne" in html
    assert url("signup_settings", town) in html
    client.post(url("signup_settings", town), {"signup_open": "1"})
    assert Town.objects.get(pk=town.pk).signup_open
    client.post(url("signup_settings", town), {})
    assert not Town.objects.get(pk=town.pk).signup_open


def test_only_the_administrator_opens_signup(
    town: Town, front_desk: User, client_for: Callable[[User], Client]
) -> None:
    assert client_for(front_desk).post(url("signup_settings", town), {"signup_open": "1"}).status_code == 403
    assert not Town.objects.get(pk=town.pk).signup_open
