"""Reads about enrollments and bookings shared by the portal, the API and staff pages."""

import datetime

from ardoise.activities import reference as activity_reference
from ardoise.activities.models import Activity
from ardoise.bookings.models import Enrollment
from ardoise.calendars.days import school_years
from ardoise.families.models import Family
from ardoise.towns.models import Town


def activities_of_family(town: Town, family: Family, today: datetime.date) -> list[Activity]:
    """Activities the family's children are enrolled in, this school year or later (site name, start time,
    label): one query for the enrollments, the activities from the town's cached reference data."""
    years = [year.pk for year in school_years(town, today, datetime.date.max)]
    enrolled = set(
        Enrollment.objects.filter(town_id=town.pk, child__family=family, school_year_id__in=years).values_list(
            "activity_id", flat=True
        )
    )
    return list(activity_reference.activities(town, enrolled).values())
