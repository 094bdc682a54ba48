"""The CAF report read from the roll calls: what counts, the period's edges, and a constant number of queries."""

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ardoise.bookings.models import BookingState
from ardoise.caf.models import CafActivitySettings, CafSettings
from ardoise.caf.queries import caf_report, reported_activities
from ardoise.towns.models import Site, Town
from tests.caf.fixtures import APRIL, MARCH, TODAY, Fortnight
from tests.factories import ActivityFactory, BookingFactory, ChildFactory

D = datetime.date


def table(report) -> list[tuple[str, str, str, int, int, Decimal]]:
    return [
        (row.activity.code, row.band, row.regime, row.figures.children, row.figures.presences, row.figures.hours)
        for row in report.rows()
    ]


def test_it_counts_march_from_the_roll_calls(town: Town, fortnight: Fortnight) -> None:
    report = caf_report(town, None, *MARCH, today=TODAY)
    assert [activity.code for activity in report.activities] == ["mercredi", "garderie_soir", "etude"]
    assert table(report) == [
        ("mercredi", "Moins de 6 ans", "CAF", 1, 1, Decimal("8.00")),
        ("mercredi", "Moins de 6 ans", "Non renseigné", 1, 1, Decimal("8.00")),
        ("mercredi", "6 ans et plus", "MSA", 1, 1, Decimal("8.00")),
        ("mercredi", "", "", 3, 3, Decimal("24.00")),
        ("garderie_soir", "Moins de 6 ans", "CAF", 1, 1, Decimal("2.00")),
        ("garderie_soir", "6 ans et plus", "MSA", 1, 1, Decimal("2.00")),
        ("garderie_soir", "", "", 2, 2, Decimal("4.00")),
    ]
    assert (report.tally.total.children, report.tally.total.presences, report.tally.total.hours) == (
        3,
        5,
        Decimal("28.00"),
    )
    assert [(label, f.hours) for label, f in report.regime_totals()] == [
        ("CAF", Decimal("10.00")),
        ("MSA", Decimal("10.00")),
        ("Non renseigné", Decimal("8.00")),
    ]
    # Chloé's Monday is still booked: the roll call was not taken.
    assert [(activity.code, n) for activity, n in report.not_taken()] == [("garderie_soir", 1)]


def test_it_counts_april_with_annas_new_age(town: Town, fortnight: Fortnight) -> None:
    report = caf_report(town, None, *APRIL, today=TODAY)
    assert table(report) == [
        ("garderie_soir", "Moins de 6 ans", "Non renseigné", 1, 1, Decimal("2.00")),  # came without a booking
        ("garderie_soir", "6 ans et plus", "CAF", 1, 2, Decimal("4.00")),
        ("garderie_soir", "", "", 2, 3, Decimal("6.00")),
        ("etude", "6 ans et plus", "MSA", 1, 1, Decimal("1.00")),
        ("etude", "", "", 1, 1, Decimal("1.00")),
    ]
    assert report.tally.total.hours == Decimal("7.00")
    assert report.not_taken() == []


def test_it_adds_both_months_up_to_the_fortnight_of_the_pure_rules(town: Town, fortnight: Fortnight) -> None:
    both = caf_report(town, None, MARCH[0], APRIL[1], today=TODAY)
    assert both.tally.total.hours == Decimal("35.00") == Decimal("28.00") + Decimal("7.00")
    assert [(label, f.children, f.hours) for label, f in both.band_totals()] == [
        ("Moins de 6 ans", 2, Decimal("20.00")),
        ("6 ans et plus", 2, Decimal("15.00")),
    ]


def test_it_reports_the_activities_asked_only_those_of_the_town(
    town: Town, other_town: Town, fortnight: Fortnight
) -> None:
    elsewhere = ActivityFactory(town=other_town)
    report = caf_report(town, [fortnight.meals.pk, elsewhere.pk], *MARCH, today=TODAY)
    assert [activity.code for activity in report.activities] == ["repas"]
    assert report.tally.total.hours == Decimal("2.00")  # Anna's lunch, 11:30–13:30
    assert fortnight.meals not in reported_activities(town)


def test_it_leaves_out_another_towns_roll_calls(town: Town, other_town: Town, fortnight: Fortnight) -> None:
    stranger = ChildFactory(town=other_town)
    BookingFactory(
        child=stranger, activity=ActivityFactory(site=stranger.site), date=D(2027, 3, 30), state=BookingState.PRESENT
    )
    assert caf_report(other_town, None, *MARCH, today=TODAY).tally.total.hours == Decimal("2.00")
    assert caf_report(town, None, *MARCH, today=TODAY).tally.total.hours == Decimal("28.00")


def test_it_applies_the_activitys_own_wednesday_cap(town: Town, fortnight: Fortnight) -> None:
    CafActivitySettings.objects.create(town=town, activity=fortnight.wednesday, wednesday_cap_minutes=390)
    report = caf_report(town, [fortnight.wednesday.pk], *MARCH, today=TODAY)
    assert report.tally.total.hours == Decimal("19.50")  # 3 × 6 h 30


def test_it_reports_with_the_defaults_when_the_town_set_nothing(town: Town, site: Site) -> None:
    wednesday = ActivityFactory(site=site, mercredi=True)
    BookingFactory(
        child=ChildFactory(town=town, site=site, birth_date=D(2020, 1, 1)),
        activity=wednesday,
        date=D(2027, 3, 31),
        state=BookingState.PRESENT,
    )
    report = caf_report(town, None, *MARCH, today=TODAY)
    assert report.bands == ["Moins de 6 ans", "6 ans et plus"]
    assert table(report)[0] == ("mercredi", "6 ans et plus", "Non renseigné", 1, 1, Decimal("10.00"))
    assert not CafSettings.objects.filter(town=town).exists()


def test_it_reads_the_report_in_a_constant_number_of_queries(town: Town, site: Site, fortnight: Fortnight) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            report = caf_report(town, None, *MARCH, today=TODAY)
            report.rows()
            report.band_totals()
        return len(captured)

    few = queries()
    assert few == 4
    for index in range(30):
        kid = ChildFactory(town=town, site=site, birth_date=D(2017 + index % 6, 1 + index % 12, 1))
        for day in (D(2027, 3, 2), D(2027, 3, 3), D(2027, 3, 4)):
            for activity in (fortnight.evening, fortnight.wednesday, fortnight.study):
                BookingFactory(child=kid, activity=activity, date=day, state=BookingState.PRESENT)
    ActivityFactory(site=site, garderie_matin=True)
    assert queries() == few
