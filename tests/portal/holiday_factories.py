"""A family's holiday registration period and request, for the portal's isolation matrix."""

import datetime
from zoneinfo import ZoneInfo

from ardoise.admissions.models import EnrolmentRequest, RegistrationPeriod
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import Family
from tests.factories import ActivityFactory, SchoolYearFactory

PARIS = ZoneInfo("Europe/Paris")


def holiday_period_for(family: Family) -> RegistrationPeriod:
    """An open registration period (spring holidays 2027) of the holiday centre at the family's first child's school."""
    child = family.children.order_by("pk").first()
    assert child is not None
    centre = ActivityFactory(town=family.town, site=child.site, code="vacances", weekdays=[0, 1, 2, 3, 4])
    period, _created = RegistrationPeriod.objects.get_or_create(
        town=family.town,
        activity=centre,
        first_day=datetime.date(2027, 4, 17),
        defaults={
            "label": "Vacances de printemps 2027",
            "last_day": datetime.date(2027, 5, 2),
            "opens_at": datetime.datetime(2027, 3, 1, 8, 0, tzinfo=PARIS),
            "closes_at": datetime.datetime(2027, 4, 9, 18, 0, tzinfo=PARIS),
        },
    )
    return period


def holiday_registration_for(family: Family) -> EnrolmentRequest:
    """The family's first child's request for a week of `holiday_period_for`, waiting for the service."""
    period = holiday_period_for(family)
    child = family.children.order_by("pk").first()
    assert child is not None
    year = SchoolYear.objects.filter(town=family.town, start_year=2026).first() or SchoolYearFactory(
        town=family.town, start_year=2026
    )
    return EnrolmentRequest.objects.create(
        town=family.town,
        family=family,
        child=child,
        activity=period.activity,
        school_year=year,
        registration_period=period,
        days=["2027-04-19", "2027-04-20", "2027-04-21", "2027-04-22", "2027-04-23"],
    )
