"""`towns.rows.fetch_all`: a values_list's rows in one fetch, as the ORM gives them, on SQLite and PostgreSQL."""

import datetime
from decimal import Decimal

from ardoise.billing.models import Invoice
from ardoise.families.models import Family
from ardoise.towns.models import Town
from ardoise.towns.rows import fetch_all


def test_rows_are_those_of_the_orm_with_their_types(town: Town, other_town: Town) -> None:
    family = Family.objects.create(town=town, number="F1", name="Martin")
    Family.objects.create(town=other_town, number="F1", name="Autre")
    Invoice.objects.create(
        town=town,
        family=family,
        number="2027-000001",
        issued_on=datetime.date(2027, 1, 31),
        due_on=datetime.date(2027, 2, 15),
        period_start=datetime.date(2027, 1, 1),
        period_end=datetime.date(2027, 1, 31),
        total=Decimal("12.30"),
    )
    queryset = Invoice.objects.filter(town=town).values_list("number", "issued_on", "total", "family__name")

    rows = fetch_all(queryset)

    assert rows == list(queryset)
    assert rows == [("2027-000001", datetime.date(2027, 1, 31), Decimal("12.30"), "Martin")]


def test_a_query_that_can_match_nothing_reads_nothing(town: Town) -> None:
    Family.objects.create(town=town, number="F1", name="Martin")

    assert fetch_all(Family.objects.filter(pk__in=[]).values_list("pk")) == []
