"""Issue 14: the caller's token and `GET family` read by statements written by hand (accounts.api_tokens,
api.family, towns.rows): the same rules and the same answer as the ORM gave, on SQLite and PostgreSQL."""

import datetime
from decimal import Decimal

import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ardoise.accounts import api_tokens
from ardoise.accounts.models import User
from ardoise.families.models import Child, Family
from ardoise.towns.models import Site, Town
from ardoise.towns.rows import Columns
from tests.api.test_api import Api, login
from tests.factories import ChildFactory, seed_001_account
from tests.legal.helpers import audited_statement


def test_it_reads_the_caller_with_the_token_and_nothing_after(parent: User, family: Family, town: Town) -> None:
    statement = audited_statement(town)
    token, _expires = api_tokens.issue_token(parent)
    with CaptureQueriesContext(connection) as captured:
        found = api_tokens.token_of_town(town.slug, token, ("accessibility_statement",))
        assert found is not None
        guardian = found.user.guardian
        read = (found.town, found.town.accessibility_statement, found.user, guardian, guardian.user, guardian.family)
    assert len(captured) == 1
    assert read == (town, statement, parent, parent.guardian, parent, family)
    assert found.expires_at > datetime.datetime.now(tz=datetime.UTC)
    assert found.town.accessibility_statement.criteria_met_percent == Decimal("78.5")
    assert found.user.date_joined == User.objects.get(pk=parent.pk).date_joined
    assert found.town.reference_version == Town.objects.get(pk=town.pk).reference_version


def test_it_reads_a_staff_account_without_a_family_and_a_town_without_a_statement(front_desk: User, town: Town) -> None:
    token, _expires = api_tokens.issue_token(front_desk)
    with CaptureQueriesContext(connection) as captured:
        found = api_tokens.token_of_town(town.slug, token, ("accessibility_statement",))
        assert found is not None
        assert getattr(found.user, "guardian", None) is None
        assert getattr(found.town, "accessibility_statement", None) is None
    assert len(captured) == 1
    assert Api(town.slug, token).get("family").status_code == 404


def test_it_refuses_an_expired_token_and_an_inactive_account(parent: User) -> None:
    api = login(parent)
    assert api.get("family").status_code == 200
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=settings.API_TOKEN_LIFETIME_SECONDS)
    with time_machine.travel(later + datetime.timedelta(seconds=1), tick=False):
        assert api.get("family").status_code == 401
    with time_machine.travel(later - datetime.timedelta(seconds=60), tick=False):
        assert api.get("family").status_code == 200
    User.objects.filter(pk=parent.pk).update(is_active=False)
    assert api.get("family").status_code == 401


def test_it_describes_the_family_in_the_models_order_with_its_balance(
    parent: User, co_parent: User, family: Family, site: Site
) -> None:
    guardian = co_parent.guardian
    guardian.mobile_phone, guardian.home_phone = "", "01 23 45 67 89"
    guardian.save()
    older = ChildFactory(family=family, site=site, first_name="Zoé", birth_date=datetime.date(2016, 5, 2))
    younger = ChildFactory(family=family, site=site, first_name="Adam", birth_date=datetime.date(2019, 1, 31))
    twin = ChildFactory(family=family, site=site, first_name="Aaron", birth_date=datetime.date(2019, 1, 31))
    seed_001_account(family)  # invoices, credit notes and payments (the balance: tests/api/test_api.py)

    body = login(parent).get("family").json()
    assert body["balance"] == "120.60"
    assert [(g["first_name"], g["phone"], g["civility"]) for g in body["guardians"]] == [
        ("Marie", parent.guardian.mobile_phone, "Mme"),
        ("Paul", "01 23 45 67 89", "M."),
    ]
    mine = {older.pk, younger.pk, twin.pk}
    assert [(c["id"], c["birth_date"]) for c in body["children"] if c["id"] in mine] == [
        (older.pk, "2016-05-02"),
        (twin.pk, "2019-01-31"),
        (younger.pk, "2019-01-31"),
    ]
    assert next(c for c in body["children"] if c["id"] == older.pk) == {
        "id": older.pk,
        "first_name": "Zoé",
        "last_name": older.last_name,
        "birth_date": "2016-05-02",
        "site": {"id": site.pk, "name": "École Jules Ferry"},
    }


def test_the_columns_are_read_in_the_models_order_and_converted(family: Family, site: Site) -> None:
    child = ChildFactory(family=family, site=site, birth_date=datetime.date(2018, 2, 3))
    columns = Columns(Child, "c", ["birth_date", "id", "first_name"])
    assert columns.names == ["id", "first_name", "birth_date"]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns.select(quote)} FROM {quote(columns.table)} c WHERE c.id = %s", [child.pk])  # noqa: S608
        row = cursor.fetchone()
    found = columns.instance(connection.alias, row)
    assert (found.pk, found.first_name, found.birth_date) == (child.pk, child.first_name, datetime.date(2018, 2, 3))
    assert columns.order_by(quote) == 'c."birth_date", c."first_name"'
