import datetime

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.bookings.models import BookingState, Request, RequestKind
from ardoise.towns.models import Role
from tests.factories import ActivityFactory, BookingFactory, ChildFactory, SiteFactory, StaffRoleFactory, staff_member


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

    elsewhere = staff_member(other_town, Role.ADMIN, email="admin@autreville.test")
    assert client_for(elsewhere).get(staff_home(town)).status_code == 404


# The dashboard: today and tomorrow, per site and activity, and what waits.


TUESDAY = datetime.date(2027, 3, 9)
WEDNESDAY = datetime.date(2027, 3, 10)


def board(html: str) -> str:
    return html.split('class="day-board"')[1]


def test_it_counts_the_children_expected_today_and_tomorrow(town, site, family, front_desk, client_for, frozen):
    meals = ActivityFactory(site=site)
    wednesdays = ActivityFactory(site=site, mercredi=True, capacity=3)
    sarah, chloe = family.children.all()
    BookingFactory(child=sarah, activity=meals, date=TUESDAY)
    BookingFactory(child=chloe, activity=meals, date=TUESDAY, state=BookingState.PRESENT)
    BookingFactory(child=ChildFactory(town=town, site=site), activity=meals, date=TUESDAY, state=BookingState.CANCELLED)
    BookingFactory(child=sarah, activity=wednesdays, date=WEDNESDAY, state=BookingState.REQUESTED)
    BookingFactory(child=chloe, activity=wednesdays, date=WEDNESDAY)
    html = board(client_for(front_desk).get(staff_home(town)).content.decode())
    today, tomorrow = html.split('id="day-2"')
    assert "Aujourd&#x27;hui" in today
    assert "Mardi 9 mars" in today
    assert "2 enfants attendus au total" in today
    assert "Repas" in today
    assert "sans limite" in today
    assert "Accueil du mercredi" not in today  # it does not run on Tuesdays
    assert "Mercredi 10 mars" in tomorrow
    assert "2 enfants attendus au total" in tomorrow
    assert "dont 1 à valider" in tomorrow
    assert "1 / 3" in tomorrow  # places left


def test_it_shows_a_site_agent_only_their_sites(town, site, other_site, site_agent, client_for, frozen):
    ActivityFactory(site=site, label="Repas Jules Ferry")
    ActivityFactory(site=other_site, label="Repas Marie Curie")
    html = client_for(site_agent).get(staff_home(town)).content.decode()
    assert "Repas Jules Ferry" in html
    assert "Marie Curie" not in html
    assert "demandes en attente" not in html


def test_it_counts_the_requests_waiting_per_kind(town, family, front_desk, kitchen_agent, client_for, frozen):
    for kind in (RequestKind.BOOKING, RequestKind.BOOKING, RequestKind.RECORD_CHANGE):
        Request.objects.create(town=town, family=family, kind=kind)
    Request.objects.create(town=town, family=family, kind=RequestKind.ABSENCE, status="accepted")
    html = client_for(front_desk).get(staff_home(town)).content.decode()
    assert "3 demandes en attente" in html
    assert f'href="/{town.slug}/staff/demandes/?kind=booking"' in html
    assert '<span class="figure__number">2</span>' in html
    # The kitchen does not decide on requests.
    assert "demandes en attente" not in client_for(kitchen_agent).get(staff_home(town)).content.decode()


def test_it_builds_the_dashboard_in_a_constant_number_of_queries(town, site, family, town_admin, client_for, frozen):
    client = client_for(town_admin)
    ActivityFactory(site=site)
    client.get(staff_home(town))
    with CaptureQueriesContext(connection) as few:
        client.get(staff_home(town))
    for index in range(4):
        school = SiteFactory(town=town)
        for trait in ("garderie_matin", "garderie_soir", "etude"):
            activity = ActivityFactory(site=school, **{trait: True})
            BookingFactory(child=ChildFactory(town=town, site=school), activity=activity, date=TUESDAY)
        Request.objects.create(town=town, family=family, kind=RequestKind.BOOKING if index % 2 else RequestKind.ABSENCE)
    with CaptureQueriesContext(connection) as many:
        html = client.get(staff_home(town)).content.decode()
    assert html.count('<th scope="row">') > 12
    assert len(many) == len(few)
