"""The demo's re-enrolment campaign: planned from the rentrée to April, open from 1 May to 15 June, none after."""

import datetime
from collections import Counter

import pytest

from ardoise.accounts.models import User
from ardoise.admissions import campaigns
from ardoise.admissions.campaigns import CampaignState
from ardoise.demo.campaigns import create_reenrolment_campaign
from ardoise.towns.models import Town
from tests.factories import SchoolYearFactory


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (datetime.date(2026, 11, 18), CampaignState.PLANNED),
        (datetime.date(2027, 5, 1), CampaignState.OPEN),
        (datetime.date(2027, 6, 15), CampaignState.OPEN),
        (datetime.date(2027, 6, 16), None),
    ],
)
def test_it_plans_or_opens_the_campaign_for_the_next_year_by_the_build_day(
    town: Town, town_admin: User, today: datetime.date, state: CampaignState | None
) -> None:
    next_year = SchoolYearFactory(town=town, start_year=2027)
    counts: Counter[str] = Counter()

    campaign = create_reenrolment_campaign(town, today, next_year, {"admin@demo.test": town_admin}, counts)

    if state is None:
        assert campaign is None
        return
    assert campaign is not None
    assert campaigns.state_of(campaign, today) == state
    assert campaign.closes_on < next_year.starts_on
