"""The pure rules of places and waiting lists (no database)."""

import datetime
import random
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from ardoise.admissions import places

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = st.lists(st.integers(min_value=0, max_value=4), max_size=5)


def test_it_fits_while_every_weekday_of_the_pattern_is_under_capacity() -> None:
    taken = places.taken_slots([[2], [2], [0, 2]])
    assert places.fits([0], taken, capacity=2)
    assert not places.fits([0, 2], taken, capacity=2)
    assert places.full_slots([0, 2], taken, capacity=2) == [2]


def test_it_always_fits_without_capacity_or_without_a_regular_day() -> None:
    assert places.fits([2], {2: 99}, capacity=None)
    assert places.fits([], {2: 99}, capacity=1)


def test_it_counts_days_of_a_registration_period() -> None:
    monday = datetime.date(2027, 4, 19)
    taken = places.taken_slots([[monday], [monday, monday + datetime.timedelta(days=1)]])
    assert taken[monday] == 2
    assert not places.fits([monday], taken, capacity=2)
    assert places.places_left([monday + datetime.timedelta(days=1)], taken, capacity=2) == 1


def test_it_passes_over_a_request_that_does_not_fit_and_offers_the_next() -> None:
    # Wednesday full, Monday free: the first asks for Wednesday, the second for Monday.
    offers = places.choose_offers([("first", [2]), ("second", [0])], {2: 1, 0: 0}, capacity=1)
    assert offers == ["second"]


@given(
    capacity=st.integers(min_value=0, max_value=5),
    holders=st.lists(WEEKDAYS, max_size=8),
    waiting=st.lists(WEEKDAYS, max_size=12),
)
def test_it_never_offers_beyond_capacity(capacity: int, holders: list[list[int]], waiting: list[list[int]]) -> None:
    taken = places.taken_slots(holders)
    # Places already taken are within capacity (the rules never let more in).
    taken = type(taken)({slot: min(count, capacity) for slot, count in taken.items()})
    chosen = places.choose_offers(list(enumerate(waiting)), taken, capacity)
    after = taken + places.taken_slots(waiting[index] for index in chosen)
    assert all(count <= capacity for count in after.values())
    # And no request that would still fit was left waiting.
    assert all(not places.fits(waiting[index], after, capacity) for index in range(len(waiting)) if index not in chosen)


candidates = st.lists(
    st.builds(
        places.Candidate,
        pk=st.integers(min_value=1, max_value=10_000),
        # Naive bounds, as hypothesis wants them; the values it draws are in Paris time.
        waiting_since=st.datetimes(
            min_value=datetime.datetime(2026, 9, 1),  # noqa: DTZ001
            max_value=datetime.datetime(2027, 7, 1),  # noqa: DTZ001
            timezones=st.just(PARIS),
        ),
        has_sibling=st.booleans(),
        resident=st.booleans(),
        waiting_position=st.none() | st.integers(min_value=1, max_value=20),
    ),
    unique_by=lambda candidate: candidate.pk,
    max_size=15,
)


@given(
    candidates=candidates, rule=st.sampled_from([places.REQUEST_DATE, places.SIBLINGS_FIRST, places.RESIDENTS_FIRST])
)
def test_it_orders_a_waiting_list_totally_and_stably(candidates: list[places.Candidate], rule: str) -> None:
    ordered = places.waiting_order(candidates, rule)
    shuffled = list(candidates)
    random.Random(0).shuffle(shuffled)
    assert places.waiting_order(shuffled, rule) == ordered
    keys = [places.order_key(candidate, rule) for candidate in ordered]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert sorted(places.ranks(ordered).values()) == list(range(1, len(ordered) + 1))


def test_it_puts_siblings_first_then_the_date_of_the_request() -> None:
    early = datetime.datetime(2027, 1, 1, tzinfo=PARIS)
    late = datetime.datetime(2027, 2, 1, tzinfo=PARIS)
    first = places.Candidate(pk=1, waiting_since=early)
    sibling = places.Candidate(pk=2, waiting_since=late, has_sibling=True)
    non_resident = places.Candidate(pk=3, waiting_since=early, resident=False)
    assert [c.pk for c in places.waiting_order([first, sibling], places.SIBLINGS_FIRST)] == [2, 1]
    assert [c.pk for c in places.waiting_order([first, sibling], places.REQUEST_DATE)] == [1, 2]
    assert [c.pk for c in places.waiting_order([non_resident, sibling], places.RESIDENTS_FIRST)] == [2, 3]


def test_it_lets_the_administrators_order_override_the_rule() -> None:
    early = datetime.datetime(2027, 1, 1, tzinfo=PARIS)
    late = datetime.datetime(2027, 2, 1, tzinfo=PARIS)
    ordered = places.waiting_order(
        [
            places.Candidate(pk=1, waiting_since=early, waiting_position=2),
            places.Candidate(pk=2, waiting_since=late, waiting_position=1),
            places.Candidate(pk=3, waiting_since=early),
        ],
        places.REQUEST_DATE,
    )
    assert [c.pk for c in ordered] == [2, 1, 3]


def test_it_moves_an_item_to_a_position() -> None:
    assert places.moved([1, 2, 3, 4], 4, 1) == [4, 1, 2, 3]
    assert places.moved([1, 2, 3, 4], 1, 99) == [2, 3, 4, 1]
    assert places.moved([1, 2, 3, 4], 2, 0) == [2, 1, 3, 4]
