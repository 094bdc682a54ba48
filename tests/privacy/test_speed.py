"""A run's number of queries does not grow with the number of families (set-based updates), nor does the list."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.billing.models import Invoice, Payment
from ardoise.bookings.models import Booking, BookingState
from ardoise.families.models import Child, Family, Guardian
from ardoise.messaging.models import Message, Thread
from ardoise.privacy import actions, queries
from ardoise.towns.models import Site, Town
from tests.privacy.conftest import TODAY

pytestmark = pytest.mark.django_db

LAST_DAY = datetime.date(2023, 6, 30)
SENT = datetime.datetime(2023, 6, 1, 8, 0, tzinfo=datetime.UTC)


def departed_families(town: Town, site: Site, activity: Activity, count: int, start: int) -> list[int]:
    """`count` families past retention, each with an account, a child, a service day, a paid invoice and a
    message, in a few bulk inserts."""
    numbers = [f"P{start + index}" for index in range(count)]
    Family.objects.bulk_create(Family(town=town, number=number, name=f"NOM{number}") for number in numbers)
    families = list(Family.objects.filter(town=town, number__in=numbers).order_by("number"))
    User.objects.bulk_create(User(town=town, email=f"{family.number.lower()}@example.test") for family in families)
    users = {user.email: user for user in User.objects.filter(town=town, email__endswith="@example.test")}
    Guardian.objects.bulk_create(
        Guardian(
            town=town,
            family=family,
            user=users[f"{family.number.lower()}@example.test"],
            civility="Mme",
            first_name="Prénom",
            last_name=family.name,
            email=f"{family.number.lower()}@example.test",
        )
        for family in families
    )
    Child.objects.bulk_create(
        Child(
            town=town,
            family=family,
            site=site,
            first_name="Enfantin",
            last_name=family.name,
            sex="F",
            birth_date=datetime.date(2015, 5, 5),
            allergies="gluten",
        )
        for family in families
    )
    Booking.objects.bulk_create(
        Booking(town=town, child=child, activity=activity, date=LAST_DAY, state=BookingState.PRESENT)
        for child in Child.objects.filter(family__in=families)
    )
    Invoice.objects.bulk_create(
        Invoice(
            town=town,
            family=family,
            number=f"2023-{family.number}",
            issued_on=datetime.date(2023, 7, 5),
            due_on=datetime.date(2023, 7, 31),
            period_start=datetime.date(2023, 6, 1),
            period_end=LAST_DAY,
            total=Decimal("10.00"),
            payer_name=family.name,
        )
        for family in families
    )
    Payment.objects.bulk_create(
        Payment(
            town=town,
            family=family,
            number=f"R-{family.number}",
            method="cash",
            received_on=datetime.date(2023, 7, 6),
            amount=Decimal("10.00"),
        )
        for family in families
    )
    Thread.objects.bulk_create(
        Thread(
            town=town,
            family=family,
            subject="Bonjour",
            last_message_at=datetime.datetime(2023, 6, 1, tzinfo=datetime.UTC),
        )
        for family in families
    )
    Message.objects.bulk_create(
        Message(town=town, thread=thread, from_staff=False, body="Bonjour")
        for thread in Thread.objects.filter(family__in=families)
    )
    if connection.vendor == "postgresql":
        # Statistics of a thousand rows, as a town's database has (autovacuum analyzes it): without them the
        # planner takes these tables for empty and reads every booking once per family, minutes on a busy machine.
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE families_family, families_child, families_guardian, accounts_user, bookings_booking,"
                " billing_invoice, billing_payment, messaging_thread, messaging_message"
            )
    return [family.pk for family in families]


def queries_of_a_run(town: Town, family_ids: list[int]) -> int:
    with CaptureQueriesContext(connection) as captured:
        result = actions.pseudonymise_families(town, None, family_ids, TODAY)
    assert result.pseudonymised == len(family_ids)
    return len(captured)


def queries_of_the_list(town: Town) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        found = queries.candidates(town, TODAY)
    return len(captured), len(found)


def test_a_run_of_1000_families_takes_as_many_queries_as_a_run_of_10(town: Town, site: Site, other_town: Town) -> None:
    activity = Activity.objects.create(town=town, site=site, code="repas", label="Repas", weekdays=[0, 1, 3, 4])
    few = departed_families(town, site, activity, 10, start=0)
    assert queries_of_the_list(town) == (2, 10)
    small = queries_of_a_run(town, few)

    many = departed_families(town, site, activity, 1000, start=100)
    listed, found = queries_of_the_list(town)
    assert (listed, found) == (2, 1000)
    large = queries_of_a_run(town, many)

    assert large == small
    assert small <= 45
    assert not Child.objects.filter(town=town).exclude(first_name="Enfant").exists()
    assert not Guardian.objects.filter(town=town).exclude(email="").exists()
    assert not Message.objects.filter(town=town).exists()
    assert Invoice.objects.filter(town=town).count() == 1010
