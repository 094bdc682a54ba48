"""Absences on the planning: a pending absence's own state, and "Déclarer une absence" on booked days
past their deadline."""

import datetime
import re

import pytest
from django.urls import reverse

from ardoise.activities.models import Activity
from ardoise.bookings import actions
from ardoise.bookings.models import BookingState
from ardoise.families.models import Child
from tests.factories import AbsenceReasonFactory, BookingFactory
from tests.moment import NEXT_MONDAY

pytestmark = pytest.mark.django_db

# Thursday of this week (the clock is Tuesday 9 March 2027): its deadline has passed.
LATE_DAY = datetime.date(2027, 3, 11)


def planning(client, town, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"month": "2027-03", **params}.items())
    response = client.get(reverse("portal:planning", args=[town.slug]) + "?" + query)
    assert response.status_code == 200
    return response.content.decode()


def cell_of(html: str, child: Child, activity: Activity, day: datetime.date) -> str:
    """The table cell (<td>) of one child, activity and day."""
    key = f"{child.pk}:{activity.pk}:{day.isoformat()}"
    start = html.index(f'data-cell="{key}"')
    return html[html.rindex("<td", 0, start) : html.index("</td>", start)]


def absence_link(child: Child, activity: Activity, day: datetime.date) -> str:
    return f"absences/new/?child={child.pk}&amp;activity={activity.pk}&amp;date={day.isoformat()}&amp;next="


def test_it_shows_a_pending_absence_as_such_in_the_cell_the_day_card_and_the_legend(
    town, parent, client_for, children, meals
):
    sarah = children[0]
    medical = AbsenceReasonFactory(town=town, code="medical", label="Raison médicale", document_required=True)
    booking = BookingFactory(child=sarah, activity=meals, date=LATE_DAY)
    actions.declare_absence(booking, medical, actor=parent)
    html = planning(client_for(parent), town, child=str(sarah.pk))
    cell = cell_of(html, sarah, meals, LATE_DAY)
    assert "state--absence-pending" in cell
    assert "Absence en cours de traitement" in cell
    assert "Absent excusé" not in cell
    assert 'type="checkbox"' not in cell
    # The phone's day card says the same.
    card = html[html.index('id="n-' + f"{sarah.pk}:{meals.pk}:{LATE_DAY.isoformat()}-note") - 1500 :]
    assert "Absence en cours de traitement" in card[:2000]
    legend = html[html.index('id="legende"') :]
    assert "A?" in legend
    assert "Absence en cours de traitement" in legend


def test_it_offers_to_declare_an_absence_on_a_booked_day_past_its_deadline(town, parent, client_for, children, meals):
    sarah = children[0]
    BookingFactory(child=sarah, activity=meals, date=LATE_DAY)
    html = planning(client_for(parent), town, child=str(sarah.pk))
    cell = cell_of(html, sarah, meals, LATE_DAY)
    assert absence_link(sarah, meals, LATE_DAY) in cell
    assert "Déclarer une absence" in cell
    # The phone's day card has the same link, spelled out.
    assert len(re.findall(re.escape(absence_link(sarah, meals, LATE_DAY)), html)) == 2
    # It comes back to the planning once declared.
    assert f"next=%2F{town.slug}%2Fplanning%2F%3Fchild%3D{sarah.pk}%26month%3D2027-03" in html


def test_it_leads_the_link_to_the_form_for_that_day(town, parent, client_for, children, meals):
    sarah = children[0]
    BookingFactory(child=sarah, activity=meals, date=LATE_DAY)
    client = client_for(parent)
    html = planning(client, town, child=str(sarah.pk))
    href = re.search(r'href="([^"]*' + re.escape(absence_link(sarah, meals, LATE_DAY)) + r'[^"]*)"', html)
    assert href is not None
    form = client.get(href.group(1).replace("&amp;", "&"))
    assert form.status_code == 200
    assert "Jeudi 11 mars 2027" in form.content.decode()


def test_it_offers_no_absence_on_days_still_changeable_gone_by_or_not_booked(town, parent, client_for, children, meals):
    sarah = children[0]
    BookingFactory(child=sarah, activity=meals, date=NEXT_MONDAY)  # still cancellable: its checkbox
    BookingFactory(child=sarah, activity=meals, date=datetime.date(2027, 3, 8))  # gone by
    BookingFactory(child=sarah, activity=meals, date=datetime.date(2027, 3, 12), state=BookingState.CANCELLED)
    html = planning(client_for(parent), town, child=str(sarah.pk))
    for day in (NEXT_MONDAY, datetime.date(2027, 3, 8), datetime.date(2027, 3, 12)):
        assert absence_link(sarah, meals, day) not in html, day
    assert "Déclarer une absence" not in cell_of(html, sarah, meals, NEXT_MONDAY)


def test_it_puts_absences_in_the_parents_menu(town, parent, client_for, meals):
    html = client_for(parent).get(reverse("portal:home", args=[town.slug])).content.decode()
    nav = html[html.index("<nav") : html.index("</nav>")]
    assert f'href="/{town.slug}/absences/"' in nav
    assert ">Absences<" in nav
