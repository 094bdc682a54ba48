"""An absence waiting for staff (absence_pending) as the back office shows it: roll call, on-behalf planning."""

import datetime
import html

import pytest
from django.urls import reverse

from ardoise.bookings.actions import declare_absence
from tests.factories import AbsenceReasonFactory, BookingFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 3, 9)


@pytest.fixture
def pending(town, parent, children, meals):
    """Sarah's meal today, declared absent for a medical reason whose document staff have not checked."""
    medical = AbsenceReasonFactory(town=town, label="Raison médicale", document_required=True)
    booking = BookingFactory(child=children[0], activity=meals, date=TODAY)
    declare_absence(booking, medical, actor=parent)
    return booking


def test_it_shows_a_pending_absence_at_the_roll_call_as_absent(town, site_agent, client_for, meals, pending):
    url = (
        reverse("backoffice:roll_call", args=[town.slug])
        + f"?site={meals.site_id}&date={TODAY.isoformat()}&activity={meals.pk}"
    )
    page = html.unescape(client_for(site_agent).get(url).content.decode())
    row = page[page.index(f'id="booking-{pending.pk}"') :]
    row = row[: row.index("</li>\n", row.index("roll-row__marks"))]
    assert "roll-row--absence_pending" in row
    assert "Absence en cours de traitement" in row
    assert "absence déclarée : Raison médicale" in row
    absent_button = row[row.index("roll-mark--absent") :]
    assert 'aria-pressed="true"' in absent_button[:100]


def test_it_shows_a_pending_absence_on_the_on_behalf_planning(town, front_desk, client_for, family, meals, pending):
    url = reverse("backoffice:on_behalf", args=[town.slug, family.pk]) + "?month=2027-03"
    page = html.unescape(client_for(front_desk).get(url).content.decode())
    start = page.index(f'data-cell="{pending.child_id}:{meals.pk}:{TODAY.isoformat()}"')
    cell = page[page.rindex("<td", 0, start) : page.index("</td>", start)]
    assert "state--absence-pending" in cell
    assert "Absence en cours de traitement" in cell
    assert "Absence en cours de traitement" in page[page.index('id="legende"') :]
