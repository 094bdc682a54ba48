"""Review then confirm: costs, refusals, all children or nothing, idempotence, e-mail, malformed input."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings.models import Booking, BookingState
from ardoise.calendars.models import Closure
from ardoise.families.models import Child
from tests.factories import BookingFactory, GuardianFactory
from tests.moment import NEXT_MONDAY, week

pytestmark = pytest.mark.django_db

THIS_FRIDAY = datetime.date(2027, 3, 12)  # closed last Thursday at noon
EASTER_MONDAY = datetime.date(2027, 3, 29)


def review_url(town) -> str:
    return reverse("portal:booking_review", args=[town.slug])


def confirm_url(town) -> str:
    return reverse("portal:booking_confirm", args=[town.slug])


def key(child: Child, activity: Activity, day: datetime.date) -> str:
    return f"{child.pk}:{activity.pk}:{day.isoformat()}"


def ticks(child: Child, activity: Activity, days: list[datetime.date]) -> list[str]:
    return [key(child, activity, day) for day in days]


def changes(child: Child, activity: Activity, days: list[datetime.date], book: bool = True) -> list[str]:
    return [f"{key(child, activity, day)}:{int(book)}" for day in days]


def booked(child: Child) -> dict[datetime.date, str]:
    return dict(Booking.objects.filter(child=child).values_list("date", "state"))


def test_it_requires_login_and_post(town, parent: User, client_for, meals: Activity) -> None:
    assert Client().post(review_url(town)).status_code == 302
    assert client_for(parent).get(review_url(town)).status_code == 405
    assert client_for(parent).get(confirm_url(town)).status_code == 405


def test_it_answers_404_to_staff(town, front_desk: User, client_for, meals: Activity) -> None:
    assert client_for(front_desk).post(review_url(town)).status_code == 404
    assert client_for(front_desk).post(confirm_url(town)).status_code == 404


def test_it_enforces_csrf(town, parent: User, children: list[Child], meals: Activity) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)
    data = {"change": changes(children[0], meals, week(NEXT_MONDAY))}
    assert client.post(review_url(town), data).status_code == 403
    assert client.post(confirm_url(town), data).status_code == 403
    assert not Booking.objects.exists()


def test_the_review_shows_the_cost_per_child_and_in_total_and_saves_nothing(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    sarah, chloe = children
    data = {"book": ticks(sarah, meals, week(NEXT_MONDAY)) + ticks(chloe, meals, week(NEXT_MONDAY)[:2])}
    response = client_for(parent).post(review_url(town), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "4 jours à réserver" in html
    assert "2 jours à réserver" in html
    assert "Sous-total Sarah : <strong>10,00\xa0€</strong>" in html
    assert "Sous-total Chloé : <strong>5,00\xa0€</strong>" in html
    assert "<strong>15,00\xa0€</strong>" in html
    assert html.count('name="change"') == 6
    assert "Confirmer et enregistrer" in html
    assert not Booking.objects.exists()


def test_the_review_lists_refusals_with_their_reasons(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    Closure.objects.create(town=town, site=meals.site, starts_on=NEXT_MONDAY, ends_on=NEXT_MONDAY, label="Grève")
    data = {"book": ticks(sarah, meals, [NEXT_MONDAY, THIS_FRIDAY, EASTER_MONDAY, datetime.date(2027, 3, 16)])}
    html = client_for(parent).post(review_url(town), data).content.decode()
    assert "3 changements ne sont pas possibles" in html
    assert "La date limite pour le vendredi 12 mars 2027 est dépassée" in html
    assert "(Jour férié)" in html
    assert "(Fermeture)" in html
    assert "Confirmer les autres changements" in html
    # Only the accepted change goes on to the confirmation.
    assert html.count('name="change"') == 1
    assert not Booking.objects.exists()


def test_the_review_loads_in_place_with_htmx(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    data = {"book": ticks(children[0], meals, week(NEXT_MONDAY))}
    response = client_for(parent).post(review_url(town), data, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="review-title"' in html


def test_the_review_says_when_nothing_changed(town, parent: User, client_for, children: list[Child], meals: Activity):
    html = client_for(parent).post(review_url(town), {}).content.decode()
    assert "Vous n'avez rien changé : cochez ou décochez des jours dans le planning." in html
    assert "review__confirm" not in html


def test_the_review_books_a_whole_month_row(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    data = {"whole": f"{sarah.pk}:{meals.pk}", "start": "2027-03-01", "end": "2027-03-31"}
    html = client_for(parent).post(review_url(town), data).content.decode()
    # From 15 March (the first open day) to 31 March, without Easter Monday: 9 meals.
    assert "9 jours à réserver" in html
    assert "22,50\xa0€" in html


def test_the_review_books_every_monday_and_thursday_for_both_children(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    sarah, chloe = children
    data = {
        "helper": "weekly",
        "children": [sarah.pk, chloe.pk],
        "activity": "repas",
        "weekdays": ["0", "3"],
        "until": "2027-04-02",
    }
    html = client_for(parent).post(review_url(town), data).content.decode()
    # 15, 18, 22, 25 March, 1 April (29 March is Easter Monday): 5 days each.
    assert html.count("5 jours à réserver") == 2
    assert "<strong>25,00\xa0€</strong>" in html


def test_it_confirms_all_children_at_once_and_says_what_was_saved(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    sarah, chloe = children
    BookingFactory(child=chloe, activity=meals, date=NEXT_MONDAY)
    BookingFactory(child=chloe, activity=meals, date=NEXT_MONDAY + datetime.timedelta(days=1))
    data = {
        "change": changes(sarah, meals, week(NEXT_MONDAY))
        + changes(chloe, meals, [NEXT_MONDAY, NEXT_MONDAY + datetime.timedelta(days=1)], book=False),
        "return_to": "child=all&month=2027-03",
    }
    response = client_for(parent).post(confirm_url(town), data, follow=True)
    assert response.redirect_chain[-1][0] == f"/{town.slug}/planning/?child=all&month=2027-03"
    html = response.content.decode()
    assert "4 jours réservés pour Sarah, 2 jours annulés pour Chloé — total 10,00\xa0€" in html
    assert booked(sarah) == dict.fromkeys(week(NEXT_MONDAY), BookingState.BOOKED)
    assert set(booked(chloe).values()) == {BookingState.CANCELLED}


def test_it_says_one_day_cancelled_in_the_singular(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    BookingFactory(child=sarah, activity=meals, date=NEXT_MONDAY)
    data = {"change": changes(sarah, meals, [NEXT_MONDAY], book=False)}
    html = client_for(parent).post(confirm_url(town), data, follow=True).content.decode()
    assert "C&#x27;est enregistré : 1 jour annulé pour Sarah — total 0,00\xa0€." in html


def test_it_saves_nothing_for_any_child_when_one_change_is_refused(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    sarah, chloe = children
    data = {"change": changes(sarah, meals, week(NEXT_MONDAY)) + changes(chloe, meals, [THIS_FRIDAY])}
    response = client_for(parent).post(confirm_url(town), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Rien n&#x27;a été enregistré" in html
    assert "date limite" in html
    assert not Booking.objects.exists()


def test_it_saves_nothing_when_the_deadline_passes_between_review_and_confirm(
    town, parent: User, client_for, children: list[Child], meals: Activity, frozen
) -> None:
    sarah, chloe = children
    data = {"change": changes(sarah, meals, week(NEXT_MONDAY)) + changes(chloe, meals, week(NEXT_MONDAY))}
    assert client_for(parent).post(review_url(town), data).status_code == 200
    frozen.move_to(datetime.datetime(2027, 3, 11, 12, 1, tzinfo=datetime.UTC))
    response = client_for(parent).post(confirm_url(town), data)
    assert response.status_code == 409
    assert "est dépassée" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_repeated_confirm_is_harmless(town, parent: User, client_for, children: list[Child], meals: Activity) -> None:
    sarah = children[0]
    data = {"change": changes(sarah, meals, week(NEXT_MONDAY))}
    client = client_for(parent)
    client.post(confirm_url(town), data)
    response = client.post(confirm_url(town), data, follow=True)
    assert response.status_code == 200
    assert "étaient déjà enregistrés" in response.content.decode()
    assert Booking.objects.filter(child=sarah).count() == 4


@pytest.mark.usefixtures("immediate_tasks")
def test_it_emails_the_guardians_who_agreed_after_the_commit(
    town,
    parent: User,
    co_parent: User,
    client_for,
    children: list[Child],
    meals: Activity,
    mailoutbox,
    django_capture_on_commit_callbacks,
) -> None:
    GuardianFactory(family=sarah_family(children), position=3, email="", user=None)
    no_consent = co_parent.guardian
    no_consent.email_consent = False
    no_consent.save()
    sarah, chloe = children
    data = {"change": changes(sarah, meals, week(NEXT_MONDAY)) + changes(chloe, meals, [NEXT_MONDAY])}
    with django_capture_on_commit_callbacks(execute=True):
        client_for(parent).post(confirm_url(town), data)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["marie.dupont@example.test"]
    assert mail.subject == "Saint-Exemple : vos réservations sont enregistrées"
    assert "Sarah DUPONT" in mail.body
    assert "Chloé DUPONT" in mail.body
    assert "Lundi 15/03/2027 · Repas · Réservé · 2,50\xa0€" in mail.body
    assert "Total des nouvelles réservations : 12,50\xa0€" in mail.body
    html, mimetype = mail.alternatives[0]
    assert mimetype == "text/html"
    assert "12,50\xa0€" in html


def sarah_family(children: list[Child]):
    return children[0].family


@pytest.mark.usefixtures("immediate_tasks")
def test_it_sends_no_email_when_nothing_changed(
    town,
    parent: User,
    client_for,
    children: list[Child],
    meals: Activity,
    mailoutbox,
    django_capture_on_commit_callbacks,
) -> None:
    data = {"change": changes(children[0], meals, week(NEXT_MONDAY))}
    client = client_for(parent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_url(town), data)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_url(town), data)
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("url", [review_url, confirm_url])
def test_it_answers_404_for_another_familys_child(
    town, parent: User, outsider: User, client_for, children: list[Child], meals: Activity, url
) -> None:
    leo = Child.objects.get(first_name="Léo")
    for data in (
        {"change": [f"{leo.pk}:{meals.pk}:2027-03-15:1"]},
        {"book": [f"{leo.pk}:{meals.pk}:2027-03-15"]},
        {"whole": f"{leo.pk}:{meals.pk}", "start": "2027-03-01", "end": "2027-03-31"},
        {"helper": "weekly", "children": [leo.pk], "activity": "repas", "weekdays": ["0"], "until": "2027-04-01"},
    ):
        assert client_for(parent).post(url(town), data).status_code in (404, 422), data
    assert not Booking.objects.exists()


@pytest.mark.parametrize("url", [review_url, confirm_url])
@pytest.mark.parametrize(
    "data",
    [
        {"change": ["1:2:2027-02-30:1"]},
        {"change": ["x:y:z:1"]},
        {"change": ["1:2:2027-03-15:7"]},
        {"change": ["nonsense"]},
        {"book": ["1:2"]},
        {"book": ["99999999999999999999999:1:2027-03-15"]},
        {"whole": "1", "start": "2027-03-01", "end": "2027-03-31"},
        {"whole": "1:2", "start": "hier", "end": "2027-03-31"},
        {"whole": "1:2", "start": "2027-01-01", "end": "2027-12-31"},
        {"helper": "weekly", "activity": "repas", "weekdays": ["9"], "until": "2027-04-01"},
        {"helper": "weekly", "activity": "repas", "weekdays": ["0"], "until": "demain"},
        {"helper": "weekly", "activity": "repas", "weekdays": ["0"], "until": "2031-04-01"},
        {"row": "1:2", "weekdays": ["0"], "until": "2000-01-01"},
        {"row": "a:b", "weekdays": ["0"], "until": "2027-06-30"},
        {"pattern": ["1:2:x"]},
    ],
)
def test_it_turns_malformed_input_into_a_form_error(town, parent: User, client_for, children, meals, url, data) -> None:
    response = client_for(parent).post(url(town), data)
    assert response.status_code in (404, 422), response.status_code
    if response.status_code == 422:
        assert "pas pu être lue" in response.content.decode()
    assert not Booking.objects.exists()


def test_it_refuses_unknown_activities_as_not_enrolled(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    html = (
        client_for(parent)
        .post(review_url(town), {"change": [f"{children[0].pk}:{meals.pk + 999}:2027-03-15:1"]})
        .content.decode()
    )
    assert "n&#x27;est pas inscrit(e)" in html


def test_it_refuses_huge_lists(town, parent: User, client_for, children: list[Child], meals: Activity) -> None:
    sarah = children[0]
    start = datetime.date(2027, 3, 15)
    many = [f"{sarah.pk}:{meals.pk}:{start + datetime.timedelta(days=n % 300)}:{n % 2}" for n in range(900)]
    response = client_for(parent).post(review_url(town), {"change": many, "book": many, "was": many})
    assert response.status_code in (400, 422)
    assert not Booking.objects.exists()


def test_a_booking_that_needs_validation_becomes_a_request(
    town, parent: User, client_for, children: list[Child], wednesdays: Activity
) -> None:
    sarah = children[0]
    wednesday = datetime.date(2027, 3, 17)
    response = client_for(parent).post(
        confirm_url(town), {"change": changes(sarah, wednesdays, [wednesday])}, follow=True
    )
    assert "1 demande envoyée pour Sarah (à valider par le service)" in response.content.decode()
    assert booked(sarah) == {wednesday: BookingState.REQUESTED}
