"""The roll-call pages: the list, one tap per child, a child without a booking, closing, and who may see it."""

import datetime
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit.models import AuditEntry
from ardoise.bookings.models import Booking, BookingState
from ardoise.families.models import AuthorisedPerson, Child, Diet, Family
from ardoise.towns.models import Site, Town
from tests.factories import ActivityFactory, BookingFactory, ChildFactory, FamilyFactory

TODAY = datetime.date(2027, 3, 9)
YESTERDAY = datetime.date(2027, 3, 8)


@pytest.fixture
def sheet(town: Town, family: Family, children: list[Child], meals: Activity) -> dict[str, Booking]:
    """Sarah and Chloé DUPONT and Hugo ABADIE booked for today's meal; Chloé has a nut allergy and a PAI."""
    sarah, chloe = children
    chloe.allergies = "Arachides"
    chloe.has_pai = True
    chloe.pai_details = "Trousse d'urgence dans le bureau"
    chloe.diet = Diet.NO_PORK
    chloe.may_leave_alone = False
    chloe.save()
    sarah.may_leave_alone = True
    sarah.save()
    AuthorisedPerson.objects.create(
        town=town,
        child=chloe,
        first_name="Jeanne",
        last_name="MOREAU",
        relationship="Grand-mère",
        phone="06 00 00 00 01",
    )
    abadie = FamilyFactory(town=town, name="ABADIE")
    hugo = ChildFactory(family=abadie, site=sarah.site, first_name="Hugo", last_name="ABADIE")
    return {
        "sarah": BookingFactory(child=sarah, activity=meals, date=TODAY),
        "chloe": BookingFactory(child=chloe, activity=meals, date=TODAY),
        "hugo": BookingFactory(child=hugo, activity=meals, date=TODAY),
    }


def sheet_url(town: Town, activity: Activity, day: datetime.date = TODAY, **extra: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in extra.items())
    return (
        reverse("backoffice:roll_call", args=[town.slug])
        + f"?site={activity.site_id}&date={day.isoformat()}&activity={activity.pk}"
        + (f"&{query}" if query else "")
    )


def mark_url(town: Town, booking: Booking) -> str:
    return reverse("backoffice:roll_call_mark", args=[town.slug, booking.pk])


def counter(html: str, name: str) -> int:
    match = re.search(rf'data-counter="{name}">(\d+)<', html)
    assert match, f"no {name} counter"
    return int(match.group(1))


def test_it_lists_the_children_expected_sorted_by_name_with_flags_and_pickup(
    client_for: Callable[[User], Client], site_agent: User, town: Town, meals: Activity, sheet: dict[str, Booking]
) -> None:
    response = client_for(site_agent).get(sheet_url(town, meals))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("ABADIE") < html.index("DUPONT</strong> Chloé") < html.index("DUPONT</strong> Sarah")
    assert "Allergies : Arachides" in html
    assert "PAI : Trousse d&#x27;urgence dans le bureau" in html
    assert "Sans porc" in html
    assert "Jeanne MOREAU (Grand-mère)" in html
    assert "autorisé(e) à partir seul(e)" in html
    assert (counter(html, "expected"), counter(html, "present"), counter(html, "absent")) == (3, 0, 0)


def test_it_leaves_out_days_not_expected(
    client_for: Callable[[User], Client], site_agent: User, town: Town, meals: Activity, sheet: dict[str, Booking]
) -> None:
    for booking, state in zip(
        sheet.values(), [BookingState.CANCELLED, BookingState.REQUESTED, BookingState.REFUSED], strict=True
    ):
        booking.state = state
        booking.save()
    html = client_for(site_agent).get(sheet_url(town, meals)).content.decode()
    assert "Aucun enfant n'est attendu ce jour-là." in html
    assert counter(html, "expected") == 0


def test_it_marks_present_with_htmx_and_updates_the_counters(
    client_for: Callable[[User], Client], site_agent: User, town: Town, meals: Activity, sheet: dict[str, Booking]
) -> None:
    client = client_for(site_agent)
    booking = sheet["sarah"]
    response = client.post(mark_url(town, booking), {"mark": "present"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="booking-{booking.pk}"' in html
    assert 'class="roll-mark roll-mark--present" aria-pressed="true"' in html
    assert 'hx-swap-oob="true"' in html
    assert counter(html, "present") == 1
    assert "<html" not in html
    booking.refresh_from_db()
    assert booking.state == BookingState.PRESENT


def test_it_marks_absent_with_a_plain_post(
    client_for: Callable[[User], Client], site_agent: User, town: Town, meals: Activity, sheet: dict[str, Booking]
) -> None:
    booking = sheet["hugo"]
    response = client_for(site_agent).post(mark_url(town, booking), {"mark": "absent"})
    assert response.status_code == 302
    assert response["Location"] == sheet_url(town, meals) + f"#booking-{booking.pk}"
    booking.refresh_from_db()
    assert booking.state == BookingState.ABSENT_BILLED
    html = client_for(site_agent).get(sheet_url(town, meals)).content.decode()
    assert counter(html, "absent") == 1


def test_it_marks_twice_without_changing_twice(
    client_for: Callable[[User], Client], site_agent: User, town: Town, sheet: dict[str, Booking]
) -> None:
    client = client_for(site_agent)
    for _ in range(2):
        client.post(mark_url(town, sheet["sarah"]), {"mark": "present"}, headers={"HX-Request": "true"})
    assert AuditEntry.objects.filter(action="attendance.present").count() == 1


def test_it_answers_a_bad_mark_with_an_error_not_a_500(
    client_for: Callable[[User], Client], site_agent: User, town: Town, sheet: dict[str, Booking]
) -> None:
    client = client_for(site_agent)
    booking = sheet["sarah"]
    response = client.post(mark_url(town, booking), {"mark": "peut-être"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Choisissez « Présent » ou « Absent »." in response.content.decode()
    assert client.post(mark_url(town, booking), {"mark": "present"}, follow=True).status_code == 200
    missing = reverse("backoffice:roll_call_mark", args=[town.slug, 999999])
    assert client.post(missing, {"mark": "present"}).status_code == 404
    assert client.get(mark_url(town, booking)).status_code == 405


def test_it_refuses_to_mark_a_day_to_come(
    client_for: Callable[[User], Client], site_agent: User, town: Town, meals: Activity, children: list[Child]
) -> None:
    booking = BookingFactory(child=children[0], activity=meals, date=datetime.date(2027, 3, 11))
    response = client_for(site_agent).post(mark_url(town, booking), {"mark": "present"}, headers={"HX-Request": "1"})
    assert response.status_code == 422
    assert "jour à venir" in response.content.decode()
    booking.refresh_from_db()
    assert booking.state == BookingState.BOOKED


def test_it_corrects_a_past_day_and_audits_it(
    client_for: Callable[[User], Client], site_agent: User, town: Town, meals: Activity, children: list[Child]
) -> None:
    booking = BookingFactory(child=children[0], activity=meals, date=YESTERDAY, state=BookingState.ABSENT_BILLED)
    html = client_for(site_agent).get(sheet_url(town, meals, YESTERDAY)).content.decode()
    assert "Jour passé" in html
    client_for(site_agent).post(mark_url(town, booking), {"mark": "present"})
    booking.refresh_from_db()
    assert booking.state == BookingState.PRESENT
    entry = AuditEntry.objects.get(action="attendance.present")
    assert entry.changes["state"] == ["absent_billed", "present"]
    assert entry.actor == site_agent


def test_it_finds_and_adds_a_child_who_came_without_a_booking(
    client_for: Callable[[User], Client],
    site_agent: User,
    town: Town,
    site: Site,
    meals: Activity,
    sheet: dict[str, Booking],
) -> None:
    client = client_for(site_agent)
    lina = ChildFactory(town=town, site=site, first_name="Lina", last_name="BERNARD")
    ChildFactory(town=town, site=site, first_name="Linus", last_name="PETIT")
    html = client.get(sheet_url(town, meals, q="bern")).content.decode()
    assert "BERNARD</strong> Lina" in html
    assert "pas inscrit(e) à l'activité" in html
    assert "PETIT" not in html
    # Children already on the list are not offered again.
    assert (
        "Ajouter <span"
        not in client.get(sheet_url(town, meals, q="dupont")).content.decode().split("search-results")[1]
    )
    # htmx asks for the results alone.
    fragment = client.get(
        sheet_url(town, meals, q="lin"), headers={"HX-Request": "true", "HX-Target": "search-results"}
    )
    assert fragment.content.decode().lstrip().startswith('<div id="search-results">')
    assert "PETIT" in fragment.content.decode()

    add = reverse("backoffice:roll_call_add", args=[town.slug])
    response = client.post(add, {"activity": meals.pk, "date": "2027-03-09", "child": lina.pk})
    booking = Booking.objects.get(child=lina)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#booking-{booking.pk}")
    assert booking.state == BookingState.PRESENT_UNBOOKED
    html = client.get(sheet_url(town, meals)).content.decode()
    assert "BERNARD</strong> Lina" in html
    assert counter(html, "present") == 1
    assert counter(html, "expected") == 3
    assert counter(html, "unbooked") == 1


def test_it_refuses_to_add_a_child_of_another_school(
    client_for: Callable[[User], Client], site_agent: User, town: Town, other_site: Site, meals: Activity
) -> None:
    elsewhere = ChildFactory(town=town, site=other_site)
    add = reverse("backoffice:roll_call_add", args=[town.slug])
    client = client_for(site_agent)
    response = client.post(add, {"activity": meals.pk, "date": "2027-03-09", "child": elsewhere.pk}, follow=True)
    assert "n&#x27;est pas inscrit dans cette école" in response.content.decode()
    for bad in ({"activity": meals.pk, "date": "hier", "child": elsewhere.pk}, {"activity": "x", "date": "2027-03-09"}):
        assert client.post(add, bad).status_code in (302, 404)
    assert not Booking.objects.exists()


@pytest.mark.parametrize(("billed", "state"), [(True, "absent_billed"), (False, "absent_excused")])
def test_it_closes_the_roll_call(
    client_for: Callable[[User], Client],
    site_agent: User,
    town: Town,
    meals: Activity,
    sheet: dict[str, Booking],
    billed: bool,
    state: str,
) -> None:
    town.bill_undeclared_absences = billed
    town.save()
    client = client_for(site_agent)
    client.post(mark_url(town, sheet["sarah"]), {"mark": "present"})
    close = reverse("backoffice:roll_call_close", args=[town.slug])
    response = client.post(close, {"activity": meals.pk, "date": "2027-03-09"}, follow=True)
    html = response.content.decode()
    assert "2 enfants non pointés sont marqués absents" in html
    assert ("(facturés)" if billed else "(non facturés)") in html
    assert (counter(html, "present"), counter(html, "absent"), counter(html, "unmarked")) == (1, 2, 0)
    assert set(Booking.objects.exclude(pk=sheet["sarah"].pk).values_list("state", flat=True)) == {state}


def test_it_says_when_the_activity_does_not_run(
    client_for: Callable[[User], Client], front_desk: User, town: Town, meals: Activity
) -> None:
    html = client_for(front_desk).get(sheet_url(town, meals, datetime.date(2027, 3, 5))).content.decode()
    assert "Vacances scolaires : l'activité n'a pas lieu ce jour-là." in html
    html = client_for(front_desk).get(sheet_url(town, meals, datetime.date(2027, 3, 10))).content.decode()
    assert "Pas de service ce jour-là" in html


def test_it_chooses_the_site_day_and_activity_by_default(
    client_for: Callable[[User], Client], site_agent: User, town: Town, meals: Activity, sheet: dict[str, Booking]
) -> None:
    response = client_for(site_agent).get(reverse("backoffice:roll_call", args=[town.slug]))
    assert response.status_code == 200
    assert response.context["site"] == meals.site
    assert response.context["day"] == TODAY
    assert response.context["activity"] == meals


def test_it_answers_bad_parameters_without_a_500(
    client_for: Callable[[User], Client], front_desk: User, town: Town, meals: Activity
) -> None:
    client = client_for(front_desk)
    base = reverse("backoffice:roll_call", args=[town.slug])
    assert client.get(base + f"?site={meals.site_id}&date=31/02/2027").status_code == 400
    assert client.get(base + "?site=abc").status_code == 404
    assert client.get(base + f"?site={meals.site_id}&activity=99999999999999999999999").status_code == 404
    assert client.get(base + "?site=99999").status_code == 404


def test_it_hides_another_site_from_a_site_agent(
    client_for: Callable[[User], Client], site_agent: User, town: Town, other_site: Site
) -> None:
    elsewhere = ActivityFactory(site=other_site)
    child = ChildFactory(town=town, site=other_site)
    booking = BookingFactory(child=child, activity=elsewhere, date=TODAY)
    client = client_for(site_agent)
    base = reverse("backoffice:roll_call", args=[town.slug])
    assert client.get(base + f"?site={other_site.pk}").status_code == 404
    assert client.get(sheet_url(town, elsewhere)).status_code == 404
    assert client.post(mark_url(town, booking), {"mark": "present"}).status_code == 404
    add = reverse("backoffice:roll_call_add", args=[town.slug])
    assert client.post(add, {"activity": elsewhere.pk, "date": "2027-03-09", "child": child.pk}).status_code == 404
    close = reverse("backoffice:roll_call_close", args=[town.slug])
    assert client.post(close, {"activity": elsewhere.pk, "date": "2027-03-09"}).status_code == 404
    booking.refresh_from_db()
    assert booking.state == BookingState.BOOKED
    # Their own site only in the choice of schools.
    sites = client.get(base).context["sites"]
    assert [site.pk for site in sites] == [site_agent.staff_roles.get().site_id]


@pytest.mark.parametrize("persona", ["finance_agent", "kitchen_agent"])
def test_it_refuses_other_roles(
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
    town: Town,
    meals: Activity,
    sheet: dict[str, Booking],
    persona: str,
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get(sheet_url(town, meals)).status_code == 403
    assert client.post(mark_url(town, sheet["sarah"]), {"mark": "present"}).status_code == 403
    close = reverse("backoffice:roll_call_close", args=[town.slug])
    assert client.post(close, {"activity": meals.pk, "date": "2027-03-09"}).status_code == 403


@pytest.mark.parametrize("persona", ["parent", "stranger"])
def test_it_is_404_for_parents_and_other_towns(
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
    town: Town,
    meals: Activity,
    sheet: dict[str, Booking],
    persona: str,
) -> None:
    client = client_for(request.getfixturevalue(persona))
    assert client.get(sheet_url(town, meals)).status_code == 404
    assert client.post(mark_url(town, sheet["sarah"]), {"mark": "present"}).status_code == 404
    sheet["sarah"].refresh_from_db()
    assert sheet["sarah"].state == BookingState.BOOKED


def test_it_lets_admins_and_front_desk_take_any_site(
    client_for: Callable[[User], Client], town_admin: User, front_desk: User, town: Town, other_site: Site
) -> None:
    elsewhere = ActivityFactory(site=other_site)
    for user in (town_admin, front_desk):
        assert client_for(user).get(sheet_url(town, elsewhere)).status_code == 200


def _sheet_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _mark_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.post(url, {"mark": "present"}, headers={"HX-Request": "true"}).status_code == 200
    return len(queries)


def test_it_reads_the_list_in_a_constant_number_of_queries(
    client_for: Callable[[User], Client], site_agent: User, town: Town, site: Site, meals: Activity, frozen: object
) -> None:
    def add_children(n: int) -> list[Booking]:
        bookings = []
        for index in range(n):
            child = ChildFactory(town=town, site=site, allergies="Gluten" if index % 3 == 0 else "")
            AuthorisedPerson.objects.create(town=town, child=child, first_name="A", last_name="B", phone="06")
            bookings.append(BookingFactory(child=child, activity=meals, date=TODAY))
        return bookings

    client = client_for(site_agent)
    few = add_children(5)
    url = sheet_url(town, meals, q="zzz")
    small, small_mark = _sheet_queries(client, url), _mark_queries(client, mark_url(town, few[0]))
    more = add_children(55)
    assert _sheet_queries(client, url) == small
    assert _mark_queries(client, mark_url(town, more[0])) == small_mark
    assert Booking.objects.filter(activity=meals, date=TODAY).count() == 60
