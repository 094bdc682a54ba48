"""The charts on the staff home and finance's dashboard (facturation/tableau-de-bord/)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.billing.models import Invoice
from ardoise.bookings.models import BookingState
from tests.factories import ActivityFactory, BookingFactory, ChildFactory, FamilyFactory, SchoolYearFactory

pytestmark = pytest.mark.django_db


def dashboard(town) -> str:
    return reverse("backoffice:finance_dashboard", args=[town.slug])


def home(town) -> str:
    return reverse("backoffice:home", args=[town.slug])


def charts_of(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-chart="')[1:]]


def add_town_data(town, site, count: int) -> None:
    """`count` children present on a day of each of `count` weeks, and as many unpaid invoices."""
    meal = ActivityFactory(site=site)
    study = ActivityFactory(site=site, code="etude", label="Étude")
    numbered = Invoice.objects.filter(town=town).count()
    for n in range(count):
        child = ChildFactory(town=town, site=site)
        day = datetime.date(2026, 9, 7) + datetime.timedelta(weeks=n)
        BookingFactory(child=child, activity=meal, date=day, state=BookingState.PRESENT)
        BookingFactory(child=child, activity=study, date=day, state=BookingState.PRESENT)
        issued = datetime.date(2026, 10, 1) + datetime.timedelta(days=9 * n)
        Invoice.objects.create(
            town=town,
            family=FamilyFactory(town=town),
            number=f"2026-{numbered + n:06d}",
            issued_on=issued,
            due_on=issued + datetime.timedelta(days=30),
            period_start=issued,
            period_end=issued,
            total=Decimal("42.50"),
            payer_name="X",
        )


def test_it_shows_finance_the_four_charts_with_their_tables(town, site, finance_agent, client_for, frozen):
    SchoolYearFactory(town=town, start_year=2026)
    add_town_data(town, site, 3)
    response = client_for(finance_agent).get(dashboard(town))
    assert response.status_code == 200
    html = response.content.decode()
    assert charts_of(html) == ["invoiced-paid", "unpaid", "collection", "attendance"]
    assert html.count('role="img"') == 4
    assert html.count("<details") == 4
    assert html.count("<caption>") == 4
    assert "css/charts.css" in html
    assert "Impayés par ancienneté" in html
    assert "127,50" in html  # three unpaid invoices of 42.50
    assert 'aria-current="page">Tableau de bord</a>' in html


def test_it_costs_the_same_queries_whatever_the_data(
    town, site, finance_agent, client_for, frozen, django_assert_max_num_queries
):
    SchoolYearFactory(town=town, start_year=2026)
    client = client_for(finance_agent)
    add_town_data(town, site, 1)
    client.get(dashboard(town))
    with CaptureQueriesContext(connection) as few:
        client.get(dashboard(town))
    add_town_data(town, site, 20)
    with CaptureQueriesContext(connection) as many:
        assert client.get(dashboard(town)).status_code == 200
    assert len(many) == len(few)
    with django_assert_max_num_queries(13):
        client.get(dashboard(town))


def test_the_home_shows_attendance_and_unpaid_to_those_who_see_money(
    town, site, town_admin, finance_agent, front_desk, kitchen_agent, client_for, frozen
):
    SchoolYearFactory(town=town, start_year=2026)
    add_town_data(town, site, 2)
    for user in (town_admin, finance_agent):
        html = client_for(user).get(home(town)).content.decode()
        assert charts_of(html) == ["attendance", "unpaid"]
        assert dashboard(town) in html
    for user in (front_desk, kitchen_agent):
        html = client_for(user).get(home(town)).content.decode()
        assert charts_of(html) == ["attendance"]
        assert dashboard(town) not in html
        assert "Impayés" not in html


def test_the_home_shows_a_site_agent_the_attendance_of_their_sites_only(
    town, site, other_site, site_agent, client_for, frozen
):
    SchoolYearFactory(town=town, start_year=2026)
    day = datetime.date(2026, 9, 8)
    BookingFactory(
        activity=ActivityFactory(site=site), child=ChildFactory(town=town, site=site), date=day, state="present"
    )
    far = ActivityFactory(site=other_site, code="etude", label="Étude lointaine")
    for _ in range(3):
        BookingFactory(activity=far, child=ChildFactory(town=town, site=other_site), date=day, state="present")
    html = client_for(site_agent).get(home(town)).content.decode()
    assert "1 présence pointée" in html
    assert "Étude lointaine" not in html


def test_the_dashboard_is_not_for_the_front_desk(town, front_desk, client_for):
    assert client_for(front_desk).get(dashboard(town)).status_code == 403
