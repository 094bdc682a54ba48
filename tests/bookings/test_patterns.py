"""The pure generator of weekly changes (bookings.patterns), tested without a database."""

import datetime
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from ardoise.bookings.patterns import weekly_changes, whole_period_changes


@dataclass(frozen=True)
class Status:
    changeable: bool


@dataclass(frozen=True)
class Day:
    day: datetime.date
    state: str
    status: Status


STATES = ["none", "booked", "requested", "refused", "present", "absent_excused"]
START = datetime.date(2027, 3, 1)

days = st.lists(
    st.tuples(st.integers(0, 120), st.sampled_from(STATES), st.booleans()), max_size=60, unique_by=lambda t: t[0]
).map(lambda rows: [Day(START + datetime.timedelta(days=n), state, Status(ok)) for n, state, ok in rows])
weekdays = st.sets(st.integers(0, 6))


@given(days, weekdays, weekdays, st.integers(0, 120), st.integers(0, 120))
def test_it_only_touches_changeable_days_of_the_period(entries, chosen, dropped, a, b) -> None:
    start, until = sorted((START + datetime.timedelta(days=a), START + datetime.timedelta(days=b)))
    by_day = {entry.day: entry for entry in entries}
    changes = weekly_changes(entries, 7, weekdays=chosen, start=start, until=until, cancel_weekdays=dropped)
    assert [change.date for change in changes] == sorted({change.date for change in changes})
    for change in changes:
        entry = by_day[change.date]
        assert start <= change.date <= until
        assert entry.status.changeable
        assert change.activity_id == 7
        if change.book:
            assert change.date.weekday() in chosen
            assert entry.state == "none"
        else:
            assert change.date.weekday() in dropped - chosen
            assert entry.state in ("booked", "requested")


@given(days, weekdays)
def test_applying_the_changes_then_asking_again_gives_nothing(entries, chosen) -> None:
    changes = weekly_changes(entries, 1, weekdays=chosen, start=START, until=START + datetime.timedelta(days=120))
    done = {change.date for change in changes}
    after = [Day(e.day, "booked" if e.day in done else e.state, e.status) for e in entries]
    assert weekly_changes(after, 1, weekdays=chosen, start=START, until=START + datetime.timedelta(days=120)) == []


@given(days)
def test_the_whole_period_books_every_changeable_free_day(entries) -> None:
    booked = {change.date for change in whole_period_changes(entries, 3)}
    assert booked == {entry.day for entry in entries if entry.status.changeable and entry.state == "none"}


def test_it_skips_closed_and_late_days_instead_of_refusing_them() -> None:
    monday = datetime.date(2027, 3, 15)
    entries = [
        Day(monday, "none", Status(True)),
        Day(monday + datetime.timedelta(days=7), "none", Status(False)),  # closed or late
        Day(monday + datetime.timedelta(days=14), "booked", Status(True)),
    ]
    changes = weekly_changes(entries, 1, weekdays={0}, start=monday, until=monday + datetime.timedelta(days=30))
    assert [(change.date, change.book) for change in changes] == [(monday, True)]
