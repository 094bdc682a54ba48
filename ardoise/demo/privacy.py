"""The demo town's RGPD retention: the town keeps families' data 3 years after their last service day, and one
family, GARNIER, left four school years ago (its last roll call in late June), so that "Données personnelles ›
Familles à anonymiser" lists it with why. It owes nothing and has not logged in since: the administrator may
pseudonymise it.
"""

import datetime
from collections import Counter

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.bookings.models import Booking, BookingState
from ardoise.calendars.deadlines import PARIS
from ardoise.families.models import Child, Civility, Family, Guardian, Sex
from ardoise.messaging.models import Message, Thread
from ardoise.privacy.models import DEFAULT_RETENTION_YEARS, PrivacySettings
from ardoise.towns.models import Site, Town

DEPARTED_NUMBER = "9001"  # outside the generated families' numbers (1001 and up)
DEPARTED_NAME = "GARNIER"
DEPARTED_EMAIL = "lea.garnier@demo.test"


def last_tuesday_of_june(year: int) -> datetime.date:
    day = datetime.date(year, 6, 30)
    return day - datetime.timedelta(days=(day.weekday() - 1) % 7)


def create_departed_family(
    town: Town, today: datetime.date, site: Site, meals: Activity, counts: Counter[str]
) -> Family:
    PrivacySettings.objects.create(town=town, retention_years=DEFAULT_RETENTION_YEARS)
    last_day = last_tuesday_of_june(today.year - 4)
    family = Family.objects.create(town=town, number=DEPARTED_NUMBER, name=DEPARTED_NAME, archived_on=last_day)
    created = datetime.datetime.combine(
        last_day.replace(year=last_day.year - 3, month=8, day=28), datetime.time(9), PARIS
    )
    Family.objects.filter(pk=family.pk).update(created_at=created)
    user = User.objects.create_user(DEPARTED_EMAIL, None, town=town, first_name="Léa", last_name=DEPARTED_NAME)
    Guardian.objects.create(
        town=town,
        family=family,
        user=user,
        civility=Civility.MADAME,
        first_name="Léa",
        last_name=DEPARTED_NAME,
        relationship="Mère",
        address="8 impasse des Glycines",
        postcode="99000",
        city="Saint-Exemple",
        mobile_phone="06 40 50 60 70",
        email=DEPARTED_EMAIL,
    )
    child = Child.objects.create(
        town=town,
        family=family,
        site=site,
        first_name="Hugo",
        last_name=DEPARTED_NAME,
        sex=Sex.MALE,
        birth_date=datetime.date(last_day.year - 10, 4, 12),
        school_class="CM2",
        allergies="Kiwi",
    )
    days = [last_day - datetime.timedelta(days=7 * week) for week in range(3)]
    Booking.objects.bulk_create(
        Booking(
            town=town,
            child=child,
            activity=meals,
            date=day,
            state=BookingState.PRESENT,
            created_at=datetime.datetime.combine(day - datetime.timedelta(days=7), datetime.time(20), PARIS),
        )
        for day in days
    )
    sent = datetime.datetime.combine(last_day, datetime.time(19), PARIS)
    thread = Thread.objects.create(town=town, family=family, subject="Départ en fin d'année", last_message_at=sent)
    Message.objects.create(
        town=town,
        thread=thread,
        from_staff=False,
        body="Bonjour, nous déménageons cet été : Hugo ne sera plus inscrit à la rentrée. Léa Garnier",
    )
    Message.objects.filter(thread=thread).update(created_at=sent)
    Thread.objects.filter(pk=thread.pk).update(created_at=sent)
    counts["privacy.PrivacySettings"] += 1
    counts["privacy departed families"] += 1
    return family
