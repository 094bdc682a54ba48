"""Re-enrolment campaigns in the back office: opening one for the next school year, editing it, following the
replies (counts, lists, CSV) and reminding the families without a reply."""

import datetime
from html import unescape

import pytest
from django.urls import reverse

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.admissions import campaigns
from ardoise.admissions.campaigns import Choice
from ardoise.admissions.models import ReenrolmentCampaign
from ardoise.audit.models import AuditEntry
from ardoise.families.models import Child, Family
from ardoise.messaging.models import OutgoingEmail
from ardoise.messaging.notifications import Kind
from ardoise.towns.models import Town
from tests.admissions.campaign_setup import make_campaign, next_year
from tests.factories import SchoolYearFactory
from tests.outbox import sent_text

pytestmark = pytest.mark.django_db


def url(name: str, town: Town, *args: object) -> str:
    return reverse(f"backoffice:{name}", args=[town.slug, *args])


def test_it_says_clearly_when_the_next_school_year_does_not_exist(
    town: Town, town_admin: User, client_for, frozen: object
) -> None:
    SchoolYearFactory(town=town, start_year=2026)
    client = client_for(town_admin)

    listing = unescape(client.get(url("campaigns", town)).content.decode())
    page = unescape(client.get(url("campaign_new", town)).content.decode())
    posted = client.post(url("campaign_new", town), {"opens_on": "2027-05-01", "closes_on": "2027-06-30"})

    for html in (listing, page):
        assert "L'année scolaire suivante n'existe pas encore" in html
        assert url("config_year_new", town) in html
    assert posted.status_code == 200
    assert not ReenrolmentCampaign.objects.exists()


def test_it_opens_a_campaign_for_the_next_school_year_and_audits_it(
    town: Town, town_admin: User, client_for, frozen: object
) -> None:
    year = next_year(town)
    client = client_for(town_admin)
    assert "Ouvrir les réinscriptions 2027–2028" in client.get(url("campaigns", town)).content.decode()

    response = client.post(
        url("campaign_new", town), {"opens_on": "2027-05-01", "closes_on": "2027-06-30", "message": "Avant l'été."}
    )

    campaign = ReenrolmentCampaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("campaign", town, campaign.pk)
    assert (campaign.school_year, campaign.opens_on, campaign.closes_on) == (
        year,
        datetime.date(2027, 5, 1),
        datetime.date(2027, 6, 30),
    )
    assert AuditEntry.objects.get(action="reenrolment_campaign.create").actor == town_admin
    assert "Ouvrir les réinscriptions" not in client.get(url("campaigns", town)).content.decode()


def test_it_refuses_dates_past_the_start_of_the_year_and_keeps_what_was_typed(
    town: Town, town_admin: User, client_for, frozen: object
) -> None:
    next_year(town)

    response = client_for(town_admin).post(
        url("campaign_new", town), {"opens_on": "2027-05-01", "closes_on": "2027-09-15", "message": "Mon message"}
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "La campagne doit se clore avant la rentrée (1er septembre 2027)." in html
    assert 'value="2027-09-15"' in html
    assert "Mon message" in html
    assert not ReenrolmentCampaign.objects.exists()


def test_it_edits_a_campaigns_dates_with_audit(town: Town, town_admin: User, client_for, frozen: object) -> None:
    campaign = make_campaign(town)

    response = client_for(town_admin).post(
        url("campaign_edit", town, campaign.pk), {"opens_on": "2027-03-01", "closes_on": "2027-04-10", "message": ""}
    )

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.closes_on == datetime.date(2027, 4, 10)
    assert AuditEntry.objects.get(action="reenrolment_campaign.update").changes == {
        "closes_on": ["2027-03-31", "2027-04-10"]
    }


def test_it_lets_the_front_desk_follow_but_not_open_a_campaign(
    town: Town, front_desk: User, client_for, frozen: object
) -> None:
    campaign = make_campaign(town)
    client = client_for(front_desk)

    assert client.get(url("campaign", town, campaign.pk)).status_code == 200
    assert client.get(url("campaign_new", town)).status_code == 403
    assert client.post(url("campaign_edit", town, campaign.pk), {"opens_on": "2027-03-02"}).status_code == 403
    assert "Modifier la campagne" not in client.get(url("campaign", town, campaign.pk)).content.decode()


def test_it_answers_404_for_another_towns_campaign(
    town: Town, other_town: Town, town_admin: User, client_for, frozen: object
) -> None:
    elsewhere = make_campaign(other_town)
    client = client_for(town_admin)

    for name in ("campaign", "campaign_edit", "campaign_csv"):
        assert client.get(url(name, town, elsewhere.pk)).status_code == 404
    assert client.post(url("campaign_remind", town, elsewhere.pk)).status_code == 404


def test_it_counts_and_lists_the_families_that_replied_and_exports_them(
    town: Town,
    family: Family,
    parent: User,
    outsider: User,
    front_desk: User,
    client_for,
    children: list[Child],
    meals: Activity,
) -> None:
    campaign = make_campaign(town)
    Family.objects.filter(name="MARTIN").update(name="=MARTIN")  # a name a spreadsheet would run
    campaigns.submit_reply(campaign, family, [Choice(children[0], meals, (0, 1))], actor=parent)
    client = client_for(front_desk)

    html = client.get(url("campaign", town, campaign.pk)).content.decode()

    assert '<strong data-count="asked">2</strong>' in html
    assert '<strong data-count="replied">1</strong>' in html
    assert '<strong data-count="not-replied">1</strong>' in html
    assert '<strong data-count="requests">1</strong>' in html
    assert "Relancer les familles sans réponse" in html

    response = client.get(url("campaign_csv", town, campaign.pk))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "N° famille;Famille;Réponse;Envoyée le;Par"
    assert lines[1] == "1;DUPONT;oui;09/03/2027 10:00;Marie DUPONT"
    assert lines[2] == "2;'=MARTIN;non;;"


def test_it_reminds_the_families_without_a_reply(
    town: Town,
    family: Family,
    parent: User,
    outsider: User,
    front_desk: User,
    client_for,
    children: list[Child],
    meals: Activity,
) -> None:
    campaign = make_campaign(town)
    campaigns.submit_reply(campaign, family, [], actor=parent)
    client = client_for(front_desk)

    response = client.post(url("campaign_remind", town, campaign.pk), follow=True)

    assert "1 famille(s) relancée(s) par e-mail." in response.content.decode()
    [email] = OutgoingEmail.objects.filter(kind=Kind.REENROLMENT_REMINDER)
    assert email.to == "julie.martin@example.test"
    assert f"http://testserver{reverse('portal:reenrolment', args=[town.slug])}" in sent_text(email)
    assert AuditEntry.objects.get(action="reenrolment_campaign.remind").actor == front_desk


def test_it_refuses_a_reminder_once_the_campaign_is_closed(
    town: Town, outsider: User, front_desk: User, client_for, frozen: object
) -> None:
    campaign = make_campaign(town, opens_on=datetime.date(2027, 2, 1), closes_on=datetime.date(2027, 3, 1))

    response = client_for(front_desk).post(url("campaign_remind", town, campaign.pk), follow=True)

    assert "On ne relance les familles que pendant la campagne." in response.content.decode()
    assert not OutgoingEmail.objects.exists()
