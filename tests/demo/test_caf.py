"""The demo's CAF report: its settings, and a past month of roll calls that gives figures."""

import datetime
from decimal import Decimal

import pytest

from ardoise.caf.models import CafSettings
from ardoise.caf.queries import caf_report, reported_activities
from ardoise.towns.models import Town
from tests.demo.dates import TODAY

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("demo")
def test_it_reports_the_hours_of_last_month_from_the_roll_calls() -> None:
    town = Town.objects.get(slug="demo")
    settings = CafSettings.objects.get(town=town)
    assert (settings.age_limits, settings.wednesday_cap_minutes) == ([6], 480)
    assert "repas" not in {activity.code for activity in reported_activities(town)}
    end = TODAY.replace(day=1) - datetime.timedelta(days=1)
    report = caf_report(town, None, end.replace(day=1), end, today=TODAY)
    assert report.tally.total.presences > 0
    assert report.tally.total.hours > Decimal(0)
    assert {band for _activity, band, _regime in report.tally.cells} == {0, 1}
    assert report.not_taken() == []  # the demo took every roll call before today
    wednesday = [activity for activity in report.activities if activity.code == "mercredi"]
    cells = [report.tally.by_activity[activity.pk] for activity in wednesday if activity.pk in report.tally.by_activity]
    assert cells
    assert all(cell.minutes == cell.presences * 480 for cell in cells)  # 9 h capped at 8 h
