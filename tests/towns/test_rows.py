"""`towns.rows.fetch_all`: a values_list's rows in one fetch, as the ORM gives them, on SQLite and PostgreSQL."""

import datetime
from decimal import Decimal

from ardoise.billing.models import Invoice
from ardoise.families.models import Family
from ardoise.towns.models import Town
from ardoise.towns.rows import fetch_all
from tests.factories import seed_001_account


def test_rows_are_those_of_the_orm_with_their_types(town: Town, other_town: Town) -> None:
    seed_001_account(Family.objects.create(town=town, number="F1", name="Martin"))
    seed_001_account(Family.objects.create(town=other_town, number="F1", name="Autre"))
    queryset = (
        Invoice.objects.filter(town=town).order_by("number").values_list("number", "issued_on", "total", "family__name")
    )

    rows = fetch_all(queryset)

    assert rows == list(queryset)
    assert rows == [
        ("2027-000012", datetime.date(2027, 4, 8), Decimal("243.20"), "Martin"),
        ("2027-000036", datetime.date(2027, 4, 8), Decimal("120.60"), "Martin"),
    ]


def test_a_query_that_can_match_nothing_reads_nothing(town: Town) -> None:
    Family.objects.create(town=town, number="F1", name="Martin")

    assert fetch_all(Family.objects.filter(pk__in=[]).values_list("pk")) == []
