"""Re-enrolment campaigns: what a family is asked, its reply (all or nothing, once), staff's campaign and reminders."""

import datetime
from collections.abc import Callable

import pytest
from django.http import Http404
from hypothesis import given
from hypothesis import strategies as st

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.admissions import campaigns
from ardoise.admissions.access import access_campaign
from ardoise.admissions.campaigns import CampaignRefused, CampaignState, Choice
from ardoise.admissions.models import CampaignReply, EnrolmentRequest, EnrolmentStatus, ReenrolmentCampaign
from ardoise.audit.models import AuditEntry
from ardoise.bookings.models import Enrollment
from ardoise.documents.models import DocumentType, SupportingDocument
from ardoise.families.models import Child, Family
from ardoise.messaging.models import OutgoingEmail
from ardoise.messaging.notifications import Kind
from ardoise.towns.models import Town
from tests.admissions.campaign_setup import CLOSES_ON, OPENS_ON, evening_care, make_campaign, next_year
from tests.factories import SchoolYearFactory
from tests.outbox import sent_text

LINK = "https://ardoise.example.test/saint-exemple/reinscriptions/"

# Pure rules


@given(st.dates(min_value=datetime.date(2026, 1, 1), max_value=datetime.date(2028, 12, 31)))
def test_it_is_open_from_its_first_to_its_last_day_both_included(today: datetime.date) -> None:
    state = campaigns.state_on(OPENS_ON, CLOSES_ON, today)
    if today < OPENS_ON:
        assert state == CampaignState.PLANNED
    elif today <= CLOSES_ON:
        assert state == CampaignState.OPEN
    else:
        assert state == CampaignState.CLOSED


def test_it_refuses_a_campaign_that_closes_before_it_opens_or_after_the_school_year_starts() -> None:
    start = datetime.date(2027, 9, 1)
    assert campaigns.date_problems(OPENS_ON, CLOSES_ON, start) == []
    assert campaigns.date_problems(CLOSES_ON, OPENS_ON, start) == ["La clôture doit suivre l'ouverture."]
    assert campaigns.date_problems(OPENS_ON, start, start) == [
        "La campagne doit se clore avant la rentrée (1er septembre 2027)."
    ]


def test_it_accepts_a_weekly_pattern_within_the_activitys_days_only() -> None:
    assert campaigns.pattern_problems("Repas", [0, 1, 3, 4], [0, 3]) == []
    assert campaigns.pattern_problems("Repas", [0, 1, 3, 4], []) == []
    assert campaigns.pattern_problems("Repas", [0, 1, 3, 4], [2]) == ["Repas n'a pas lieu certains des jours choisis."]


# What a family is asked


def test_it_proposes_this_years_enrolments_with_their_patterns_and_the_other_activities_of_the_site(
    town: Town, family: Family, children: list[Child], meals: Activity
) -> None:
    evening = evening_care(children)
    campaign = make_campaign(town)

    sarah, chloe = campaigns.proposal(campaign, family)

    assert sarah.child == children[0]
    assert [(line.activity, line.enrolled, line.weekly_pattern) for line in sarah.lines] == [
        (meals, True, ()),
        (evening, True, (0, 1)),
    ]
    # Chloé is not at the garderie this year: it is proposed, not kept.
    assert [(line.activity, line.enrolled) for line in chloe.lines] == [(meals, True), (evening, False)]


@pytest.mark.usefixtures("media_root")
def test_it_names_the_documents_that_will_not_cover_the_first_day_of_next_year(
    town: Town,
    family: Family,
    children: list[Child],
    meals: Activity,
    quotient: DocumentType,
    vaccinations: DocumentType,
    uploaded: Callable[..., SupportingDocument],
) -> None:
    sarah, chloe = children
    # Dated 1 September 2026, valid 12 months: it ends on 31 August 2027, the eve of next year's first day.
    uploaded(quotient, None, dated_on=datetime.date(2026, 9, 1))
    uploaded(vaccinations, sarah)  # never expires
    uploaded(vaccinations, chloe, accepted=False)  # still waiting for staff

    to_renew = campaigns.documents_to_renew(make_campaign(town), family, today=datetime.date(2027, 3, 9))

    assert to_renew == [
        "Justificatif de quotient familial — Famille",
        f"Carnet de vaccinations — {chloe.first_name}",
    ]


def test_it_names_no_document_to_renew_when_the_town_asks_for_none(town: Town, family: Family, meals: Activity) -> None:
    assert campaigns.documents_to_renew(make_campaign(town), family, today=datetime.date(2027, 3, 9)) == []


def test_it_shows_families_the_last_campaign_opened_for_a_year_not_started_and_the_banner_only_while_open(
    town: Town, frozen: object
) -> None:
    today = datetime.date(2027, 3, 9)
    assert campaigns.campaign_for_families(town, today) is None
    planned = make_campaign(town, opens_on=datetime.date(2027, 4, 1), closes_on=datetime.date(2027, 4, 30))
    assert campaigns.campaign_for_families(town, today) is None
    assert campaigns.campaign_for_families(town, datetime.date(2027, 5, 3)) == planned
    assert campaigns.open_campaign(town, datetime.date(2027, 4, 30)) == planned
    assert campaigns.open_campaign(town, datetime.date(2027, 5, 1)) is None
    assert campaigns.campaign_for_families(town, datetime.date(2027, 9, 1)) is None


# The family's reply


def test_it_makes_one_request_per_confirmed_activity_for_next_year_with_its_pattern(
    town: Town, family: Family, parent: User, children: list[Child], meals: Activity
) -> None:
    evening = evening_care(children)
    campaign = make_campaign(town)
    sarah, chloe = children

    reply = campaigns.submit_reply(
        campaign,
        family,
        [
            Choice(sarah, meals, (0, 1, 3, 4)),
            Choice(sarah, evening, (1,)),  # was Monday and Tuesday
            Choice(chloe, evening, (0, 3)),  # new this year; Chloé's meals dropped
        ],
        actor=parent,
    )

    assert reply.submitted_by == parent
    assert reply.submitted_at is not None
    requests = EnrolmentRequest.objects.filter(campaign=campaign).order_by("pk")
    assert [(r.child, r.activity, r.weekly_pattern, r.status) for r in requests] == [
        (sarah, meals, [0, 1, 3, 4], EnrolmentStatus.ACCEPTED),
        (sarah, evening, [1], EnrolmentStatus.ACCEPTED),
        (chloe, evening, [0, 3], EnrolmentStatus.ACCEPTED),
    ]
    next_enrollments = Enrollment.objects.filter(school_year__start_year=2027)
    assert {(e.child, e.activity, tuple(e.weekly_pattern)) for e in next_enrollments} == {
        (sarah, meals, (0, 1, 3, 4)),
        (sarah, evening, (1,)),
        (chloe, evening, (0, 3)),
    }
    assert [r.pk for r in campaigns.reply_requests(campaign, family)] == [r.pk for r in requests]


def test_it_saves_nothing_when_one_request_is_refused_and_lists_every_refusal(
    town: Town, family: Family, parent: User, children: list[Child], meals: Activity
) -> None:
    evening = evening_care(children)
    campaign = make_campaign(town)
    sarah, chloe = children
    # Chloé is already enrolled in the meals next year (by staff): asking again is refused.
    Enrollment.objects.create(town=town, child=chloe, activity=meals, school_year=campaign.school_year)

    with pytest.raises(CampaignRefused) as refused:
        campaigns.submit_reply(
            campaign,
            family,
            [Choice(sarah, meals, (0, 1)), Choice(sarah, evening, (2,)), Choice(chloe, meals, ())],
            actor=parent,
        )

    assert refused.value.messages == [
        "Sarah : Garderie soir 16h30–18h30 n'a pas lieu certains des jours choisis.",
        "Chloé — Repas : Chloé est déjà inscrit(e) à Repas pour l'année 2027–2028.",
    ]
    assert not EnrolmentRequest.objects.exists()
    assert not CampaignReply.objects.exists()
    assert not Enrollment.objects.filter(child=sarah, school_year=campaign.school_year).exists()


def test_it_refuses_a_child_of_another_family(
    town: Town, family: Family, parent: User, outsider: User, meals: Activity
) -> None:
    campaign = make_campaign(town)
    leo = Child.objects.get(first_name="Léo")

    with pytest.raises(CampaignRefused) as refused:
        campaigns.submit_reply(campaign, family, [Choice(leo, meals, ())], actor=parent)

    assert refused.value.messages == ["Léo — Repas : cet enfant n'est pas de votre famille."]
    assert not EnrolmentRequest.objects.exists()


def test_it_takes_a_reply_once(
    town: Town, family: Family, parent: User, co_parent: User, children: list[Child], meals: Activity
) -> None:
    campaign = make_campaign(town)
    campaigns.submit_reply(campaign, family, [Choice(children[0], meals, (0,))], actor=parent)

    with pytest.raises(CampaignRefused) as refused:
        campaigns.submit_reply(campaign, family, [Choice(children[1], meals, (0,))], actor=co_parent)

    assert refused.value.messages == ["Votre réponse a déjà été envoyée."]
    assert EnrolmentRequest.objects.filter(campaign=campaign).count() == 1
    assert CampaignReply.objects.get().submitted_by == parent


def test_it_takes_a_reply_that_keeps_nothing(
    town: Town, family: Family, parent: User, children: list[Child], meals: Activity
) -> None:
    campaign = make_campaign(town)

    campaigns.submit_reply(campaign, family, [], actor=parent)

    assert campaigns.reply_of(campaign, family) is not None
    assert not EnrolmentRequest.objects.exists()


@pytest.mark.parametrize(
    ("opens_on", "closes_on"),
    [(datetime.date(2027, 2, 1), datetime.date(2027, 3, 8)), (datetime.date(2027, 3, 10), datetime.date(2027, 4, 1))],
)
def test_it_refuses_a_reply_outside_the_campaigns_dates(
    town: Town,
    family: Family,
    parent: User,
    children: list[Child],
    meals: Activity,
    opens_on: datetime.date,
    closes_on: datetime.date,
) -> None:
    campaign = make_campaign(town, opens_on=opens_on, closes_on=closes_on)

    with pytest.raises(CampaignRefused) as refused:
        campaigns.submit_reply(campaign, family, [Choice(children[0], meals, ())], actor=parent)

    assert refused.value.messages == ["La campagne de réinscription n'est pas ouverte."]
    assert not EnrolmentRequest.objects.exists()


def test_it_puts_a_child_on_the_waiting_list_when_next_years_places_are_taken(
    town: Town, family: Family, parent: User, children: list[Child], wednesdays: Activity
) -> None:
    wednesdays.capacity = 1
    wednesdays.needs_validation = False
    wednesdays.save()
    campaign = make_campaign(town)

    campaigns.submit_reply(
        campaign, family, [Choice(children[0], wednesdays, (2,)), Choice(children[1], wednesdays, (2,))], actor=parent
    )

    statuses = [request.status for request in campaigns.reply_requests(campaign, family)]
    assert statuses == [EnrolmentStatus.ACCEPTED, EnrolmentStatus.WAITING]


# Staff: the campaign


def test_it_creates_a_campaign_for_a_year_once_and_audits_it(town: Town, town_admin: User, frozen: object) -> None:
    year = next_year(town)

    campaign = campaigns.create_campaign(
        town, town_admin, school_year=year, opens_on=OPENS_ON, closes_on=CLOSES_ON, message="Avant le 31 mars."
    )

    entry = AuditEntry.objects.get(action="reenrolment_campaign.create")
    assert (entry.actor, entry.object_id) == (town_admin, campaign.pk)
    assert entry.changes["closes_on"] == [None, "2027-03-31"]
    with pytest.raises(CampaignRefused) as refused:
        campaigns.create_campaign(town, town_admin, school_year=year, opens_on=OPENS_ON, closes_on=CLOSES_ON)
    assert refused.value.messages == ["Une campagne existe déjà pour l'année 2027–2028."]


def test_it_refuses_a_campaign_closing_after_the_school_year_starts(
    town: Town, town_admin: User, frozen: object
) -> None:
    with pytest.raises(CampaignRefused) as refused:
        campaigns.create_campaign(
            town, town_admin, school_year=next_year(town), opens_on=OPENS_ON, closes_on=datetime.date(2027, 9, 2)
        )

    assert refused.value.messages == ["La campagne doit se clore avant la rentrée (1er septembre 2027)."]
    assert not ReenrolmentCampaign.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_refuses_a_school_year_of_another_town(
    town: Town, other_town: Town, town_admin: User, frozen: object
) -> None:
    with pytest.raises(CampaignRefused):
        campaigns.create_campaign(
            town, town_admin, school_year=next_year(other_town), opens_on=OPENS_ON, closes_on=CLOSES_ON
        )
    assert not ReenrolmentCampaign.objects.exists()


def test_it_audits_new_dates_of_a_campaign(town: Town, town_admin: User, frozen: object) -> None:
    campaign = make_campaign(town)

    campaigns.update_campaign(campaign, town_admin, opens_on=OPENS_ON, closes_on=datetime.date(2027, 4, 15))

    campaign.refresh_from_db()
    assert campaign.closes_on == datetime.date(2027, 4, 15)
    entry = AuditEntry.objects.get(action="reenrolment_campaign.update")
    assert entry.changes == {"closes_on": ["2027-03-31", "2027-04-15"]}


def test_it_finds_the_next_school_year_only_when_it_exists(town: Town, frozen: object) -> None:
    today = datetime.date(2027, 3, 9)
    SchoolYearFactory(town=town, start_year=2026)
    assert campaigns.next_school_year(town, today) is None
    year = next_year(town)
    assert campaigns.next_school_year(town, today) == year


# Staff: follow-up and reminders


def test_it_counts_the_families_that_replied_and_those_that_have_not(
    town: Town, family: Family, parent: User, outsider: User, children: list[Child], meals: Activity
) -> None:
    campaign = make_campaign(town)
    Family.objects.create(town=town, number="3", name="ARCHIVÉE", archived_on=datetime.date(2026, 7, 1))
    Family.objects.create(town=town, number="4", name="SANS ENFANT")
    campaigns.submit_reply(campaign, family, [Choice(children[0], meals, ())], actor=parent)

    follow_up = campaigns.follow_up(campaign)

    assert [(replied, reply.submitted_by) for replied, reply in follow_up.replied] == [(family, parent)]
    assert [waiting.name for waiting in follow_up.not_replied] == ["MARTIN"]
    assert follow_up.asked == 2


def test_it_reminds_by_e_mail_only_the_families_without_a_reply_once_per_call_and_audits_it(
    town: Town,
    family: Family,
    parent: User,
    outsider: User,
    front_desk: User,
    children: list[Child],
    meals: Activity,
) -> None:
    campaign = make_campaign(town)
    campaigns.submit_reply(campaign, family, [Choice(children[0], meals, ())], actor=parent)

    assert campaigns.remind_families(campaign, front_desk, link=LINK) == 1

    [email] = OutgoingEmail.objects.filter(kind=Kind.REENROLMENT_REMINDER)
    assert email.to == "julie.martin@example.test"
    assert email.subject == "Saint-Exemple : réinscriptions 2027–2028, votre réponse est attendue"
    text = sent_text(email)
    assert "jusqu'au mercredi 31 mars 2027" in text
    assert LINK in text
    entry = AuditEntry.objects.get(action="reenrolment_campaign.remind")
    assert entry.actor == front_desk
    assert "1 famille" in entry.summary
    # A second call reminds again, once more.
    campaigns.remind_families(campaign, front_desk, link=LINK)
    assert OutgoingEmail.objects.filter(kind=Kind.REENROLMENT_REMINDER).count() == 2


def test_it_reminds_no_one_outside_the_campaigns_dates(
    town: Town, outsider: User, front_desk: User, frozen: object
) -> None:
    campaign = make_campaign(town, opens_on=datetime.date(2027, 4, 1), closes_on=datetime.date(2027, 4, 30))

    with pytest.raises(CampaignRefused) as refused:
        campaigns.remind_families(campaign, front_desk, link=LINK)

    assert refused.value.messages == ["On ne relance les familles que pendant la campagne."]
    assert not OutgoingEmail.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_answers_404_for_a_campaign_of_another_town(town: Town, other_town: Town, frozen: object) -> None:
    campaign = make_campaign(other_town)
    with pytest.raises(Http404):
        access_campaign(town, campaign.pk)
    assert access_campaign(other_town, campaign.pk) == campaign
