"""The requests queue: booking requests, absences to check, record changes;
accepted or refused one or many at once (bookings.decisions)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ardoise.audit.models import AuditEntry
from ardoise.bookings import decisions
from ardoise.bookings.actions import Change, apply, declare_absence
from ardoise.bookings.models import Absence, Booking, BookingState, Request, RequestKind, RequestStatus
from ardoise.families.actions import request_record_change
from ardoise.families.models import AuthorisedPerson, Child, Guardian
from ardoise.towns.models import Role
from tests.factories import (
    AbsenceReasonFactory,
    ActivityFactory,
    BookingFactory,
    ChildFactory,
    EnrollmentFactory,
    FamilyFactory,
    GuardianFactory,
    SchoolYearFactory,
    staff_member,
)

WEDNESDAY = datetime.date(2027, 3, 17)
NEXT_WEDNESDAY = datetime.date(2027, 3, 24)
PDF = b"%PDF-1.4\n% certificat\n"


def queue_url(town, query: str = "") -> str:
    return reverse("backoffice:requests", args=[town.slug]) + query


def decide_url(town) -> str:
    return reverse("backoffice:requests_decide", args=[town.slug])


def ask_booking(child: Child, activity, day: datetime.date, parent) -> Request:
    apply(child, [Change(day, activity.pk, True)], actor=parent)
    return Request.objects.get(kind=RequestKind.BOOKING, booking__child=child, booking__date=day)


def ask_absence(child: Child, activity, day: datetime.date, parent, *, document: bytes | None = None) -> Request:
    booking = BookingFactory(child=child, activity=activity, date=day)
    reason = AbsenceReasonFactory(town=child.town, label="Raison médicale", document_required=True)
    upload = SimpleUploadedFile("certificat.pdf", document, content_type="application/pdf") if document else None
    declare_absence(booking, reason, actor=parent, comment="Angine", document=upload)
    return Request.objects.get(kind=RequestKind.ABSENCE, booking=booking)


@pytest.fixture
def sarah(children):
    return children[0]


@pytest.fixture
def chloe(children):
    return children[1]


@pytest.fixture
def booking_requests(wednesdays, sarah, chloe, parent):
    return [ask_booking(sarah, wednesdays, WEDNESDAY, parent), ask_booking(chloe, wednesdays, WEDNESDAY, parent)]


def decide(client, town, requests, decision, **data):
    payload = {"request": [item.pk for item in requests], "decision": decision, **data}
    return client.post(decide_url(town), payload)


def fresh(item: Request) -> Request:
    return Request.objects.select_related("booking").get(pk=item.pk)


# Access


def test_it_requires_the_front_desk_or_an_administrator(town, front_desk, town_admin, kitchen_agent, client_for):
    assert client_for(front_desk).get(queue_url(town)).status_code == 200
    assert client_for(town_admin).get(queue_url(town)).status_code == 200
    assert client_for(kitchen_agent).get(queue_url(town)).status_code == 403


def test_it_answers_404_to_parents(town, parent, client_for, booking_requests):
    client = client_for(parent)
    assert client.get(queue_url(town)).status_code == 404
    assert decide(client, town, booking_requests, "accept").status_code == 404
    assert fresh(booking_requests[0]).status == RequestStatus.PENDING


# The queue


def test_it_lists_every_kind_of_waiting_request(town, front_desk, client_for, booking_requests, meals, sarah, parent):
    ask_absence(sarah, meals, datetime.date(2027, 3, 11), parent, document=PDF)
    request_record_change(sarah.family, sarah, {"allergies": "Arachide"}, actor=parent)
    html = client_for(front_desk).get(queue_url(town)).content.decode()
    assert "Accueil du mercredi" in html
    assert "Raison médicale" in html
    assert "Voir le justificatif" in html
    assert "/media/" not in html
    assert "Allergies :" in html
    assert '<span class="diff__old">—</span> → <span class="diff__new">Arachide</span>' in html
    assert html.count('name="request"') == 4


def test_it_keeps_the_number_of_queries_constant(town, front_desk, client_for, wednesdays, meals, family, parent):
    client = client_for(front_desk)
    children = list(family.children.all())
    ask_booking(children[0], wednesdays, WEDNESDAY, parent)
    ask_absence(children[0], meals, datetime.date(2027, 3, 11), parent)
    request_record_change(family, parent.guardian, {"city": "Lyon"}, actor=parent)
    client.get(queue_url(town))
    with CaptureQueriesContext(connection) as few:
        client.get(queue_url(town))
    for child in children[1:]:
        ask_booking(child, wednesdays, NEXT_WEDNESDAY, parent)
    ask_booking(children[1], wednesdays, WEDNESDAY, parent)
    ask_absence(children[1], meals, datetime.date(2027, 3, 12), parent, document=PDF)
    request_record_change(family, children[1], {"diet": "vegetarian"}, actor=parent)
    request_record_change(family, family, {"caf_number": "123"}, actor=parent)
    with CaptureQueriesContext(connection) as many:
        response = client.get(queue_url(town))
    assert response.content.decode().count('name="request"') == 8
    assert len(many) == len(few)


def test_it_filters_by_kind_site_and_status(town, front_desk, client_for, booking_requests, meals, sarah, parent):
    request_record_change(sarah.family, sarah, {"allergies": "Arachide"}, actor=parent)
    elsewhere = ChildFactory(family=sarah.family, site=ActivityFactory(town=town).site, first_name="Léa")
    request_record_change(sarah.family, elsewhere, {"diet": "vegetarian"}, actor=parent)
    client = client_for(front_desk)
    assert client.get(queue_url(town, "?kind=booking")).content.decode().count('name="request"') == 2
    assert client.get(queue_url(town, "?kind=record_change")).content.decode().count('name="request"') == 2
    html = client.get(queue_url(town, f"?site={elsewhere.site_id}")).content.decode()
    assert html.count('name="request"') == 1
    assert "Léa" in html
    decide(client, town, booking_requests[:1], "accept")
    assert client.get(queue_url(town, "?status=accepted")).content.decode().count("Acceptée") >= 1
    assert client.get(queue_url(town)).content.decode().count('name="request"') == 3
    # Nonsense filters are ignored, never a failure.
    assert client.get(queue_url(town, "?kind=x&site=abc&status=&page=zz")).status_code == 200


# Booking requests


@pytest.mark.usefixtures("immediate_tasks")
def test_it_accepts_one_booking_request(
    town, front_desk, client_for, booking_requests, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client_for(front_desk), town, booking_requests[:1], "accept", back="kind=booking&evil=1")
    assert response.status_code == 302
    assert response["Location"] == queue_url(town, "?kind=booking")
    item = fresh(booking_requests[0])
    assert item.status == RequestStatus.ACCEPTED
    assert item.decided_by == front_desk
    assert item.decided_at is not None
    assert item.booking.state == BookingState.BOOKED
    assert fresh(booking_requests[1]).status == RequestStatus.PENDING
    entry = AuditEntry.objects.get(action="request.accept")
    assert entry.actor == front_desk
    assert entry.changes["status"] == ["pending", "accepted"]
    assert entry.changes["booking_state"] == ["requested", "booked"]
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["marie.dupont@example.test"]
    assert mailoutbox[0].subject == "Saint-Exemple : votre demande a été acceptée"
    assert "Accueil du mercredi" in mailoutbox[0].body


@pytest.mark.usefixtures("immediate_tasks")
def test_it_accepts_many_at_once(
    town, front_desk, client_for, booking_requests, co_parent, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decide(client_for(front_desk), town, booking_requests, "accept")
    assert {fresh(item).booking.state for item in booking_requests} == {BookingState.BOOKED}
    assert AuditEntry.objects.filter(action="request.accept").count() == 2
    # One e-mail per guardian for the whole decision.
    assert sorted(message.to[0] for message in mailoutbox) == ["marie.dupont@example.test", "paul.dupont@example.test"]
    assert mailoutbox[0].subject == "Saint-Exemple : réponse à vos demandes"


@pytest.mark.usefixtures("immediate_tasks")
def test_it_refuses_many_with_the_reason(
    town, front_desk, client_for, booking_requests, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client_for(front_desk), town, booking_requests, "refuse", reason="  Sortie  annulée ")
    assert response.status_code == 302
    for item in booking_requests:
        item = fresh(item)
        assert item.status == RequestStatus.REFUSED
        assert item.reason == "Sortie annulée"
        assert item.booking.state == BookingState.REFUSED
        assert item.booking.refusal_reason == "Sortie annulée"
    assert AuditEntry.objects.filter(action="request.refuse").count() == 2
    assert "refusée" in mailoutbox[0].body
    assert "Sortie annulée" in mailoutbox[0].body


def test_it_requires_a_reason_to_refuse(town, front_desk, client_for, booking_requests, mailoutbox):
    response = decide(client_for(front_desk), town, booking_requests, "refuse", reason="   ")
    assert response.status_code == 422
    assert "Indiquez le motif du refus" in response.content.decode()
    assert {fresh(item).status for item in booking_requests} == {RequestStatus.PENDING}
    with pytest.raises(decisions.DecisionRefused) as refused:
        decisions.refuse_requests(
            town, [booking_requests[0].pk], actor=front_desk, reason="", base_url="http://testserver"
        )
    assert refused.value.problems[0].code == "reason_required"
    assert not AuditEntry.objects.exists()
    assert not mailoutbox


def test_it_refuses_to_accept_over_capacity_unless_confirmed(
    town, front_desk, client_for, booking_requests, wednesdays, family, site
):
    wednesdays.capacity = 2
    wednesdays.save()
    other = ChildFactory(town=town, site=site, first_name="Tom")
    EnrollmentFactory(child=other, activity=wednesdays, school_year=SchoolYearFactory(town=town, start_year=2026))
    BookingFactory(child=other, activity=wednesdays, date=WEDNESDAY, state=BookingState.BOOKED)
    client = client_for(front_desk)

    response = decide(client, town, booking_requests, "accept")
    assert response.status_code == 422
    html = response.content.decode()
    assert "1 place(s) déjà prise(s) sur 2, 2 demande(s) à accepter" in html
    assert 'name="override_capacity"' in html
    assert html.count("checked") == 2  # the selection is kept
    assert {fresh(item).booking.state for item in booking_requests} == {BookingState.REQUESTED}

    # One fits.
    assert decide(client, town, booking_requests[:1], "accept").status_code == 302
    assert decide(client, town, booking_requests[1:], "accept").status_code == 422
    assert decide(client, town, booking_requests[1:], "accept", override_capacity="on").status_code == 302
    assert fresh(booking_requests[1]).booking.state == BookingState.BOOKED
    entry = AuditEntry.objects.filter(action="request.accept").latest("pk")
    assert entry.changes["override_capacity"] == [False, True]


def test_it_refuses_to_decide_twice(
    town, front_desk, town_admin, client_for, booking_requests, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decide(client_for(front_desk), town, booking_requests[:1], "accept")
    mailoutbox.clear()
    audited = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client_for(town_admin), town, booking_requests, "refuse", reason="Trop tard")
    assert response.status_code == 422
    assert "a déjà été acceptée le 9 mars 2027 : rien n&#x27;a été modifié" in response.content.decode()
    first, second = fresh(booking_requests[0]), fresh(booking_requests[1])
    assert (first.status, first.decided_by, first.booking.state) == (
        RequestStatus.ACCEPTED,
        front_desk,
        BookingState.BOOKED,
    )
    assert second.status == RequestStatus.PENDING  # all or nothing
    assert AuditEntry.objects.count() == audited
    assert not mailoutbox


def test_it_refuses_ids_of_another_town_or_nonsense(town, other_town, front_desk, client_for, booking_requests):
    foreign_family = FamilyFactory(town=other_town)
    foreign = Request.objects.create(town=other_town, family=foreign_family, kind=RequestKind.RECORD_CHANGE)
    client = client_for(front_desk)
    response = client.post(decide_url(town), {"request": [foreign.pk], "decision": "accept"})
    assert response.status_code == 422
    assert f"La demande n° {foreign.pk} n&#x27;existe pas" in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.status == RequestStatus.PENDING
    for payload in (
        {"request": ["abc"], "decision": "accept"},
        {"request": ["99999999999999999999999"], "decision": "accept"},
        {"request": [], "decision": "accept"},
        {"request": [booking_requests[0].pk], "decision": "maybe"},
        {"request": [booking_requests[0].pk], "decision": "refuse", "reason": "x" * 301},
    ):
        assert client.post(decide_url(town), payload).status_code == 422
    assert fresh(booking_requests[0]).status == RequestStatus.PENDING


def test_it_shows_the_decision_in_the_family_requests(town, front_desk, parent, client_for, booking_requests):
    client = client_for(front_desk)
    decide(client, town, booking_requests[:1], "accept")
    decide(client, town, booking_requests[1:], "refuse", reason="Plus de place en sortie")
    html = client_for(parent).get(reverse("portal:requests", args=[town.slug])).content.decode()
    assert "acceptée le" in html
    assert "Motif du refus : Plus de place en sortie" in html


# Absences


def test_it_shows_a_pending_absence_and_what_each_decision_does(town, front_desk, client_for, meals, sarah, parent):
    ask_absence(sarah, meals, datetime.date(2027, 3, 11), parent)
    html = client_for(front_desk).get(queue_url(town)).content.decode()
    assert "Jour : Absence en cours de traitement" in html
    assert "accepté : non facturé ; refusé : facturé" in html


def test_it_accepts_an_absence_under_its_reasons_rule(town, front_desk, client_for, meals, sarah, parent):
    item = ask_absence(sarah, meals, datetime.date(2027, 3, 11), parent)
    assert item.booking.state == BookingState.ABSENCE_PENDING
    decide(client_for(front_desk), town, [item], "accept")
    item = fresh(item)
    assert item.status == RequestStatus.ACCEPTED
    assert item.booking.state == BookingState.ABSENT_EXCUSED
    assert Absence.objects.filter(booking=item.booking).exists()
    entry = AuditEntry.objects.get(action="request.accept")
    assert entry.changes["booking_state"] == ["absence_pending", "absent_excused"]


def test_it_refuses_an_absence_and_bills_the_day(town, front_desk, client_for, meals, sarah, parent):
    item = ask_absence(sarah, meals, datetime.date(2027, 3, 11), parent)
    response = decide(client_for(front_desk), town, [item], "refuse", reason="Aucun certificat reçu")
    assert response.status_code == 302
    item = fresh(item)
    assert item.status == RequestStatus.REFUSED
    assert item.booking.state == BookingState.ABSENT_BILLED
    assert item.booking.refusal_reason == "Aucun certificat reçu"
    assert not Absence.objects.filter(booking=item.booking).exists()
    entry = AuditEntry.objects.get(action="request.refuse")
    assert entry.changes["booking_state"] == ["absence_pending", "absent_billed"]
    assert entry.changes["absence"] == ["Raison médicale — Angine", None]


def test_it_serves_the_absence_document_to_staff_only(
    town, front_desk, kitchen_agent, parent, client_for, meals, sarah, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    item = ask_absence(sarah, meals, datetime.date(2027, 3, 11), parent, document=PDF)
    url = reverse("backoffice:absence_document", args=[town.slug, item.booking.absence.pk])
    response = client_for(front_desk).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    assert client_for(kitchen_agent).get(url).status_code == 403
    assert client_for(parent).get(url).status_code == 404
    missing = reverse("backoffice:absence_document", args=[town.slug, item.booking.absence.pk + 1])
    assert client_for(front_desk).get(missing).status_code == 404


def test_it_answers_404_for_an_absence_without_document(town, front_desk, client_for, meals, sarah, parent):
    item = ask_absence(sarah, meals, datetime.date(2027, 3, 11), parent)
    url = reverse("backoffice:absence_document", args=[town.slug, item.booking.absence.pk])
    assert client_for(front_desk).get(url).status_code == 404


# Record changes


def test_it_applies_an_accepted_record_change(town, front_desk, client_for, sarah, parent):
    item = request_record_change(sarah.family, sarah, {"allergies": "Arachide", "diet": "vegetarian"}, actor=parent)
    assert decide(client_for(front_desk), town, [item], "accept").status_code == 302
    sarah.refresh_from_db()
    assert (sarah.allergies, sarah.diet) == ("Arachide", "vegetarian")
    entry = AuditEntry.objects.get(action="record_change.apply")
    assert (entry.object_type, entry.object_id) == ("child", sarah.pk)
    # Health values stay out of the trail (audit.actions.REDACTED_FIELDS): it says which fields changed.
    assert entry.changes == {"allergies": "champ modifié", "diet": "champ modifié"}


def test_it_applies_a_guardian_change_and_creates_an_authorised_person(town, front_desk, client_for, sarah, parent):
    guardian = parent.guardian
    change = request_record_change(sarah.family, guardian, {"city": "Lyon", "email_consent": False}, actor=parent)
    person = request_record_change(
        sarah.family,
        AuthorisedPerson(town=town, child=sarah),
        {"first_name": "Jeanne", "last_name": "MARTIN", "relationship": "Grand-mère", "phone": "0611223344"},
        actor=parent,
    )
    assert decide(client_for(front_desk), town, [change, person], "accept").status_code == 302
    guardian = Guardian.objects.get(pk=guardian.pk)
    assert (guardian.city, guardian.email_consent) == ("Lyon", False)
    created = AuthorisedPerson.objects.get(child=sarah)
    assert (created.first_name, created.phone, created.town) == ("Jeanne", "0611223344", town)


def test_it_refuses_to_apply_a_change_to_a_record_changed_since(
    town, front_desk, client_for, sarah, parent, booking_requests
):
    item = request_record_change(sarah.family, sarah, {"allergies": "Arachide"}, actor=parent)
    Child.objects.filter(pk=sarah.pk).update(allergies="Gluten")  # staff changed it meanwhile
    response = decide(client_for(front_desk), town, [item, booking_requests[0]], "accept")
    assert response.status_code == 422
    assert "La fiche a été modifiée depuis la demande (Allergies)" in response.content.decode()
    sarah.refresh_from_db()
    assert sarah.allergies == "Gluten"
    assert fresh(item).status == RequestStatus.PENDING
    # All or nothing: the booking request in the same decision waits too.
    assert fresh(booking_requests[0]).booking.state == BookingState.REQUESTED
    assert not AuditEntry.objects.exists()
    # Refusing it is still possible.
    assert decide(client_for(front_desk), town, [item], "refuse", reason="Déjà à jour").status_code == 302


def test_it_refuses_a_change_to_a_field_a_family_may_not_set(town, front_desk, sarah, parent):
    item = Request.objects.create(
        town=town,
        family=sarah.family,
        kind=RequestKind.RECORD_CHANGE,
        child=sarah,
        target="child",
        target_id=sarah.pk,
        changes={"family": [sarah.family_id, 1], "site": [sarah.site_id, 99]},
    )
    with pytest.raises(decisions.DecisionRefused) as refused:
        decisions.accept_requests(town, [item.pk], actor=front_desk, base_url="http://testserver")
    assert refused.value.problems[0].code == "stale"
    assert "ne peut pas être modifié" in refused.value.problems[0].message


@pytest.mark.usefixtures("immediate_tasks")
def test_it_mails_only_guardians_with_an_address_and_consent(
    town, front_desk, booking_requests, family, mailoutbox, django_capture_on_commit_callbacks
):
    GuardianFactory(family=family, position=2, first_name="Paul", email="paul@example.test", email_consent=False)
    GuardianFactory(family=family, position=3, first_name="Zoé", email="", user=None)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.accept_requests(town, [booking_requests[0].pk], actor=front_desk, base_url="http://ardoise.example")
    assert [message.to for message in mailoutbox] == [["marie.dupont@example.test"]]
    assert f"http://ardoise.example/{town.slug}/demandes/" in mailoutbox[0].body


def test_it_sends_no_mail_before_the_commit(town, front_desk, booking_requests, mailoutbox):
    # Without the commit (the test's transaction is never committed) nothing is sent.
    decisions.accept_requests(town, [booking_requests[0].pk], actor=front_desk, base_url="http://testserver")
    assert not mailoutbox


def test_it_lets_a_second_front_desk_agent_decide_too(town, client_for, booking_requests):
    second = staff_member(town, Role.FRONT_DESK, email="accueil2@example.test")
    assert decide(client_for(second), town, booking_requests, "accept").status_code == 302
    assert Booking.objects.filter(state=BookingState.BOOKED).count() == 2


@pytest.mark.parametrize("decision", ["accept", "refuse"])
def test_it_decides_absences_with_one_query_more_per_request_its_audit_entry(
    town, front_desk, meals, sarah, parent, decision
):
    # The bookings (and their declared absences) are read and locked in one query, whatever the number.
    def queries_to_decide(days: list[datetime.date]) -> int:
        items = [ask_absence(sarah, meals, day, parent) for day in days]
        with CaptureQueriesContext(connection) as queries:
            if decision == "accept":
                decisions.accept_requests(town, [item.pk for item in items], actor=front_desk, base_url="")
            else:
                decisions.refuse_requests(
                    town, [item.pk for item in items], actor=front_desk, reason="Non", base_url=""
                )
        states = {booking.state for booking in Booking.objects.filter(pk__in=[item.booking_id for item in items])}
        assert states == {BookingState.ABSENT_EXCUSED if decision == "accept" else BookingState.ABSENT_BILLED}
        return len(queries)

    one = queries_to_decide([datetime.date(2027, 3, 8)])
    three = queries_to_decide([datetime.date(2027, 3, 9), datetime.date(2027, 3, 10), datetime.date(2027, 3, 11)])
    assert three - one == 2  # one audit entry for each request more
