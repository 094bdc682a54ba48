"""The state of a type's documents on a day, and validity dates: pure rules, checked without a database."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from ardoise.documents.status import (
    EXPIRING_DAYS,
    Fact,
    State,
    add_months,
    is_valid_on,
    standing_on,
    validity_end,
)

DAYS = st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2035, 12, 31))
MOMENT = datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)


@st.composite
def facts(draw: st.DrawFn) -> Fact:
    start = draw(DAYS)
    until = draw(st.none() | st.integers(min_value=0, max_value=800).map(lambda n: start + datetime.timedelta(n)))
    status = draw(st.sampled_from(["pending", "accepted", "refused"]))
    uploaded = MOMENT + datetime.timedelta(minutes=draw(st.integers(0, 10**6)))
    return Fact(status, start, until, uploaded)


def test_it_says_missing_when_nothing_was_uploaded() -> None:
    assert standing_on([], datetime.date(2027, 3, 9)).state == State.MISSING


def test_it_reads_the_states_of_an_insurance_certificate_over_its_year() -> None:
    certificate = Fact("accepted", datetime.date(2026, 9, 1), datetime.date(2027, 8, 31), MOMENT)
    assert standing_on([certificate], datetime.date(2027, 3, 9)).state == State.VALID
    assert standing_on([certificate], datetime.date(2027, 8, 1)).state == State.EXPIRING
    assert standing_on([certificate], datetime.date(2027, 8, 31)).state == State.EXPIRING
    expired = standing_on([certificate], datetime.date(2027, 9, 1))
    assert (expired.state, expired.until) == (State.EXPIRED, datetime.date(2027, 8, 31))


def test_it_says_refused_when_the_latest_was_refused_and_pending_while_one_waits() -> None:
    refused = Fact("refused", datetime.date(2027, 1, 1), None, MOMENT)
    pending = Fact("pending", datetime.date(2027, 1, 1), None, MOMENT + datetime.timedelta(hours=1))
    assert standing_on([refused], datetime.date(2027, 3, 9)).state == State.REFUSED
    assert standing_on([refused, pending], datetime.date(2027, 3, 9)).state == State.PENDING


def test_it_computes_the_last_valid_day_from_the_date_on_the_document() -> None:
    assert validity_end(datetime.date(2026, 9, 1), 12) == datetime.date(2027, 8, 31)
    assert validity_end(datetime.date(2027, 1, 31), 1) == datetime.date(2027, 2, 27)
    assert validity_end(datetime.date(2026, 9, 1), None) is None


@given(st.lists(facts(), max_size=6), DAYS)
def test_it_is_valid_or_expiring_exactly_when_an_accepted_document_covers_the_day(
    found: list[Fact], day: datetime.date
) -> None:
    standing = standing_on(found, day)
    assert (standing.state in (State.VALID, State.EXPIRING)) == is_valid_on(found, day)


@given(st.lists(facts(), max_size=6), DAYS)
def test_it_says_expiring_only_when_the_cover_ends_within_thirty_days(found: list[Fact], day: datetime.date) -> None:
    standing = standing_on(found, day)
    if standing.state == State.EXPIRING:
        assert standing.until is not None
        assert 0 <= (standing.until - day).days <= EXPIRING_DAYS
    if standing.state == State.VALID and standing.until is not None:
        assert (standing.until - day).days > EXPIRING_DAYS


@given(st.lists(facts(), max_size=6), DAYS, DAYS)
def test_a_refused_document_never_makes_a_day_valid(
    found: list[Fact], day: datetime.date, start: datetime.date
) -> None:
    refused = Fact("refused", start, None, MOMENT)
    assert is_valid_on([*found, refused], day) == is_valid_on(found, day)


@given(st.lists(facts(), max_size=6), DAYS)
def test_it_never_says_missing_once_something_was_accepted_before_the_day_or_waits(
    found: list[Fact], day: datetime.date
) -> None:
    state = standing_on(found, day).state
    if any(fact.status == "pending" for fact in found) or any(
        fact.status == "accepted" and fact.valid_from <= day for fact in found
    ):
        assert state != State.MISSING


@given(DAYS, st.integers(min_value=-240, max_value=240))
def test_adding_months_lands_in_the_right_month_on_an_existing_day(day: datetime.date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or moved.day < day.day
