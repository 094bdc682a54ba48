"""The QF in force on a day: the latest record from on or before that day, else the file's value."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from ardoise.quotients.rules import Entry, Timeline

D = datetime.date

entries = st.lists(
    st.builds(
        Entry,
        applies_from=st.dates(D(2024, 1, 1), D(2028, 12, 31)),
        order=st.integers(1, 10_000),
        value=st.integers(0, 5000),
    ),
    max_size=8,
    unique_by=lambda entry: entry.order,
)


def test_it_uses_the_file_value_before_any_record_and_each_record_from_its_day():
    timeline = Timeline.of([Entry(D(2027, 9, 1), 2, 650), Entry(D(2027, 1, 1), 1, 800)], fallback=900)
    assert timeline.on(D(2026, 12, 31)) == 900
    assert timeline.on(D(2027, 1, 1)) == 800
    assert timeline.on(D(2027, 8, 31)) == 800
    assert timeline.on(D(2027, 9, 1)) == 650
    assert Timeline.of([], fallback=None).on(D(2027, 1, 1)) is None


def test_it_lets_the_later_record_of_a_same_day_win():
    timeline = Timeline.of([Entry(D(2027, 9, 1), 5, 700), Entry(D(2027, 9, 1), 3, 650)])
    assert timeline.on(D(2027, 9, 2)) == 700


@given(entries, st.integers(0, 5000) | st.none(), st.dates(D(2023, 1, 1), D(2029, 12, 31)))
def test_it_answers_the_latest_record_on_or_before_the_day(history, fallback, day):
    applying = [entry for entry in history if entry.applies_from <= day]
    expected = max(applying, key=lambda e: (e.applies_from, e.order)).value if applying else fallback
    assert Timeline.of(history, fallback).on(day) == expected


@given(entries, st.dates(D(2024, 1, 1), D(2028, 12, 31)))
def test_it_never_changes_a_past_day_when_a_later_record_is_added(history, day):
    before = Timeline.of(history, 1234).on(day)
    later = Entry(day + datetime.timedelta(days=1), 99_999, 42)
    assert Timeline.of([*history, later], 1234).on(day) == before
