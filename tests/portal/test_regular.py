"""Regular registration: weekdays for the rest of the school year, through the same review and confirmation."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings.models import Booking, BookingState, Enrollment
from ardoise.families.models import Child

pytestmark = pytest.mark.django_db


def regular_url(town) -> str:
    return reverse("portal:regular", args=[town.slug])


def post_regular(client: Client, town, child: Child, activity: Activity, weekdays: list[int], **extra):
    data = {"row": f"{child.pk}:{activity.pk}", "weekdays": weekdays, "until": "2027-07-04", **extra}
    return client.post(reverse("portal:booking_review", args=[town.slug]), data)


def change_fields(html: str) -> list[str]:
    return re.findall(r'name="change" value="([^"]+)"', html)


def test_it_requires_a_parent(town, front_desk: User, client_for, meals: Activity) -> None:
    assert Client().get(regular_url(town)).status_code == 302
    assert client_for(front_desk).get(regular_url(town)).status_code == 404


def test_it_shows_each_childs_activities_with_their_weekdays(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    Enrollment.objects.filter(child=children[0]).update(weekly_pattern=[0, 3])
    html = client_for(parent).get(regular_url(town)).content.decode()
    assert "Sarah DUPONT" in html
    assert "Chloé DUPONT" in html
    assert "jusqu&#x27;au 4 juillet 2027" in html or "jusqu'au 4 juillet 2027" in html
    assert html.count('name="weekdays"') == 8  # Mon, Tue, Thu, Fri for each child
    assert 'value="0" checked' in html
    assert 'value="3" checked' in html


def test_it_answers_404_for_another_familys_child(
    town, parent: User, outsider: User, client_for, children: list[Child], meals: Activity
) -> None:
    leo = Child.objects.get(first_name="Léo")
    assert client_for(parent).get(regular_url(town) + f"?child={leo.pk}").status_code == 404
    assert post_regular(client_for(parent), town, leo, meals, [0]).status_code == 404


def test_it_shows_how_many_days_and_the_cost_and_skips_closed_days(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    response = post_regular(client_for(parent), town, sarah, meals, [0])
    assert response.status_code == 200
    html = response.content.decode()
    # Mondays from 15 March to 28 June 2027, without Easter Monday (29/03), the spring
    # holidays (19 and 26 April) and Whit Monday (17 May): 12 Mondays, no refusal.
    assert "12 jours à réserver" in html
    assert "30,00\xa0€" in html
    assert "pas possible" not in html
    assert f'name="pattern" value="{sarah.pk}:{meals.pk}:0"' in html
    assert not Booking.objects.exists()


def test_confirming_books_the_days_and_records_the_weekdays(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    client = client_for(parent)
    html = post_regular(client, town, sarah, meals, [0, 3]).content.decode()
    changes = change_fields(html)
    confirm = reverse("portal:booking_confirm", args=[town.slug])
    response = client.post(confirm, {"change": changes, "pattern": [f"{sarah.pk}:{meals.pk}:0,3"]}, follow=True)
    assert "jours réservés pour Sarah" in response.content.decode()
    days = set(Booking.objects.filter(child=sarah, state=BookingState.BOOKED).values_list("date", flat=True))
    assert {day.weekday() for day in days} == {0, 3}
    assert min(days) == datetime.date(2027, 3, 15)
    assert Enrollment.objects.get(child=sarah, activity=meals).weekly_pattern == [0, 3]


def test_dropping_a_weekday_cancels_the_coming_days_of_that_weekday(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    client = client_for(parent)
    confirm = reverse("portal:booking_confirm", args=[town.slug])

    def register(weekdays: list[int]) -> None:
        html = post_regular(client, town, sarah, meals, weekdays).content.decode()
        fields = change_fields(html)
        pattern = f"{sarah.pk}:{meals.pk}:{','.join(map(str, weekdays))}"
        client.post(confirm, {"change": fields, "pattern": [pattern]})

    register([0, 3])
    register([0])
    states = dict(Booking.objects.filter(child=sarah).values_list("date", "state"))
    assert all(state == BookingState.CANCELLED for day, state in states.items() if day.weekday() == 3)
    assert all(state == BookingState.BOOKED for day, state in states.items() if day.weekday() == 0)
    assert Enrollment.objects.get(child=sarah, activity=meals).weekly_pattern == [0]


def test_a_pattern_with_nothing_left_to_book_is_still_recorded(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    sarah = children[0]
    confirm = reverse("portal:booking_confirm", args=[town.slug])
    response = client_for(parent).post(confirm, {"pattern": [f"{sarah.pk}:{meals.pk}:2"]}, follow=True)
    assert response.status_code == 200
    assert Enrollment.objects.get(child=sarah, activity=meals).weekly_pattern == [2]


def test_a_pattern_for_an_activity_the_child_is_not_enrolled_in_is_404(
    town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    confirm = reverse("portal:booking_confirm", args=[town.slug])
    response = client_for(parent).post(confirm, {"pattern": [f"{children[0].pk}:{meals.pk + 99}:0"]})
    assert response.status_code == 404
