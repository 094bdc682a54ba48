"""Which quotient familial applies on a day: a pure rule over a family's history, without the database.

A history is a sequence of (applies_from, order, value): the value in force on a day is the one of the
latest `applies_from` on or before that day; two records from the same day are told apart by `order`
(the later recorded wins, a correction). Before the first record, the family's file value applies
(`fallback`: None when the family gave no QF, which prices at the highest band).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

# Where the QF written on the family's file before any history is kept: "since always".
SINCE_ALWAYS = datetime.date(2000, 1, 1)


@dataclass(frozen=True, slots=True)
class Entry:
    applies_from: datetime.date
    # Tie-break between entries of the same day: the higher (recorded later) wins.
    order: int
    value: int


@dataclass(frozen=True, slots=True)
class Timeline:
    """A family's QF history, sorted, ready to be asked about many days."""

    entries: tuple[Entry, ...]
    fallback: int | None = None

    @classmethod
    def of(cls, entries: Iterable[Entry], fallback: int | None = None) -> "Timeline":
        return cls(tuple(sorted(entries, key=lambda entry: (entry.applies_from, entry.order))), fallback)

    def on(self, day: datetime.date) -> int | None:
        value = self.fallback
        for entry in self.entries:
            if entry.applies_from > day:
                break
            value = entry.value
        return value

    def current_entry(self, day: datetime.date) -> Entry | None:
        found = None
        for entry in self.entries:
            if entry.applies_from > day:
                break
            found = entry
        return found
