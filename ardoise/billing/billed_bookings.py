"""A billed booking keeps its booking: the rule a foreign key kept, one row at a time, kept here for a whole batch.

A billed booking needs its booking, and a billed booking's booking must never be deleted. A foreign key checked
both for each billed booking: a lookup, a lock written on the booking's row and a check queued to the commit,
1.1 s of PostgreSQL for a month's 200,000 billed bookings, about a quarter of the issue (docs/benchmarks.md,
"Issue 14, round 6"). Instead:

- PostgreSQL refuses to delete a billed booking: a trigger on bookings (migration `billing.0009`), which also
  takes the town's billing lock, shared, before it looks;
- an issue claims its bookings before it bills them (`claim`): it takes that lock, exclusive, then makes sure
  every booking is still there. A deletion committed first fails the check (IntegrityError: the batch writes
  nothing and is issued again family by family; the family whose booking went is skipped); a deletion under
  way either took the lock first (the issue waits for it, then fails its check) or takes it after (the
  deletion waits for the issue to commit, then finds the booking billed and fails).

Checking 200,000 bookings one by one cost an issue 0.3–0.5 s, and there is almost never anything to find: the
trigger also counts the deletions (a sequence, `DELETIONS`), and the issue reads that count under the lock
before its preview reads the bookings (`deletions_seen`); a batch whose claim finds the same count skips the
check, since no deletion has committed since its bookings were read, nor can (one past its trigger holds the
lock; one before it will find the booking billed). Any other count, from any town, checks.

Deletions of bookings are rare (a child removed from a signup file, with its bookings) and wait at most for one
batch of an issue. On SQLite a writing transaction holds the whole database from its start (`transaction_mode`
IMMEDIATE): an issue and a deletion cannot interleave, the claim's check and Django's PROTECT are the rule, and
there is neither lock nor trigger (a trigger there would also break Django's flush, which empties tables in any
order and relied on deferred keys). tests/billing/test_billed_links.py tries the deletions, the race on
PostgreSQL with two connections, and a deletion between a run's preview and its issue.
"""

from collections.abc import Sequence

from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper

from ardoise.bookings.models import Booking

# The first key of the town's billing lock (`pg_advisory_xact_lock(BILLING_LOCK, town_id)`); the second is the
# town. "BILL" in ASCII: no other advisory lock of Ardoise uses it.
BILLING_LOCK = 0x42494C4C
# The sequence the trigger advances at each deletion of bookings (not per town: a deletion anywhere checks).
DELETIONS = "billing_booking_deletions"
# Both are written out in the trigger of migration billing.0009 (a migration does not change with the code):
# tests/billing/test_billed_links.py fails if they differ (the races wait on the lock, a deletion moves the count).


# What an issue read of the deletions' count (PostgreSQL: the sequence's value and whether it was ever used).
type DeletionsSeen = tuple[int, bool]


def deletions_seen(town_id: int) -> DeletionsSeen | None:
    """The deletions' count, read under the town's billing lock (no deletion is then past its trigger and not
    committed); None on SQLite, where every claim checks."""
    if connection.vendor != "postgresql":
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor, town_id)
        return _deletions(cursor)


def claim(town_id: int, booking_ids: Sequence[int], seen: DeletionsSeen | None = None) -> None:
    """Hold the town's billing lock until the transaction ends and make sure every one of `booking_ids` (the
    town's bookings, none twice) is still there; IntegrityError if one is not. `seen`: what `deletions_seen`
    read before `booking_ids` were; the bookings are not checked if no booking was deleted since."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            _lock(cursor, town_id)
            if seen is not None and _deletions(cursor) == seen:
                return
    # An iterator: Django walks a list value by value before the lookup sees it (0.2 s for 200,000 ids).
    if Booking.objects.filter(pk__in_ids=iter(booking_ids)).count() != len(booking_ids):
        raise IntegrityError("A booking to bill has been deleted.")


def _lock(cursor: CursorWrapper, town_id: int) -> None:
    """The town's billing lock, exclusive, until the transaction ends."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [BILLING_LOCK, town_id])


def _deletions(cursor: CursorWrapper) -> DeletionsSeen:
    cursor.execute(f"SELECT last_value, is_called FROM {DELETIONS}")  # noqa: S608 - a constant
    last_value, is_called = cursor.fetchone()
    return last_value, is_called
