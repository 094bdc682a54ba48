"""What state a family's or a child's documents of one type are in on a day: pure rules, no database.

The state comes from every document uploaded for that type and person (`Fact`s): valid when an accepted
one covers the day (expiring when the cover ends within `EXPIRING_DAYS`), else pending while one waits
for staff, refused when the latest was refused, expired when an accepted one ended before the day, and
missing otherwise. A document refused or expired counts at once: nothing else is stored.
"""

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# A valid document whose cover ends within this many days is "expiring" (and its family reminded).
EXPIRING_DAYS = 30

ACCEPTED = "accepted"
PENDING = "pending"
REFUSED = "refused"


class State(StrEnum):
    MISSING = "missing"
    PENDING = "pending"
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    REFUSED = "refused"


STATE_LABELS = {
    State.MISSING: "Manquante",
    State.PENDING: "En cours de vérification",
    State.VALID: "Valide",
    State.EXPIRING: "Expire bientôt",
    State.EXPIRED: "Expirée",
    State.REFUSED: "Refusée",
}
# The states in which the document does not let its activities be booked.
UNUSABLE = frozenset({State.MISSING, State.PENDING, State.EXPIRED, State.REFUSED})


@dataclass(frozen=True, slots=True)
class Fact:
    """What the rules need of one uploaded document."""

    status: str  # pending, accepted, refused
    valid_from: datetime.date
    valid_until: datetime.date | None  # None: no expiry
    # Orders uploads: the latest decides between refused and missing.
    uploaded_at: datetime.datetime


@dataclass(frozen=True, slots=True)
class Standing:
    state: State
    # The end of the cover for valid and expiring (None: no expiry), the last end for expired.
    until: datetime.date | None = None


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by whole months, on the month's last day when it has no such day (31 → 30)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validity_end(dated_on: datetime.date, validity_months: int | None) -> datetime.date | None:
    """The last day a document dated `dated_on` is valid: the day before the same date `validity_months`
    later (a year's insurance dated 1 September 2026 covers until 31 August 2027); None: no expiry."""
    if validity_months is None:
        return None
    return add_months(dated_on, validity_months) - datetime.timedelta(days=1)


def covers(fact: Fact, day: datetime.date) -> bool:
    return fact.status == ACCEPTED and fact.valid_from <= day and (fact.valid_until is None or day <= fact.valid_until)


def standing_on(facts: Iterable[Fact], day: datetime.date) -> Standing:
    """The state of one type's documents for one person on `day`."""
    facts = list(facts)
    covering = [fact for fact in facts if covers(fact, day)]
    if covering:
        ends = [fact.valid_until for fact in covering]
        if any(end is None for end in ends):
            return Standing(State.VALID, None)
        until = max(end for end in ends if end is not None)
        state = State.EXPIRING if (until - day).days <= EXPIRING_DAYS else State.VALID
        return Standing(state, until)
    if any(fact.status == PENDING for fact in facts):
        return Standing(State.PENDING)
    if facts and max(facts, key=lambda fact: fact.uploaded_at).status == REFUSED:
        return Standing(State.REFUSED)
    ended = [
        fact.valid_until
        for fact in facts
        if fact.status == ACCEPTED and fact.valid_until is not None and fact.valid_until < day
    ]
    if ended:
        return Standing(State.EXPIRED, max(ended))
    return Standing(State.MISSING)


def is_valid_on(facts: Iterable[Fact], day: datetime.date) -> bool:
    """Whether an accepted document covers `day` (what booking an activity that needs it asks)."""
    return any(covers(fact, day) for fact in facts)
