"""The family's requests (portal:requests): sections, filters, the last-month window."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.bookings.models import Absence, BookingState, Request, RequestKind, RequestStatus
from tests.factories import AbsenceReasonFactory, BookingFactory
from tests.moment import NEXT_MONDAY, NOW


def page(town, **query: str) -> str:
    return reverse("portal:requests", args=[town.slug]) + ("?" + "&".join(f"{k}={v}" for k, v in query.items()))


def booking_request(child, activity, day, *, status=RequestStatus.PENDING, days_ago=1, reason=""):
    booking = BookingFactory(child=child, activity=activity, date=day, state=BookingState.REQUESTED)
    return Request.objects.create(
        town=child.town,
        family=child.family,
        kind=RequestKind.BOOKING,
        child=child,
        booking=booking,
        status=status,
        created_at=NOW - datetime.timedelta(days=days_ago),
        decided_at=None if status == RequestStatus.PENDING else NOW - datetime.timedelta(days=days_ago - 1),
        reason=reason,
    )


def absence_request(child, activity, day, label="Raison médicale"):
    booking = BookingFactory(child=child, activity=activity, date=day, state=BookingState.ABSENT_EXCUSED)
    reason = AbsenceReasonFactory(town=child.town, label=label)
    Absence.objects.create(town=child.town, booking=booking, reason=reason)
    return Request.objects.create(
        town=child.town, family=child.family, kind=RequestKind.ABSENCE, child=child, booking=booking, created_at=NOW
    )


def record_request(family, guardian):
    return Request.objects.create(
        town=family.town,
        family=family,
        kind=RequestKind.RECORD_CHANGE,
        target="guardian",
        target_id=guardian.pk,
        changes={"mobile_phone": ["06 12 34 56 78", "07 00 00 00 01"], "sms_consent": [False, True]},
        created_at=NOW,
    )


@pytest.fixture
def mixed(parent, children, wednesdays, meals):
    guardian = parent.guardian
    return {
        "pending": booking_request(children[0], wednesdays, datetime.date(2027, 3, 17)),
        "accepted": booking_request(children[1], wednesdays, datetime.date(2027, 3, 24), status=RequestStatus.ACCEPTED),
        "refused": booking_request(
            children[0], wednesdays, datetime.date(2027, 3, 31), status=RequestStatus.REFUSED, reason="Complet ce jour"
        ),
        "old": booking_request(children[0], wednesdays, datetime.date(2027, 2, 3), days_ago=40),
        "absence": absence_request(children[1], meals, NEXT_MONDAY),
        "record": record_request(parent.guardian.family, guardian),
    }


def sections(html: str) -> dict[str, str]:
    pending = html.index('id="section-pending"')
    accepted = html.index('id="section-accepted"')
    refused = html.index('id="section-refused"')
    return {"pending": html[pending:accepted], "accepted": html[accepted:refused], "refused": html[refused:]}


def test_it_requires_login(client, town):
    response = client.get(page(town))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_it_sorts_the_last_month_by_status(client_for, parent, town, mixed):
    response = client_for(parent).get(page(town))
    assert response.status_code == 200
    parts = sections(response.content.decode())
    assert "mercredi 17 mars 2027" in parts["pending"]
    assert "Accueil du mercredi" in parts["pending"]
    assert "mercredi 24 mars 2027" in parts["accepted"]
    assert "Chloé" in parts["accepted"]
    assert "mercredi 31 mars 2027" in parts["refused"]
    assert "Complet ce jour" in parts["refused"]
    assert "refusée le" in parts["refused"]
    assert "Demandée le" in parts["refused"]
    # The request of 40 days ago is not in the last month.
    assert "3 février 2027" not in response.content.decode()


def test_it_shows_older_requests_on_demand(client_for, parent, town, mixed):
    html = client_for(parent).get(page(town, period="3")).content.decode()
    assert "mercredi 3 février 2027" in html
    # An unknown period falls back to the last month rather than failing.
    html = client_for(parent).get(page(town, period="abc")).content.decode()
    assert "mercredi 3 février 2027" not in html


@pytest.mark.parametrize(
    ("kind", "present", "absent"),
    [
        ("booking", ["mercredi 17 mars 2027"], ["Raison médicale", "Mobile"]),
        ("absence", ["Raison médicale", "lundi 15 mars 2027"], ["mercredi 17 mars 2027", "Mobile"]),
        ("record_change", ["Mobile", "07 00 00 00 01", "06 12 34 56 78", "Autorisation sms"], ["mercredi 17 mars"]),
        ("", ["mercredi 17 mars 2027", "Raison médicale", "Mobile"], []),
    ],
)
def test_it_filters_by_type(client_for, parent, town, mixed, kind, present, absent):
    html = client_for(parent).get(page(town, type=kind)).content.decode()
    for text in present:
        assert text in html
    for text in absent:
        assert text not in html


def test_it_shows_old_and_new_values_of_a_record_change(client_for, parent, town, mixed):
    html = client_for(parent).get(page(town, type="record_change")).content.decode()
    assert "Responsable : Marie DUPONT" in html
    assert "<td>Non</td><td>Oui</td>" in html


def test_it_shows_only_the_familys_requests(client_for, outsider, town, mixed):
    html = client_for(outsider).get(page(town)).content.decode()
    assert "Sarah" not in html
    assert "Chloé" not in html
    assert "mercredi 17 mars" not in html


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_it_uses_a_fixed_number_of_queries(client_for, parent, town, children, wednesdays, meals, frozen):
    client = client_for(parent)
    booking_request(children[0], wednesdays, datetime.date(2027, 3, 17))
    absence_request(children[0], meals, NEXT_MONDAY)
    record_request(parent.guardian.family, parent.guardian)
    few = query_count(client, page(town))
    for offset in range(1, 4):
        booking_request(children[1], wednesdays, datetime.date(2027, 3, 17) + datetime.timedelta(weeks=offset))
        absence_request(children[1], meals, NEXT_MONDAY + datetime.timedelta(weeks=offset), label=f"Motif {offset}")
        record_request(parent.guardian.family, parent.guardian)
    assert query_count(client, page(town)) == few
