"""Staff accounts and roles: list, create (with an access e-mail), change roles, deactivate; the lockout guard."""

from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry
from ardoise.towns.models import Role, Site, StaffRole, Town
from tests.factories import UserFactory, staff_member


def url(town: Town, name: str, *args: object) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


@pytest.fixture
def admin(client_for: Callable[[User], Client], town_admin: User) -> Client:
    return client_for(town_admin)


def roles(town: Town, user: User) -> set[tuple[str, str | None]]:
    rows = StaffRole.objects.filter(town=town, user=user).select_related("site")
    return {(row.role, row.site.name if row.site else None) for row in rows}


def test_it_lists_the_towns_staff_only_in_constant_queries(
    admin: Client,
    town: Town,
    front_desk: User,
    site_agent: User,
    parent: User,
    stranger: User,
    django_assert_num_queries,
) -> None:
    for n in range(5):
        staff_member(town, Role.KITCHEN, email=f"cuisine{n}@example.test")
    with django_assert_num_queries(6):
        response = admin.get(url(town, "staff"))
    page = response.content.decode()
    assert "accueil@example.test" in page
    assert "Agent de site / animateur — École Jules Ferry" in page
    assert "cuisine4@example.test" in page
    assert parent.email not in page
    assert stranger.email not in page


@pytest.mark.usefixtures("immediate_tasks")
def test_it_creates_an_account_with_roles_and_sends_its_access(
    admin: Client, town: Town, site: Site, other_site: Site, django_capture_on_commit_callbacks
) -> None:
    data = {
        "email": "Lea.Moreau@example.test",
        "first_name": "Léa",
        "last_name": "MOREAU",
        "roles": [Role.FRONT_DESK],
        "sites": [site.pk, other_site.pk],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url(town, "staff_new"), data)
    assert response.status_code == 302
    account = User.objects.get(town=town, email="lea.moreau@example.test")
    assert not account.has_usable_password()
    assert roles(town, account) == {
        ("front_desk", None),
        ("site_agent", "École Jules Ferry"),
        ("site_agent", "École Marie Curie"),
    }
    assert [message.to for message in mail.outbox] == [["lea.moreau@example.test"]]
    entry = AuditEntry.objects.get(town=town, action="staff.create")
    assert entry.changes["roles"][1] == [
        "Agent d'accueil",
        "Agent de site / animateur — École Jules Ferry",
        "Agent de site / animateur — École Marie Curie",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "pas-un-courriel"}, "Saisissez une adresse de courriel valide."),
        ({"roles": [], "sites": []}, "Choisissez au moins un rôle ou une école."),
        ({"roles": ["superuser"]}, "Sélectionnez un choix valide"),
        ({"email": "ACCUEIL@example.test"}, "Un compte de la commune utilise déjà ce courriel."),
        ({"sites": ["999999"]}, "Sélectionnez un choix valide"),
    ],
)
def test_it_refuses_an_invalid_new_account(
    admin: Client, town: Town, front_desk: User, data: dict[str, object], message: str
) -> None:
    post = {"email": "new@example.test", "first_name": "A", "last_name": "B", "roles": ["kitchen"]} | data
    response = admin.post(url(town, "staff_new"), post)
    assert response.status_code == 422
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not User.objects.filter(town=town, email="new@example.test").exists()


def test_it_changes_roles_with_old_and_new_values(admin: Client, town: Town, site: Site, front_desk: User) -> None:
    data = {"first_name": "Nadia", "last_name": "AGENT", "roles": ["finance"], "sites": [site.pk]}
    assert admin.post(url(town, "staff_edit", front_desk.pk), data).status_code == 302
    assert roles(town, front_desk) == {("finance", None), ("site_agent", "École Jules Ferry")}
    entry = AuditEntry.objects.get(town=town, action="staff.update")
    assert entry.changes == {
        "roles": [
            ["Agent d'accueil"],
            ["Agent de site / animateur — École Jules Ferry", "Finances / régie"],
        ]
    }


def test_it_refuses_an_admin_removing_their_own_admin_role(
    admin: Client, town: Town, town_admin: User, front_desk: User
) -> None:
    data = {"first_name": "Anne", "last_name": "ADMIN", "roles": ["front_desk"]}
    response = admin.post(url(town, "staff_edit", town_admin.pk), data)
    assert response.status_code == 422
    assert "Vous ne pouvez pas retirer votre propre rôle d&#x27;administrateur" in response.content.decode()
    assert roles(town, town_admin) == {("admin", None)}


def test_it_lets_an_admin_remove_another_admins_role(admin: Client, town: Town) -> None:
    other = staff_member(town, Role.ADMIN, email="maire@example.test")
    data = {"first_name": "M", "last_name": "X", "roles": ["finance"]}
    assert admin.post(url(town, "staff_edit", other.pk), data).status_code == 302
    assert roles(town, other) == {("finance", None)}


def test_it_deactivates_then_reactivates_an_account_never_deleting_it(
    admin: Client, client_for, town: Town, front_desk: User
) -> None:
    agent = client_for(front_desk)
    assert admin.post(url(town, "staff_active", front_desk.pk), {"active": "0"}).status_code == 302
    front_desk.refresh_from_db()
    assert not front_desk.is_active
    assert StaffRole.objects.filter(user=front_desk).exists()
    # Their open session ends: they are sent to the login page.
    assert agent.get(url(town, "home")).status_code == 302
    assert admin.post(url(town, "staff_active", front_desk.pk), {"active": "1"}).status_code == 302
    front_desk.refresh_from_db()
    assert front_desk.is_active
    actions = list(AuditEntry.objects.filter(town=town, object_id=front_desk.pk).values_list("action", flat=True))
    assert sorted(actions) == ["staff.activate", "staff.deactivate"]


def test_it_refuses_an_admin_deactivating_themselves(admin: Client, town: Town, town_admin: User) -> None:
    response = admin.post(url(town, "staff_active", town_admin.pk), {"active": "0"}, follow=True)
    assert "Vous ne pouvez pas désactiver votre propre compte." in response.content.decode()
    town_admin.refresh_from_db()
    assert town_admin.is_active


@pytest.mark.usefixtures("immediate_tasks")
def test_it_sends_the_access_again(
    admin: Client, town: Town, front_desk: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(url(town, "staff_send_access", front_desk.pk)).status_code == 302
    assert [message.to for message in mail.outbox] == [["accueil@example.test"]]


def test_it_answers_404_for_parents_accounts_and_other_towns_staff(
    admin: Client, town: Town, other_town: Town, parent: User
) -> None:
    foreign = staff_member(other_town, Role.ADMIN, email="admin@autreville.test")
    for account in (parent, foreign, UserFactory(town=town)):
        assert admin.get(url(town, "staff_edit", account.pk)).status_code == 404
        assert admin.post(url(town, "staff_active", account.pk), {"active": "0"}).status_code == 404
        assert admin.post(url(town, "staff_send_access", account.pk)).status_code == 404
    parent.refresh_from_db()
    assert parent.is_active


@pytest.mark.parametrize("name", ["staff", "staff_new"])
@pytest.mark.parametrize("persona", ["front_desk", "site_agent", "kitchen_agent", "finance_agent"])
def test_it_refuses_other_roles_with_403(
    request: pytest.FixtureRequest, client_for, town: Town, town_admin: User, name: str, persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get(url(town, name)).status_code == 403
    assert client.post(url(town, "staff_active", town_admin.pk), {"active": "0"}).status_code == 403
    town_admin.refresh_from_db()
    assert town_admin.is_active


@pytest.mark.parametrize("persona", ["parent", "stranger"])
def test_it_answers_404_to_parents_and_other_towns(
    request: pytest.FixtureRequest, client_for, town: Town, persona: str
) -> None:
    assert client_for(request.getfixturevalue(persona)).get(url(town, "staff")).status_code == 404
