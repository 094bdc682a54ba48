"""The demo town's re-enrolment campaign for the next school year: families answer from 1 May to 15 June.

Built relative to the day it runs, like the rest of the demo: from the rentrée to April the campaign is planned (the
administrator sees it under "Réinscriptions"), from 1 May to 15 June it is open (the parents' banner and page).
Built later in the summer, there is none: it would read as closed to every family without a reply.
"""

import datetime
from collections import Counter

from ardoise.accounts.models import User
from ardoise.admissions import campaigns
from ardoise.admissions.models import ReenrolmentCampaign
from ardoise.calendars.models import SchoolYear
from ardoise.towns.models import Town

MESSAGE = (
    "Merci de confirmer les activités et les jours de vos enfants pour l'année prochaine. "
    "Sans réponse de votre part, vos enfants ne seront pas inscrits à la rentrée."
)


def campaign_dates(next_year_start: int) -> tuple[datetime.date, datetime.date]:
    """1 May to 15 June before the school year starting in September of `next_year_start`."""
    return datetime.date(next_year_start, 5, 1), datetime.date(next_year_start, 6, 15)


def create_reenrolment_campaign(
    town: Town, today: datetime.date, next_year: SchoolYear, staff: dict[str, User], counts: Counter[str]
) -> ReenrolmentCampaign | None:
    """The campaign for `next_year`, opened by the administrator; none once its dates are past."""
    opens_on, closes_on = campaign_dates(next_year.start_year)
    if today > closes_on:
        return None
    campaign = campaigns.create_campaign(
        town, staff["admin@demo.test"], school_year=next_year, opens_on=opens_on, closes_on=closes_on, message=MESSAGE
    )
    counts["admissions.ReenrolmentCampaign"] += 1
    return campaign
