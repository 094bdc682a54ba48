from django.test import Client
from django.urls import reverse

from ardoise.towns.models import Role
from tests.factories import StaffRoleFactory


def staff_home(town) -> str:
    return reverse("backoffice:home", args=[town.slug])


def test_it_requires_login(town):
    response = Client().get(staff_home(town))
    assert response.status_code == 302
    assert response["Location"] == f"/{town.slug}/login/?next=/{town.slug}/staff/"


def test_it_greets_the_staff_member_with_their_roles(town, site, site_agent, client_for):
    StaffRoleFactory(town=town, user=site_agent, role=Role.KITCHEN)
    response = client_for(site_agent).get(staff_home(town))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bonjour Karim ANIMATEUR" in html
    assert "Agent de site / animateur — École Jules Ferry" in html
    assert "Cuisine" in html
    assert "Vos rôles" in html
    assert "Saint-Exemple" in html


def test_it_shows_the_staff_menu(town, front_desk, client_for):
    html = client_for(front_desk).get(staff_home(town)).content.decode()
    assert 'aria-label="Menu principal"' in html
    assert f'href="/{town.slug}/staff/" aria-current="page"' in html
    assert f'href="/{town.slug}/password/change/"' in html
    assert f'action="/{town.slug}/logout/"' in html


def test_it_answers_404_to_a_parent(town, parent, client_for):
    assert client_for(parent).get(staff_home(town)).status_code == 404


def test_it_answers_404_to_staff_of_another_town(town, other_town, client_for):
    from tests.factories import staff_member

    elsewhere = staff_member(other_town, Role.ADMIN, email="admin@autreville.test")
    assert client_for(elsewhere).get(staff_home(town)).status_code == 404
