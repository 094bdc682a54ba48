"""The audit trail's retention: each town's setting, and the daily purge of older entries."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from ardoise.accounts.models import User
from ardoise.audit.models import DEFAULT_RETENTION_YEARS, AuditEntry, AuditSettings
from ardoise.audit.retention import cutoff, purge_expired, retention_years, set_retention_years
from ardoise.towns.models import Town
from tests.factories import TownFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NOW = datetime.datetime(2027, 3, 9, 3, 0, tzinfo=PARIS)


def at(year: int, month: int, day: int) -> datetime.datetime:
    return datetime.datetime(year, month, day, 12, 0, tzinfo=PARIS)


def entries(town: Town, *moments: datetime.datetime) -> None:
    AuditEntry.objects.bulk_create(
        AuditEntry(town=town, action="booking.book", object_type="booking", summary="Réservation", at=moment)
        for moment in moments
    )


def kept(town: Town) -> list[datetime.date]:
    moments = AuditEntry.objects.filter(town=town).exclude(action="audit.purge").values_list("at", flat=True)
    return sorted(timezone.localdate(moment) for moment in moments)


# The rule


def test_the_cutoff_is_midnight_in_paris_the_same_day_years_before() -> None:
    assert cutoff(datetime.date(2027, 3, 9), 5) == datetime.datetime(2022, 3, 9, tzinfo=PARIS)
    assert cutoff(datetime.date(2028, 2, 29), 1) == datetime.datetime(2027, 2, 28, tzinfo=PARIS)


@given(today=st.dates(datetime.date(2001, 1, 1), datetime.date(2090, 12, 31)), years=st.integers(1, 10))
def test_the_cutoff_is_whole_years_back_never_later(today: datetime.date, years: int) -> None:
    limit = cutoff(today, years)
    day = timezone.localdate(limit)
    assert day.year == today.year - years
    assert (day.month, day.day) == (today.month, today.day) or (today.month, today.day) == (2, 29)
    assert timezone.localtime(limit).time() == datetime.time.min
    assert today - day >= datetime.timedelta(days=365 * years)


# The purge


@pytest.mark.django_db
def test_it_deletes_each_towns_entries_past_its_own_retention_and_says_how_many(town: Town, other_town: Town) -> None:
    AuditSettings.objects.create(town=other_town, retention_years=2)
    moments = (at(2021, 1, 5), at(2022, 3, 8), at(2022, 3, 9), at(2025, 3, 8), at(2026, 1, 1))
    entries(town, *moments)
    entries(other_town, *moments)

    assert purge_expired(NOW) == {town.pk: 2, other_town.pk: 4}

    assert kept(town) == [datetime.date(2022, 3, 9), datetime.date(2025, 3, 8), datetime.date(2026, 1, 1)]
    assert kept(other_town) == [datetime.date(2026, 1, 1)]
    summary = AuditEntry.objects.get(town=town, action="audit.purge")
    assert summary.summary.startswith("2 entrées supprimées (antérieures au 09/03/2022, conservation 5 ans)")
    assert summary.actor is None
    assert summary.changes["deleted"] == 2
    assert AuditEntry.objects.get(town=other_town, action="audit.purge").summary.startswith("4 entrées supprimées")


@pytest.mark.django_db
def test_running_it_again_deletes_nothing_more_and_records_nothing(town: Town) -> None:
    entries(town, at(2020, 1, 1), at(2026, 1, 1))
    assert purge_expired(NOW) == {town.pk: 1}
    assert purge_expired(NOW) == {}
    assert AuditEntry.objects.filter(town=town, action="audit.purge").count() == 1
    assert kept(town) == [datetime.date(2026, 1, 1)]


@pytest.mark.django_db
def test_its_queries_do_not_grow_with_towns_or_entries() -> None:
    def run(towns: int, per_town: int, day: datetime.datetime) -> int:
        created = [TownFactory() for _ in range(towns)]
        for index, each in enumerate(created):
            if index % 2:
                AuditSettings.objects.create(town=each, retention_years=3)
            entries(each, *([at(2015, 6, 1)] * per_town), at(2026, 6, 1))
        with CaptureQueriesContext(connection) as queries:
            assert sum(purge_expired(day).values()) == towns * per_town
        return len(queries)

    small = run(2, 3, NOW)
    large = run(8, 60, NOW + datetime.timedelta(days=1))
    assert large == small
    assert small <= 10


@pytest.mark.django_db
def test_the_command_runs_the_purge(town: Town, capsys: pytest.CaptureFixture[str]) -> None:
    entries(town, at(2001, 1, 1), timezone.now())
    call_command("purge_audit_trail")
    assert "1 entrée(s) du journal supprimée(s)." in capsys.readouterr().out
    assert AuditEntry.objects.filter(town=town, action="audit.purge").count() == 1


# The setting


@pytest.mark.django_db
def test_a_town_keeps_five_years_unless_it_chose_otherwise(town: Town, town_admin: User) -> None:
    assert retention_years(town) == DEFAULT_RETENTION_YEARS == 5
    set_retention_years(town, 3, actor=town_admin)
    assert retention_years(town) == 3
    entry = AuditEntry.objects.get(action="audit.retention")
    assert (entry.actor, entry.changes) == (town_admin, {"retention_years": [5, 3]})
    set_retention_years(town, 3, actor=town_admin)
    assert AuditEntry.objects.filter(action="audit.retention").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("years", [0, 11])
def test_it_refuses_a_retention_out_of_bounds_and_changes_nothing(town: Town, town_admin: User, years: int) -> None:
    with pytest.raises(ValidationError):
        set_retention_years(town, years, actor=town_admin)
    assert retention_years(town) == DEFAULT_RETENTION_YEARS
    assert not AuditEntry.objects.filter(action="audit.retention").exists()
    assert not AuditSettings.objects.filter(town=town).exists()
