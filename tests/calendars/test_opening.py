"""Open days: public holidays, Zone B school holidays, closures and the order of reasons."""

import datetime

import pytest

from ardoise.calendars.opening import (
    ClosedReason,
    ClosureSpan,
    closed_reason,
    is_public_holiday,
    is_school_holiday,
    public_holidays,
    school_calendar_known,
)

SCHOOL_DAYS = [0, 1, 3, 4]  # canteen: Monday, Tuesday, Thursday, Friday
WEDNESDAY = [2]
SITE, OTHER_SITE = 1, 2
CANTEEN, EVENING_CARE = 10, 11


def d(iso: str) -> datetime.date:
    return datetime.date.fromisoformat(iso)


def reason(
    day: str,
    *,
    weekdays: list[int] = SCHOOL_DAYS,
    runs_in_school_holidays: bool = False,
    closures: tuple[ClosureSpan, ...] = (),
    site_id: int = SITE,
    activity_id: int = CANTEEN,
    zone: str = "B",
) -> ClosedReason | None:
    return closed_reason(
        d(day),
        weekdays=weekdays,
        zone=zone,
        runs_in_school_holidays=runs_in_school_holidays,
        closures=closures,
        site_id=site_id,
        activity_id=activity_id,
    )


# Public holidays


def test_it_knows_the_french_public_holidays() -> None:
    assert public_holidays(2027) == {
        d(day)
        for day in [
            "2027-01-01",
            "2027-03-29",  # Lundi de Pâques
            "2027-05-01",
            "2027-05-06",  # Ascension
            "2027-05-08",
            "2027-05-17",  # Lundi de Pentecôte
            "2027-07-14",
            "2027-08-15",
            "2027-11-01",
            "2027-11-11",
            "2027-12-25",
        ]
    }
    assert public_holidays(2027) is public_holidays(2027)  # cached


@pytest.mark.parametrize(("day", "holiday"), [("2026-11-11", True), ("2027-05-17", True), ("2027-05-18", False)])
def test_it_tells_a_public_holiday(day: str, holiday: bool) -> None:
    assert is_public_holiday(d(day)) is holiday


# School holidays, Zone B


@pytest.mark.parametrize(
    ("last_school_day", "first_holiday", "last_holiday", "back_to_school"),
    [
        # 2026–2027
        ("2026-10-16", "2026-10-19", "2026-10-30", "2026-11-02"),  # Toussaint
        ("2026-12-18", "2026-12-21", "2026-12-31", "2027-01-04"),  # Noël
        ("2027-02-19", "2027-02-22", "2027-03-05", "2027-03-08"),  # hiver
        ("2027-04-16", "2027-04-19", "2027-04-30", "2027-05-03"),  # printemps
        ("2027-05-05", "2027-05-07", "2027-05-07", "2027-05-10"),  # pont de l'Ascension (Friday 7 May)
        # 2027–2028
        ("2027-10-22", "2027-10-25", "2027-11-05", "2027-11-08"),  # Toussaint
        ("2027-12-17", "2027-12-20", "2027-12-31", "2028-01-03"),  # Noël
        ("2028-02-04", "2028-02-07", "2028-02-18", "2028-02-21"),  # hiver
        ("2028-04-07", "2028-04-10", "2028-04-21", "2028-04-24"),  # printemps
        ("2028-05-24", "2028-05-26", "2028-05-26", "2028-05-29"),  # pont de l'Ascension (Friday 26 May)
    ],
)
def test_it_follows_the_official_zone_b_calendar(
    last_school_day: str, first_holiday: str, last_holiday: str, back_to_school: str
) -> None:
    assert not is_school_holiday(d(last_school_day), "B")
    assert is_school_holiday(d(first_holiday), "B")
    assert is_school_holiday(d(last_holiday), "B")
    assert not is_school_holiday(d(back_to_school), "B")
    assert reason(first_holiday) == ClosedReason.SCHOOL_HOLIDAY
    assert reason(back_to_school) is None


def test_it_depends_on_the_zone() -> None:
    # Winter 2027: zone A from 13 February, zone B from 20 February.
    assert is_school_holiday(d("2027-02-15"), "A")
    assert not is_school_holiday(d("2027-02-15"), "B")
    assert is_school_holiday(d("2027-03-01"), "B")
    assert not is_school_holiday(d("2027-03-01"), "A")


def test_it_refuses_an_unknown_zone() -> None:
    with pytest.raises(ValueError, match="zone"):
        is_school_holiday(d("2027-03-01"), "D")


def test_it_says_when_the_school_calendar_is_not_known() -> None:
    assert school_calendar_known(d("2027-03-01"))
    assert school_calendar_known(d("2028-08-31"))
    # Toussaint 2028 is not in the shipped data yet, nor anything in 2035.
    assert not school_calendar_known(d("2028-10-25"))
    assert not school_calendar_known(d("2035-02-19"))
    assert not is_school_holiday(d("2035-02-19"), "B")
    assert reason("2035-02-19") is None


# Reasons and their order


def test_it_is_open_on_a_school_day() -> None:
    assert reason("2027-06-15") is None


def test_it_is_not_running_on_a_day_outside_its_weekdays() -> None:
    assert reason("2027-06-16") == ClosedReason.NOT_RUNNING  # a Wednesday for the canteen
    assert reason("2027-06-19") == ClosedReason.NOT_RUNNING  # a Saturday
    assert reason("2027-07-17") == ClosedReason.NOT_RUNNING  # a Saturday in the summer holidays


def test_it_closes_on_public_holidays() -> None:
    assert reason("2027-05-17") == ClosedReason.PUBLIC_HOLIDAY  # Lundi de Pentecôte
    assert reason("2026-11-11", weekdays=WEDNESDAY) == ClosedReason.PUBLIC_HOLIDAY


def test_it_gives_not_running_before_anything_else() -> None:
    # Wednesday 11 November 2026 is a public holiday, but the canteen never runs on Wednesdays.
    assert reason("2026-11-11") == ClosedReason.NOT_RUNNING
    # Wednesday 21 October 2026 is in the Toussaint holidays.
    assert reason("2026-10-21") == ClosedReason.NOT_RUNNING


def test_it_gives_public_holiday_before_school_holiday() -> None:
    assert reason("2027-11-01") == ClosedReason.PUBLIC_HOLIDAY  # Toussaint, in the holidays
    assert reason("2026-12-25") == ClosedReason.PUBLIC_HOLIDAY  # Noël, in the holidays
    assert reason("2027-05-06") == ClosedReason.PUBLIC_HOLIDAY  # Ascension, first day of the pont
    assert reason("2027-05-07") == ClosedReason.SCHOOL_HOLIDAY  # the pont itself


def test_it_gives_school_holiday_before_closure() -> None:
    everything = ClosureSpan(d("2027-04-12"), d("2027-04-23"), None, None, "Travaux")
    assert reason("2027-04-19", closures=(everything,)) == ClosedReason.SCHOOL_HOLIDAY
    assert reason("2027-04-13", closures=(everything,)) == ClosedReason.CLOSURE


def test_it_runs_a_wednesday_centre_in_school_holidays_when_configured() -> None:
    assert reason("2026-10-21", weekdays=WEDNESDAY, runs_in_school_holidays=True) is None
    assert reason("2026-10-21", weekdays=WEDNESDAY) == ClosedReason.SCHOOL_HOLIDAY
    # Still closed on a public holiday.
    assert reason("2026-11-11", weekdays=WEDNESDAY, runs_in_school_holidays=True) == ClosedReason.PUBLIC_HOLIDAY


def test_it_closes_one_site_only() -> None:
    strike = ClosureSpan(d("2027-06-15"), d("2027-06-15"), SITE, None, "Grève")
    assert reason("2027-06-15", closures=(strike,)) == ClosedReason.CLOSURE
    assert reason("2027-06-15", closures=(strike,), activity_id=EVENING_CARE) == ClosedReason.CLOSURE
    assert reason("2027-06-15", closures=(strike,), site_id=OTHER_SITE) is None
    assert reason("2027-06-14", closures=(strike,)) is None


def test_it_closes_one_activity_only() -> None:
    kitchen = ClosureSpan(d("2027-06-14"), d("2027-06-18"), None, CANTEEN, "Cuisine en travaux")
    assert reason("2027-06-17", closures=(kitchen,)) == ClosedReason.CLOSURE
    assert reason("2027-06-17", closures=(kitchen,), site_id=OTHER_SITE) == ClosedReason.CLOSURE
    assert reason("2027-06-17", closures=(kitchen,), activity_id=EVENING_CARE) is None
    assert reason("2027-06-21", closures=(kitchen,)) is None


def test_it_closes_one_activity_of_one_site() -> None:
    closure = ClosureSpan(d("2027-06-14"), d("2027-06-14"), SITE, CANTEEN, "Formation")
    assert reason("2027-06-14", closures=(closure,)) == ClosedReason.CLOSURE
    assert reason("2027-06-14", closures=(closure,), site_id=OTHER_SITE) is None
    assert reason("2027-06-14", closures=(closure,), activity_id=EVENING_CARE) is None


def test_it_gives_the_api_values() -> None:
    assert [reason.value for reason in ClosedReason] == ["not_running", "public_holiday", "school_holiday", "closure"]


# Activities that run in school holidays only (ALSH vacances)


def holiday_centre(day: str) -> ClosedReason | None:
    return closed_reason(
        d(day),
        weekdays=[0, 1, 2, 3, 4],
        zone="B",
        runs_in_school_holidays=False,
        holidays_only=True,
        closures=(),
        site_id=SITE,
        activity_id=CANTEEN,
    )


def test_it_opens_a_holidays_only_activity_in_school_holidays_only() -> None:
    # Zone B's winter holidays 2027: 20 February to 7 March.
    assert holiday_centre("2027-02-22") is None
    assert holiday_centre("2027-03-05") is None
    # A school day: the activity does not run that day (the API's `not_running`).
    assert holiday_centre("2027-03-08") == ClosedReason.NOT_RUNNING
    assert holiday_centre("2027-02-19") == ClosedReason.NOT_RUNNING
    # Its weekdays and public holidays still apply in the holidays: a Saturday, Christmas Day.
    assert holiday_centre("2027-02-27") == ClosedReason.NOT_RUNNING
    assert holiday_centre("2026-12-25") == ClosedReason.PUBLIC_HOLIDAY
