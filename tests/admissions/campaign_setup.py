"""A re-enrolment campaign for 2027–2028 around tests.moment's frozen day (Tuesday 9 March 2027).

The DUPONT children are enrolled this year (2026–2027) in the `repas` (`tests.moment.meals`); Sarah also goes to
the evening garderie on Mondays and Tuesdays. The campaign runs through March 2027; the next year starts on
1 September 2027.
"""

import datetime

from ardoise.activities.models import Activity
from ardoise.admissions.models import ReenrolmentCampaign
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import Child
from ardoise.towns.models import Town
from tests.factories import ActivityFactory, EnrollmentFactory, SchoolYearFactory

OPENS_ON = datetime.date(2027, 3, 1)
CLOSES_ON = datetime.date(2027, 3, 31)


def next_year(town: Town) -> SchoolYear:
    return SchoolYearFactory(town=town, start_year=2027)


def make_campaign(
    town: Town,
    *,
    opens_on: datetime.date = OPENS_ON,
    closes_on: datetime.date = CLOSES_ON,
    message: str = "",
) -> ReenrolmentCampaign:
    return ReenrolmentCampaign.objects.create(
        town=town, school_year=next_year(town), opens_on=opens_on, closes_on=closes_on, message=message
    )


def evening_care(children: list[Child]) -> Activity:
    """Sarah's evening garderie this year, on Mondays and Tuesdays."""
    sarah = children[0]
    activity = ActivityFactory(town=sarah.town, site=sarah.site, garderie_soir=True)
    EnrollmentFactory(
        child=sarah,
        activity=activity,
        school_year=SchoolYearFactory(town=sarah.town, start_year=2026),
        weekly_pattern=[0, 1],
    )
    return activity
