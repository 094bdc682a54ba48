"""Registration periods' pure rules: weeks and open days, open or not at an instant, the message."""

import datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from ardoise.admissions.periods import (
    PeriodWeek,
    RegistrationState,
    closed_message,
    days_of_weeks,
    is_registration_open,
    period_days,
    period_weeks,
    registration_state,
    whole_weeks_only,
)
from ardoise.calendars.opening import closed_reason

PARIS = ZoneInfo("Europe/Paris")


def d(iso: str) -> datetime.date:
    return datetime.date.fromisoformat(iso)


def holiday_centre_open(day: datetime.date) -> bool:
    """Monday to Friday in zone B's school holidays, public holidays closed."""
    reason = closed_reason(
        day,
        weekdays=[0, 1, 2, 3, 4],
        zone="B",
        runs_in_school_holidays=False,
        holidays_only=True,
        closures=(),
        site_id=1,
        activity_id=1,
    )
    return reason is None


def test_it_cuts_a_period_into_iso_weeks_of_open_days_across_the_new_year() -> None:
    # Christmas holidays 2026: Saturday 19 December to Sunday 3 January; 25 December and 1 January are closed.
    weeks = period_weeks(d("2026-12-19"), d("2027-01-03"), holiday_centre_open)
    assert weeks == [
        PeriodWeek(d("2026-12-21"), (d("2026-12-21"), d("2026-12-22"), d("2026-12-23"), d("2026-12-24"))),
        PeriodWeek(d("2026-12-28"), (d("2026-12-28"), d("2026-12-29"), d("2026-12-30"), d("2026-12-31"))),
    ]
    assert days_of_weeks(weeks, [d("2026-12-28"), d("2027-03-01")]) == list(weeks[1].days)
    assert len(period_days(d("2026-12-19"), d("2027-01-03"), holiday_centre_open)) == 8


def test_it_cuts_weeks_at_the_period_ends_and_across_daylight_saving() -> None:
    # Spring holidays 2027 (zone B: 17 April to 2 May); a period from Wednesday 21 to Tuesday 27 April.
    weeks = period_weeks(d("2027-04-21"), d("2027-04-27"), holiday_centre_open)
    assert [(week.monday, len(week.days)) for week in weeks] == [(d("2027-04-19"), 3), (d("2027-04-26"), 2)]
    # Autumn 2027: the clocks go back on Sunday 31 October; Monday 1 November is a public holiday.
    weeks = period_weeks(d("2027-10-25"), d("2027-11-05"), holiday_centre_open)
    assert [(week.monday, len(week.days)) for week in weeks] == [(d("2027-10-25"), 5), (d("2027-11-01"), 4)]


def test_it_accepts_whole_weeks_only() -> None:
    weeks = period_weeks(d("2027-02-20"), d("2027-03-07"), holiday_centre_open)
    assert whole_weeks_only(weeks, days_of_weeks(weeks, [d("2027-02-22")]))
    assert whole_weeks_only(weeks, [])
    assert not whole_weeks_only(weeks, [d("2027-02-22"), d("2027-02-23")])
    assert not whole_weeks_only(weeks, [d("2027-03-08")])  # a school day, outside the period


OPENS = datetime.datetime(2027, 1, 11, 8, 0, tzinfo=PARIS)
CLOSES = datetime.datetime(2027, 2, 5, 18, 0, tzinfo=PARIS)


def test_it_is_open_from_its_opening_included_to_its_closing_excluded() -> None:
    assert registration_state(OPENS, CLOSES, OPENS - datetime.timedelta(seconds=1)) == RegistrationState.UPCOMING
    assert is_registration_open(OPENS, CLOSES, OPENS)
    assert is_registration_open(OPENS, CLOSES, CLOSES - datetime.timedelta(seconds=1))
    assert registration_state(OPENS, CLOSES, CLOSES) == RegistrationState.CLOSED


def test_it_says_when_registration_opens_or_since_when_it_is_closed() -> None:
    assert closed_message(OPENS, CLOSES, OPENS - datetime.timedelta(days=1)) == (
        "Les inscriptions ne sont pas encore ouvertes : elles ouvrent le lundi 11 janvier 2027 à 08h00."
    )
    assert (
        closed_message(OPENS, CLOSES, CLOSES)
        == "Les inscriptions sont clôturées depuis le vendredi 5 février 2027 à 18h00."
    )
    assert closed_message(OPENS, CLOSES, OPENS) == ""


@given(
    st.dates(min_value=datetime.date(2025, 1, 1), max_value=datetime.date(2028, 12, 31)),
    st.integers(min_value=0, max_value=70),
)
def test_it_puts_every_open_day_in_exactly_one_week_of_its_own(first: datetime.date, length: int) -> None:
    last = first + datetime.timedelta(days=length)
    weeks = period_weeks(first, last, holiday_centre_open)
    days = [day for week in weeks for day in week.days]
    assert days == period_days(first, last, holiday_centre_open)
    assert len({week.monday for week in weeks}) == len(weeks)
    for week in weeks:
        assert week.days
        assert all(first <= day <= last and day.isocalendar()[:2] == week.monday.isocalendar()[:2] for day in week.days)
