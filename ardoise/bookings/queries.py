"""Reads about enrollments and bookings shared by the portal, the API and staff pages."""

import datetime

from django.db.models import QuerySet

from ardoise.activities.models import Activity
from ardoise.families.models import Family


def activities_of_family(family: Family, today: datetime.date) -> QuerySet[Activity]:
    """Activities the family's children are enrolled in, this school year or later."""
    return (
        Activity.objects.filter(
            town_id=family.town_id,
            enrollments__town_id=family.town_id,
            enrollments__child__family=family,
            enrollments__school_year__ends_on__gte=today,
        )
        .distinct()
        .order_by("site__name", "starts_at", "label")
    )
