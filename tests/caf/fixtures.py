"""A hand-made fortnight of roll calls for the CAF report, around the end of March 2027 (the week after the
clocks changed): the figures of tests/caf/test_hours.py, now read from the database.

- Anna (CAF) turns 6 on Thursday 1 April; Bruno (MSA) is 8; Chloé (régime not given) is 5.
- Evening care 16:30–18:30 (2 h); the Wednesday centre 8:00–18:00 (10 h, the town caps Wednesdays at 8 h);
  the study has no times (the town says 1 h); meals are not reported.
"""

import datetime
from dataclasses import dataclass

import pytest

from ardoise.activities.models import Activity
from ardoise.bookings.models import BookingState
from ardoise.caf.models import CafActivitySettings, CafSettings
from ardoise.families.models import Child
from ardoise.towns.models import Site, Town
from tests.factories import ActivityFactory, BookingFactory, ChildFactory, FamilyFactory

D = datetime.date
PRESENT, UNBOOKED = BookingState.PRESENT, BookingState.PRESENT_UNBOOKED
MARCH = (D(2027, 3, 1), D(2027, 3, 31))
APRIL = (D(2027, 4, 1), D(2027, 4, 30))
# The report is read after both months.
TODAY = D(2027, 5, 3)


@dataclass
class Fortnight:
    evening: Activity
    wednesday: Activity
    study: Activity
    meals: Activity
    anna: Child
    bruno: Child
    chloe: Child


def child(town: Town, site: Site, name: str, born: datetime.date, regime: str) -> Child:
    family = FamilyFactory(town=town, name=name.upper(), caf_regime=regime, caf_number="1234567" if regime else "")
    return ChildFactory(family=family, site=site, first_name=name, birth_date=born)


@pytest.fixture
def fortnight(town: Town, site: Site) -> Fortnight:
    CafSettings.objects.create(town=town, age_limits=[6], wednesday_cap_minutes=480)
    evening = ActivityFactory(site=site, garderie_soir=True)
    wednesday = ActivityFactory(site=site, mercredi=True)
    study = ActivityFactory(site=site, etude=True, starts_at=None, ends_at=None)
    meals = ActivityFactory(site=site)
    CafActivitySettings.objects.create(town=town, activity=study, slot_minutes=60)
    CafActivitySettings.objects.create(town=town, activity=meals, reported=False)
    anna = child(town, site, "Anna", D(2021, 4, 1), "caf")
    bruno = child(town, site, "Bruno", D(2018, 5, 10), "msa")
    chloe = child(town, site, "Chloé", D(2022, 1, 15), "")
    for who, activity, day, state in [
        (anna, evening, D(2027, 3, 30), PRESENT),
        (anna, wednesday, D(2027, 3, 31), PRESENT),
        (anna, evening, D(2027, 4, 1), PRESENT),
        (anna, evening, D(2027, 4, 2), PRESENT),
        (anna, meals, D(2027, 3, 30), PRESENT),  # not reported
        (bruno, evening, D(2027, 3, 30), PRESENT),
        (bruno, wednesday, D(2027, 3, 31), PRESENT),
        (bruno, study, D(2027, 4, 1), PRESENT),
        (bruno, evening, D(2027, 3, 31), BookingState.ABSENT_BILLED),  # absent: billed, not counted
        (chloe, wednesday, D(2027, 3, 31), PRESENT),
        (chloe, evening, D(2027, 4, 2), UNBOOKED),  # came without a booking: counted
        (chloe, evening, D(2027, 3, 30), BookingState.ABSENT_EXCUSED),
        (chloe, evening, D(2027, 3, 29), BookingState.BOOKED),  # roll call not taken: not counted, reported apart
        (chloe, evening, D(2027, 3, 26), BookingState.CANCELLED),
        (anna, evening, D(2027, 2, 26), PRESENT),  # February
    ]:
        BookingFactory(child=who, activity=activity, date=day, state=state)
    return Fortnight(evening, wednesday, study, meals, anna, bruno, chloe)
