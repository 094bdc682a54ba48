"""Admissions fixtures: the DUPONT family's school runs a Wednesday centre with few places."""

from collections.abc import Callable

import pytest

from ardoise.activities.models import Activity
from ardoise.admissions.models import AdmissionSettings, PriorityRule
from ardoise.calendars.models import SchoolYear
from ardoise.families.models import Child, Family
from ardoise.towns.models import Site, Town
from tests.factories import ActivityFactory, ChildFactory, EnrollmentFactory, FamilyFactory, GuardianFactory
from tests.factories import SchoolYearFactory as YearFactory


@pytest.fixture
def year(town: Town, frozen: object) -> SchoolYear:
    return YearFactory(town=town, start_year=2026)


@pytest.fixture
def wednesdays(town: Town, site: Site, year: SchoolYear) -> Activity:
    """Accueil du mercredi, 2 places, validated by staff."""
    return ActivityFactory(town=town, site=site, mercredi=True, capacity=2)


@pytest.fixture
def admission_settings(town: Town) -> AdmissionSettings:
    return AdmissionSettings.objects.create(town=town, priority_rule=PriorityRule.REQUEST_DATE, offer_delay_hours=48)


@pytest.fixture
def other_child(town: Town, site: Site) -> Callable[..., Child]:
    """`other_child(name)`: a child of another family of the school, with a guardian who has an address."""

    def make(first_name: str = "Léa", **family_fields: object) -> Child:
        family: Family = FamilyFactory(town=town, **family_fields)
        GuardianFactory(family=family, email=f"{first_name.lower()}.parent@example.test")
        return ChildFactory(family=family, site=site, first_name=first_name)

    return make


def fill(activity: Activity, year: SchoolYear, count: int, make: Callable[..., Child]) -> list[Child]:
    """Enrol `count` children of other families on the activity's weekdays."""
    children = [make(f"Enfant{index}") for index in range(count)]
    for child in children:
        EnrollmentFactory(child=child, activity=activity, school_year=year, weekly_pattern=list(activity.weekdays))
    return children
