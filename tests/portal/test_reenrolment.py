"""The family's reply to a re-enrolment campaign: the banner, the form pre-filled with this year's, the reply sent
once, nothing typed lost on a refusal, read-only after the closing date."""

import datetime
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.admissions.models import CampaignReply, EnrolmentRequest, EnrolmentStatus
from ardoise.bookings.models import Enrollment
from ardoise.families.models import Child
from ardoise.towns.models import Town
from tests.admissions.campaign_setup import evening_care, make_campaign

pytestmark = pytest.mark.django_db


def page_url(town: Town) -> str:
    return reverse("portal:reenrolment", args=[town.slug])


def checked(html: str) -> set[str]:
    """The names and values of the ticked boxes: {"keep-1-2", "days-1-2=0", …}."""
    ticked = set()
    for name, value in re.findall(r'<input type="checkbox" name="([^"]+)" value="([^"]+)" checked>', html):
        ticked.add(name if name.startswith("keep-") else f"{name}={value}")
    return ticked


def test_it_requires_a_parent(town: Town, front_desk: User, client_for, meals: Activity) -> None:
    make_campaign(town)
    assert Client().get(page_url(town)).status_code == 302
    assert client_for(front_desk).get(page_url(town)).status_code == 404


def test_it_shows_a_banner_on_the_home_page_while_the_campaign_is_open(
    town: Town, parent: User, client_for, meals: Activity
) -> None:
    home = reverse("portal:home", args=[town.slug])
    assert "Réinscriptions" not in client_for(parent).get(home).content.decode()

    campaign = make_campaign(town)
    html = client_for(parent).get(home).content.decode()
    assert "Réinscriptions 2027–2028 : jusqu'au 31 mars 2027" in html
    assert page_url(town) in html

    campaign.closes_on = datetime.date(2027, 3, 8)
    campaign.save()
    assert "Réinscriptions 2027" not in client_for(parent).get(home).content.decode()


def test_it_proposes_each_childs_activities_ticked_as_this_year(
    town: Town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    evening = evening_care(children)
    make_campaign(town, message="Dossiers complets avant le 31 mars.")
    sarah, chloe = children

    html = client_for(parent).get(page_url(town)).content.decode()

    assert "Dossiers complets avant le 31 mars." in html
    assert "Sarah DUPONT" in html
    assert "Chloé DUPONT" in html
    assert checked(html) == {
        f"keep-{sarah.pk}-{meals.pk}",
        f"keep-{sarah.pk}-{evening.pk}",
        f"days-{sarah.pk}-{evening.pk}=0",
        f"days-{sarah.pk}-{evening.pk}=1",
        f"keep-{chloe.pk}-{meals.pk}",
    }
    # Chloé may add the garderie: its days are offered, not ticked.
    assert f'name="keep-{chloe.pk}-{evening.pk}"' in html
    assert html.count(f'name="days-{chloe.pk}-{evening.pk}"') == 4
    assert "Aucun document à renouveler." in html


def test_it_sends_the_reply_then_shows_what_was_asked_and_each_requests_status(
    town: Town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    evening = evening_care(children)
    make_campaign(town)
    sarah, chloe = children
    client = client_for(parent)

    response = client.post(
        page_url(town),
        {
            f"keep-{sarah.pk}-{meals.pk}": "1",
            f"keep-{sarah.pk}-{evening.pk}": "1",
            f"days-{sarah.pk}-{evening.pk}": ["1", "3"],
            # Chloé's meals dropped.
        },
    )

    assert response.status_code == 302
    assert response["Location"] == page_url(town)
    requests = EnrolmentRequest.objects.order_by("pk")
    assert [(r.child, r.activity, r.weekly_pattern, r.status) for r in requests] == [
        (sarah, meals, [], EnrolmentStatus.ACCEPTED),
        (sarah, evening, [1, 3], EnrolmentStatus.ACCEPTED),
    ]
    html = client.get(page_url(town)).content.decode()
    assert "Votre réponse est envoyée. Merci !" in html
    assert "Envoyée le 9 mars 2027 à 10:00." in html
    assert html.count("Acceptée") == 2
    assert 'name="keep-' not in html  # read-only now
    # Sent again (a second tab): refused, nothing more asked.
    again = client.post(page_url(town), {f"keep-{chloe.pk}-{meals.pk}": "1"})
    assert again.status_code == 409
    assert "Votre réponse a déjà été envoyée" in unescape(again.content.decode())
    assert EnrolmentRequest.objects.count() == 2
    assert not Enrollment.objects.filter(child=chloe, school_year__start_year=2027).exists()


def test_it_keeps_what_was_ticked_and_lists_every_refusal_when_the_reply_is_refused(
    town: Town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    evening = evening_care(children)
    campaign = make_campaign(town)
    sarah, chloe = children
    Enrollment.objects.create(town=town, child=chloe, activity=meals, school_year=campaign.school_year)

    response = client_for(parent).post(
        page_url(town),
        {
            f"keep-{sarah.pk}-{evening.pk}": "1",
            f"days-{sarah.pk}-{evening.pk}": ["2", "4"],  # no garderie on Wednesdays
            f"keep-{chloe.pk}-{meals.pk}": "1",
            f"keep-{chloe.pk}-{evening.pk}": "1",
            f"days-{chloe.pk}-{evening.pk}": ["0"],
        },
    )

    assert response.status_code == 422
    html = unescape(response.content.decode())
    assert "Votre réponse n'a pas été enregistrée" in html
    assert "Sarah : Garderie soir 16h30–18h30 n'a pas lieu certains des jours choisis." in html
    assert "Chloé — Repas : Chloé est déjà inscrit(e) à Repas pour l'année 2027–2028." in html
    # What the parent ticked, not this year's enrolments.
    assert checked(html) == {
        f"keep-{sarah.pk}-{evening.pk}",
        f"days-{sarah.pk}-{evening.pk}=4",
        f"keep-{chloe.pk}-{meals.pk}",
        f"keep-{chloe.pk}-{evening.pk}",
        f"days-{chloe.pk}-{evening.pk}=0",
    }
    assert not EnrolmentRequest.objects.exists()
    assert not CampaignReply.objects.exists()


def test_it_is_read_only_after_the_closing_date(
    town: Town, parent: User, client_for, children: list[Child], meals: Activity
) -> None:
    make_campaign(town, opens_on=datetime.date(2027, 2, 1), closes_on=datetime.date(2027, 3, 8))
    client = client_for(parent)

    html = client.get(page_url(town)).content.decode()
    assert "Les réinscriptions sont closes depuis le 8 mars 2027" in html
    assert 'name="keep-' not in html

    response = client.post(page_url(town), {f"keep-{children[0].pk}-{meals.pk}": "1"})
    assert response.status_code == 409
    assert "votre réponse n'a pas été enregistrée" in unescape(response.content.decode())
    assert not EnrolmentRequest.objects.exists()


def test_it_says_so_when_no_campaign_has_opened(town: Town, parent: User, client_for, meals: Activity) -> None:
    make_campaign(town, opens_on=datetime.date(2027, 4, 1), closes_on=datetime.date(2027, 4, 30))

    html = client_for(parent).get(page_url(town)).content.decode()

    assert "Aucune campagne de réinscription n'est ouverte." in html


def test_it_ignores_another_familys_child_in_the_form(
    town: Town, parent: User, outsider: User, client_for, children: list[Child], meals: Activity
) -> None:
    make_campaign(town)
    leo = Child.objects.get(first_name="Léo")

    response = client_for(parent).post(page_url(town), {f"keep-{leo.pk}-{meals.pk}": "1"})

    assert response.status_code == 302
    assert not EnrolmentRequest.objects.filter(child=leo).exists()
