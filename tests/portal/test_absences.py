"""Declaring an absence on a booked day (portal:absences, portal:absence_new) and the upload check."""

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ardoise.activities.models import AbsenceReason, Activity
from ardoise.bookings.models import Absence, Booking, BookingState, Request, RequestKind, RequestStatus
from ardoise.bookings.uploads import MAX_DOCUMENT_BYTES, validate_document
from ardoise.families.models import Child
from ardoise.towns.models import Town
from tests.factories import AbsenceReasonFactory, BookingFactory
from tests.moment import NEXT_MONDAY

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def medical(town: Town) -> AbsenceReason:
    return AbsenceReasonFactory(
        town=town, code="raison_medicale", label="Raison médicale", document_required=True, position=1
    )


@pytest.fixture
def other(town: Town) -> AbsenceReason:
    return AbsenceReasonFactory(town=town, code="autres", label="Autres", billed=True, position=9)


# Thursday of this week: booked, and past its deadline (Thursday 4 March, 12:00).
LATE_DAY = datetime.date(2027, 3, 11)


@pytest.fixture
def booking(children: list[Child], meals: Activity) -> Booking:
    return BookingFactory(child=children[0], activity=meals, date=LATE_DAY)


def url(booking: Booking, **extra: str) -> str:
    query = {"child": booking.child_id, "activity": booking.activity_id, "date": booking.date.isoformat(), **extra}
    return (
        reverse("portal:absence_new", args=[booking.town.slug]) + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    )


def post(client: Client, booking: Booking, reason: AbsenceReason, **data: object):
    return client.post(url(booking), {"reason": reason.pk, "comment": "", **data})


def test_it_requires_login(town, booking):
    response = Client().get(url(booking))
    assert response.status_code == 302
    assert response["Location"].startswith(f"/{town.slug}/login/?next=")


def test_it_shows_the_day_and_every_reason_with_its_billing(client_for, parent, booking, medical, other):
    response = client_for(parent).get(url(booking))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sarah DUPONT" in html
    assert "Jeudi 11 mars 2027" in html
    assert "annulé sans frais" not in html
    assert html.index("Raison médicale") < html.index("Autres")  # the town's order
    assert "non facturé" in html
    assert ">facturé<" in html
    assert "justificatif demandé" in html


def test_it_leaves_a_medical_absence_pending_and_says_what_a_refusal_costs(client_for, parent, booking, medical):
    client = client_for(parent)
    response = post(client, booking, medical, comment="Angine")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:requests", args=[booking.town.slug]) + "?type=absence"
    followed = client.get(response["Location"]).content.decode()
    assert "Absence en cours de traitement pour Sarah" in followed
    assert "Si le justificatif est refusé, ce jour sera facturé." in followed
    booking.refresh_from_db()
    assert booking.state == BookingState.ABSENCE_PENDING
    assert booking.absence.reason == medical
    assert booking.absence.comment == "Angine"
    request = Request.objects.get(booking=booking)
    assert (request.kind, request.status) == (RequestKind.ABSENCE, RequestStatus.PENDING)


def test_it_bills_the_day_under_a_billed_reason(client_for, parent, booking, other):
    client = client_for(parent)
    response = post(client, booking, other)
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.state == BookingState.ABSENT_BILLED
    followed = client.get(response["Location"]).content.decode()
    assert "Absence enregistrée pour Sarah" in followed
    assert "Ce jour restera facturé." in followed


def test_it_goes_back_to_the_page_that_linked_here(client_for, parent, booking, other, town):
    planning = f"/{town.slug}/planning/?month=2027-03"
    response = post(client_for(parent), booking, other, next=planning)
    assert response["Location"] == planning
    response = post(
        client_for(parent),
        BookingFactory(child=booking.child, activity=booking.activity, date=LATE_DAY + datetime.timedelta(1)),
        other,
        next="https://ailleurs.example/",
    )
    assert response["Location"].startswith(f"/{town.slug}/demandes/")


def test_it_answers_the_hint_of_a_reason_to_htmx(client_for, parent, booking, medical, other):
    client = client_for(parent)
    html = client.get(url(booking, reason=str(medical.pk)), headers={"HX-Request": "true"}).content.decode()
    assert "Ce jour ne sera pas facturé. Si le justificatif est refusé, ce jour sera facturé." in html
    assert "Un justificatif est demandé" in html
    assert "<form" not in html
    html = client.get(url(booking, reason=str(other.pk)), headers={"HX-Request": "true"}).content.decode()
    assert "Ce jour restera facturé." in html


@pytest.mark.parametrize("state", [None, BookingState.CANCELLED, BookingState.REQUESTED, BookingState.ABSENT_BILLED])
def test_it_refuses_a_day_that_is_not_booked_in_french(client_for, parent, children, meals, other, state):
    day = NEXT_MONDAY + datetime.timedelta(days=1)
    if state is not None:
        BookingFactory(child=children[0], activity=meals, date=day, state=state)
    target = Booking(town=meals.town, child=children[0], activity=meals, date=day)
    client = client_for(parent)
    response = client.get(url(target))
    assert response.status_code == 409
    html = response.content.decode()
    assert "mardi 16 mars 2027" in html
    assert ("déjà déclarée" in html) if state == BookingState.ABSENT_BILLED else ("Rien n&#x27;est réservé" in html)
    response = client.post(url(target), {"reason": other.pk})
    assert response.status_code == 409
    assert not Absence.objects.exists()


@pytest.mark.parametrize("query", ["child=abc", "date=2027-02-30", "activity=x", "date=", "child="])
def test_it_answers_malformed_queries_without_a_500(client_for, parent, booking, query):
    name, value = query.split("=")
    params = {"child": str(booking.child_id), "activity": str(booking.activity_id), "date": "2027-03-15"}
    params[name] = value
    path = (
        reverse("portal:absence_new", args=[booking.town.slug]) + "?" + "&".join(f"{k}={v}" for k, v in params.items())
    )
    response = client_for(parent).get(path)
    assert response.status_code in (404, 409)


def test_it_requires_a_reason_of_this_town(client_for, parent, booking, other_town):
    foreign = AbsenceReasonFactory(town=other_town)
    client = client_for(parent)
    response = client.post(url(booking), {"comment": "x"})
    assert response.status_code == 422
    assert "Choisissez le motif de l&#x27;absence." in response.content.decode()
    response = client.post(url(booking), {"reason": foreign.pk})
    assert response.status_code == 422
    assert "Ce motif n&#x27;existe pas" in response.content.decode()
    booking.refresh_from_db()
    assert booking.state == BookingState.BOOKED


@pytest.mark.parametrize(("name", "content"), [("certificat.pdf", PDF), ("photo.JPG", JPEG), ("scan.png", PNG)])
def test_it_keeps_a_pdf_or_an_image(client_for, parent, booking, medical, name, content):
    response = post(client_for(parent), booking, medical, document=SimpleUploadedFile(name, content))
    assert response.status_code == 302
    absence = Absence.objects.get(booking=booking)
    assert absence.document.name.startswith("absences/2027/03/")
    with absence.document.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("certificat.pdf", b"%PDF-" + b"0" * (MAX_DOCUMENT_BYTES + 1 - 5), "trop lourd"),
        ("certificat.pdf", PNG, "en réalité un PNG"),
        ("certificat.pdf", EXE, "n&#x27;est ni un PDF"),
        ("programme.exe", EXE, "n&#x27;est ni un PDF"),
        ("ordonnance.png", PDF, "en réalité un PDF"),
        ("vide.pdf", b"", "vide"),
    ],
)
def test_it_refuses_an_oversized_or_wrong_type_upload(
    client_for, parent, booking, medical, name, content, message, media
):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = post(client_for(parent), booking, medical, document=upload)
    assert response.status_code == 422
    assert message in response.content.decode()
    booking.refresh_from_db()
    assert booking.state == BookingState.BOOKED
    assert not Absence.objects.exists()
    assert not Request.objects.exists()
    assert not any(media.rglob("*.*"))


def test_it_accepts_exactly_5_megabytes():
    upload = SimpleUploadedFile("max.pdf", b"%PDF-" + b"0" * (MAX_DOCUMENT_BYTES - 5))
    assert validate_document(upload).content_type == "application/pdf"
    assert upload.tell() == 0
    with pytest.raises(ValidationError):
        validate_document(SimpleUploadedFile("max.pdf", b"%PDF-" + b"0" * (MAX_DOCUMENT_BYTES - 4)))


def test_it_lists_the_coming_booked_days_to_pick_from(client_for, parent, children, meals, town):
    BookingFactory(child=children[0], activity=meals, date=NEXT_MONDAY)
    BookingFactory(child=children[1], activity=meals, date=NEXT_MONDAY)
    BookingFactory(child=children[1], activity=meals, date=datetime.date(2027, 3, 16), state=BookingState.CANCELLED)
    BookingFactory(child=children[1], activity=meals, date=datetime.date(2027, 3, 8))  # past
    response = client_for(parent).get(reverse("portal:absences", args=[town.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lundi 15 mars 2027" in html
    assert f"child={children[0].pk}&amp;activity={meals.pk}&amp;date=2027-03-15" in html
    assert f"child={children[1].pk}&amp;activity={meals.pk}&amp;date=2027-03-15" in html
    assert "2027-03-16" not in html
    assert "2027-03-08" not in html


def test_it_answers_404_for_a_child_of_another_family(client_for, outsider, booking, other):
    response = post(client_for(outsider), booking, other)
    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.state == BookingState.BOOKED
    assert not Absence.objects.exists()


# Before the deadline an absence is a cancellation


def test_it_says_on_the_form_that_a_day_still_cancellable_will_be_cancelled(client_for, parent, children, meals, other):
    cancellable = BookingFactory(child=children[0], activity=meals, date=NEXT_MONDAY)
    html = client_for(parent).get(url(cancellable)).content.decode()
    assert "Ce jour peut encore être annulé sans frais." in html
    assert "Jusqu'au jeudi 11 mars 2027 à 12h00, déclarer une absence annule le jour" in html
    assert "Déclarer l'absence et annuler le jour" in html
    assert ">facturé<" not in html  # not even under "Autres", a billed reason


def test_it_cancels_for_free_a_day_still_cancellable_whatever_the_reason(
    client_for, parent, children, meals, other, town
):
    cancellable = BookingFactory(child=children[0], activity=meals, date=NEXT_MONDAY)
    client = client_for(parent)
    planning = f"/{town.slug}/planning/?month=2027-03"
    response = post(client, cancellable, other, comment="Rendez-vous", next=planning)
    assert response.status_code == 302
    cancellable.refresh_from_db()
    assert cancellable.state == BookingState.CANCELLED
    assert not Absence.objects.exists()
    assert not Request.objects.exists()
    html = client.get(response["Location"]).content.decode()
    assert "l&#x27;absence vaut annulation et ce jour ne sera pas facturé" in html
    # The day is still a choice on the planning: its checkbox is there, unticked and enabled.
    box = f'value="{children[0].pk}:{meals.pk}:2027-03-15"'
    tag = html[html.rindex("<input", 0, html.index(box)) : html.index(">", html.index(box))]
    assert "checked" not in tag
    assert "disabled" not in tag
