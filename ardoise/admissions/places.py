"""Places in an activity and the order of its waiting list: pure rules, no database, no clock.

A request needs a set of *slots*, each of which holds one place against the activity's capacity:
- a school-year enrolment needs the weekdays of its weekly pattern (an accepted enrolment holds a place on
  each of its weekdays every week; an empty pattern is booked day by day and holds no regular place);
- a registration-period request needs each of its days.
A slot is taken by accepted enrolments (or, for days, bookings holding a place) and by the requests currently
`offered`. A request fits when each of its slots is under capacity; a null capacity always fits.
"""

import datetime
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

# A weekday (Monday = 0) for school-year enrolments, a date for registration periods.
type Slot = int | datetime.date

REQUEST_DATE = "request_date"
SIBLINGS_FIRST = "siblings_first"
RESIDENTS_FIRST = "residents_first"


def taken_slots(holders: Iterable[Iterable[Slot]]) -> Counter[Slot]:
    """How many places each slot has taken, from what each holder (an enrolment, an offer…) holds."""
    taken: Counter[Slot] = Counter()
    for slots in holders:
        taken.update(set(slots))
    return taken


def fits(needed: Iterable[Slot], taken: Mapping[Slot, int], capacity: int | None) -> bool:
    """Whether a request needing `needed` slots fits: each is under `capacity` (None: no limit)."""
    if capacity is None:
        return True
    return all(taken.get(slot, 0) < capacity for slot in set(needed))


def full_slots(needed: Iterable[Slot], taken: Mapping[Slot, int], capacity: int | None) -> list[Slot]:
    """The slots of `needed` that have no place left, in order."""
    if capacity is None:
        return []
    return sorted((slot for slot in set(needed) if taken.get(slot, 0) >= capacity), key=_slot_key)


def _slot_key(slot: Slot) -> tuple[int, int]:
    return (0, slot) if isinstance(slot, int) else (1, slot.toordinal())


def places_left(slots: Iterable[Slot], taken: Mapping[Slot, int], capacity: int | None) -> int | None:
    """The fewest places left over `slots` (None: no limit; no slot: the capacity itself)."""
    if capacity is None:
        return None
    return min((max(capacity - taken.get(slot, 0), 0) for slot in set(slots)), default=capacity)


def choose_offers[K: Hashable](
    waiting: Sequence[tuple[K, Iterable[Slot]]], taken: Mapping[Slot, int], capacity: int | None
) -> list[K]:
    """Which waiting requests to offer a place, given in the list's order as (key, slots needed).

    Each free place goes to the first request that fits; one that does not fit (its Wednesday is full, a
    day of its week is) is passed over, not skipped for good: it keeps its rank for the next place.
    """
    counts: Counter[Slot] = Counter(taken)
    chosen: list[K] = []
    for key, needed in waiting:
        needed_set = set(needed)
        if fits(needed_set, counts, capacity):
            chosen.append(key)
            counts.update(needed_set)
    return chosen


@dataclass(frozen=True)
class Candidate:
    """What the waiting list's order reads of a request."""

    pk: int
    waiting_since: datetime.datetime
    # A brother or sister already enrolled in the activity that year.
    has_sibling: bool = False
    # The family lives in the town.
    resident: bool = True
    # The administrator's manual order, when set (1 first).
    waiting_position: int | None = None


def order_key(candidate: Candidate, rule: str) -> tuple[object, ...]:
    """The sort key of the waiting list: the manual order first (those placed by the administrator, then
    the others), then the town's priority rule, then the date of the request, then the id (total order)."""
    manual = (candidate.waiting_position is None, candidate.waiting_position or 0)
    if rule == SIBLINGS_FIRST:
        priority = 0 if candidate.has_sibling else 1
    elif rule == RESIDENTS_FIRST:
        priority = 0 if candidate.resident else 1
    else:
        priority = 0
    return (*manual, priority, candidate.waiting_since, candidate.pk)


def waiting_order[C: Candidate](candidates: Iterable[C], rule: str) -> list[C]:
    """The waiting list in order (see `order_key`)."""
    return sorted(candidates, key=lambda candidate: order_key(candidate, rule))


def ranks(ordered: Sequence[Candidate]) -> dict[int, int]:
    """Each request's 1-based rank on an ordered waiting list."""
    return {candidate.pk: rank for rank, candidate in enumerate(ordered, start=1)}


def moved(ordered: Sequence[int], pk: int, position: int) -> list[int]:
    """The ids of an ordered list with `pk` moved to the 1-based `position` (clamped to the list)."""
    rest = [item for item in ordered if item != pk]
    index = min(max(position, 1), len(rest) + 1) - 1
    return [*rest[:index], pk, *rest[index:]]


def offer_deadline(now: datetime.datetime, delay_hours: int) -> datetime.datetime:
    return now + datetime.timedelta(hours=delay_hours)


def is_expired(expires_at: datetime.datetime | None, now: datetime.datetime) -> bool:
    return expires_at is not None and expires_at <= now
