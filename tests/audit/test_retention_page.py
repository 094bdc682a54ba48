"""The administrator's choice of the audit trail's retention, on the "Journal" page."""

import pytest
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.audit.models import AuditEntry, AuditSettings
from ardoise.audit.retention import retention_years
from ardoise.towns.models import Role, Town
from tests.factories import staff_member

pytestmark = pytest.mark.django_db


def page(town: Town) -> str:
    return reverse("backoffice:audit", args=[town.slug])


def choose(town: Town) -> str:
    return reverse("backoffice:audit_retention", args=[town.slug])


def test_it_shows_the_current_retention_to_the_administrator(client_for, town: Town, town_admin: User) -> None:
    html = client_for(town_admin).get(page(town)).content.decode()
    assert "Conserver les entrées du journal" in html
    assert '<option value="5" selected>5 ans</option>' in html


def test_the_administrator_chooses_it_and_it_is_audited(client_for, town: Town, town_admin: User) -> None:
    client = client_for(town_admin)
    response = client.post(choose(town), {"retention_years": "3"})
    assert response.status_code == 302
    assert response["Location"] == page(town)
    assert retention_years(town) == 3
    entry = AuditEntry.objects.get(town=town, action="audit.retention")
    assert (entry.actor, entry.changes) == (town_admin, {"retention_years": [5, 3]})
    html = client.get(page(town)).content.decode()
    assert "Le journal est conservé 3 ans." in html
    assert '<option value="3" selected>3 ans</option>' in html


@pytest.mark.parametrize("value", ["0", "11", "deux", ""])
def test_it_refuses_a_retention_out_of_bounds_and_changes_nothing(
    client_for, town: Town, town_admin: User, value: str
) -> None:
    client = client_for(town_admin)
    response = client.post(choose(town), {"retention_years": value})
    assert response.status_code == 302
    assert "Choisissez une durée de conservation de 1 à 10 ans." in client.get(page(town)).content.decode()
    assert not AuditSettings.objects.filter(town=town).exists()
    assert not AuditEntry.objects.filter(action="audit.retention").exists()


@pytest.mark.parametrize("persona", ["front_desk", "finance_agent", "kitchen_agent"])
def test_it_is_the_administrators_alone(client_for, request, town: Town, persona: str) -> None:
    response = client_for(request.getfixturevalue(persona)).post(choose(town), {"retention_years": "1"})
    assert response.status_code == 403
    assert not AuditSettings.objects.exists()


def test_another_towns_administrator_gets_404(client_for, town: Town, other_town: Town) -> None:

    stranger = staff_member(other_town, Role.ADMIN, email="admin@ailleurs.example.test")
    assert client_for(stranger).post(choose(town), {"retention_years": "1"}).status_code == 404
    assert not AuditSettings.objects.exists()
