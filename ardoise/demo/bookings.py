"""Bookings of the demo town: past days with their roll call, and the next 14 days.

Bookings are drawn per enrollment and open day, never beyond an activity's
capacity, and written in batches with their absences and requests.
"""

import datetime
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ardoise.activities.models import AbsenceReason, Activity
from ardoise.bookings.models import Absence, Booking, BookingState, Request, RequestKind, RequestStatus
from ardoise.calendars.deadlines import PARIS
from ardoise.towns.models import Town

from .bulk import BulkWriter

# Past booked days: what the roll call found (the rest were present).
CANCELLED_SHARE = 0.03
ABSENT_EXCUSED_SHARE = 0.04
ABSENT_BILLED_SHARE = 0.015
# Days without a booking where the child came anyway (billed at the penalty price).
PRESENT_UNBOOKED_SHARE = 0.004
# Day-by-day enrollments (no weekly pattern): chance of booking a given open day.
OCCASIONAL_SHARE = 0.3
# Weekly pattern: chance that a day of the pattern was not booked after all.
PATTERN_GAP_SHARE = 0.03
# Upcoming Wednesdays: waiting for staff, and refused.
REQUESTED_SHARE = 0.25
REFUSED_SHARE = 0.05
REFUSAL_REASONS = [
    "Capacité atteinte ce mercredi",
    "Dossier d'inscription incomplet : fiche sanitaire à fournir",
]
EXCUSED_REASONS = {
    "raison_medicale": 60,
    "sortie_scolaire": 10,
    "absence_enseignant": 10,
    "greve": 5,
    "soutien": 5,
    "accident": 2,
    "force_majeure": 3,
    "circonstances_exceptionnelles": 5,
}
MEDICAL_COMMENTS = ["", "", "Gastro-entérite", "Fièvre", "Varicelle", "Rendez-vous chez l'orthophoniste"]


@dataclass(frozen=True)
class ChildRef:
    """Who books: the child, its family, and the parent's login."""

    child_id: int
    family_id: int
    user_id: int


@dataclass(frozen=True)
class OpenDays:
    """An activity's open days in the booking range of one school year."""

    activity: Activity
    capacity: int | None
    days: list[datetime.date]


class BookingGenerator:
    def __init__(
        self,
        *,
        town: Town,
        today: datetime.date,
        rng: random.Random,
        reasons: dict[str, AbsenceReason],
        front_desk_id: int,
        writer: BulkWriter,
    ):
        self.town_id = town.pk
        self.today = today
        self.rng = rng
        self.front_desk_id = front_desk_id
        self.writer = writer
        self.excused = [reasons[code] for code in EXCUSED_REASONS]
        self.excused_weights = list(EXCUSED_REASONS.values())
        self.billed = reasons["autres"]
        self.places: Counter[tuple[int, datetime.date]] = Counter()
        self._instants: dict[tuple[datetime.date, int], datetime.datetime] = {}

    def instant(self, day: datetime.date, days_before: int, hour: int = 20) -> datetime.datetime:
        """An aware Paris datetime `days_before` days before `day`, never after yesterday evening."""
        key = (day, days_before * 100 + hour)
        if key not in self._instants:
            moment = min(day - datetime.timedelta(days=days_before), self.today - datetime.timedelta(days=1))
            self._instants[key] = datetime.datetime.combine(moment, datetime.time(hour, 0), tzinfo=PARIS)
        return self._instants[key]

    def has_place(self, open_days: OpenDays, day: datetime.date) -> bool:
        return open_days.capacity is None or self.places[(open_days.activity.pk, day)] < open_days.capacity

    def take_place(self, open_days: OpenDays, day: datetime.date) -> None:
        if open_days.capacity is not None:
            self.places[(open_days.activity.pk, day)] += 1

    # Drawn bookings

    def enrollment(self, *, who: ChildRef, open_days: OpenDays, pattern: list[int]) -> None:
        """Bookings of one child for one activity over the open days of a school year."""
        random_ = self.rng.random
        today = self.today
        for day in open_days.days:
            if pattern:
                wanted = day.weekday() in pattern and random_() >= PATTERN_GAP_SHARE
            else:
                wanted = random_() < OCCASIONAL_SHARE
            if not wanted:
                if day < today and random_() < PRESENT_UNBOOKED_SHARE and self.has_place(open_days, day):
                    self.take_place(open_days, day)
                    self.add(who.child_id, open_days.activity, day, BookingState.PRESENT_UNBOOKED)
                continue
            if not self.has_place(open_days, day):
                continue
            if day < today:
                self.past_day(who, open_days, day)
            else:
                self.coming_day(who, open_days, day)

    def past_day(self, who: ChildRef, open_days: OpenDays, day: datetime.date) -> None:
        draw = self.rng.random()
        activity = open_days.activity
        if draw < CANCELLED_SHARE:
            self.add(who.child_id, activity, day, BookingState.CANCELLED)
            return
        self.take_place(open_days, day)
        draw -= CANCELLED_SHARE
        if draw < ABSENT_EXCUSED_SHARE:
            booking = self.add(who.child_id, activity, day, BookingState.ABSENT_EXCUSED)
            reason = self.rng.choices(self.excused, weights=self.excused_weights)[0]
            comment = self.rng.choice(MEDICAL_COMMENTS) if reason.code == "raison_medicale" else ""
            self.absence(booking, day, reason, who.user_id, comment)
        elif draw < ABSENT_EXCUSED_SHARE + ABSENT_BILLED_SHARE:
            booking = self.add(who.child_id, activity, day, BookingState.ABSENT_BILLED)
            self.absence(booking, day, self.billed, who.user_id, "")
        else:
            self.add(who.child_id, activity, day, BookingState.PRESENT)

    def coming_day(self, who: ChildRef, open_days: OpenDays, day: datetime.date) -> None:
        activity = open_days.activity
        draw = self.rng.random()
        if not activity.needs_validation:
            if draw < CANCELLED_SHARE:
                self.add(who.child_id, activity, day, BookingState.CANCELLED)
            else:
                self.take_place(open_days, day)
                self.add(who.child_id, activity, day, BookingState.BOOKED)
            return
        if draw < REQUESTED_SHARE:
            self.take_place(open_days, day)
            booking = self.add(who.child_id, activity, day, BookingState.REQUESTED)
            self.request(booking, day, who, RequestStatus.PENDING)
        elif draw < REQUESTED_SHARE + REFUSED_SHARE:
            reason = self.rng.choice(REFUSAL_REASONS)
            booking = self.add(who.child_id, activity, day, BookingState.REFUSED, refusal_reason=reason)
            self.request(booking, day, who, RequestStatus.REFUSED, reason)
        else:
            self.take_place(open_days, day)
            booking = self.add(who.child_id, activity, day, BookingState.BOOKED)
            self.request(booking, day, who, RequestStatus.ACCEPTED)

    # Written bookings (seed 001's invoiced days)

    def present_on_first_days(self, *, child_id: int, open_days: OpenDays, count: int) -> list[Any]:
        """Present on the first `count` open days; the handles of the bookings written."""
        if len(open_days.days) < count:
            raise ValueError(f"{open_days.activity.code}: only {len(open_days.days)} open days, {count} needed")
        handles = []
        for day in open_days.days[:count]:
            self.take_place(open_days, day)
            handles.append(self.add(child_id, open_days.activity, day, BookingState.PRESENT))
        return handles

    # Rows

    def add(self, child_id: int, activity: Activity, day: datetime.date, state: str, refusal_reason: str = "") -> Any:
        """Write one booking; the handle returned stands for it in absences and requests."""
        created_at = self.instant(day, 9)
        return self.writer.add(
            Booking,
            town_id=self.town_id,
            child_id=child_id,
            activity_id=activity.pk,
            date=day,
            state=state,
            refusal_reason=refusal_reason,
            created_at=created_at,
            updated_at=created_at,
        )

    def absence(self, booking: Any, day: datetime.date, reason: AbsenceReason, user_id: int, comment: str) -> None:
        by_parent = self.rng.random() < 0.8
        self.writer.add_after(
            Absence,
            town_id=self.town_id,
            booking=booking,
            reason_id=reason.pk,
            comment=comment,
            declared_by_id=user_id if by_parent else self.front_desk_id,
            declared_at=self.instant(day, 1, 19 if by_parent else 9),
        )

    def request(self, booking: Any, day: datetime.date, who: ChildRef, status: str, reason: str = "") -> None:
        decided = status != RequestStatus.PENDING
        self.writer.add_after(
            Request,
            town_id=self.town_id,
            family_id=who.family_id,
            kind=RequestKind.BOOKING,
            status=status,
            child_id=who.child_id,
            booking=booking,
            created_by_id=who.user_id,
            created_at=self.instant(day, 8),
            decided_by_id=self.front_desk_id if decided else None,
            decided_at=self.instant(day, 7, 10) if decided else None,
            reason=reason,
        )
