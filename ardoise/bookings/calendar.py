"""A family's days as the portal, the API and the booking actions see them.

`FamilyCalendar.load` reads everything a month's planning needs in a fixed
number of queries (enrollments and bookings; the town's school years, closures,
activities and tariffs come from its cached reference data, towns.reference),
whatever the number of children, activities or days; `entry` then answers for
one child, activity and day with no further query.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from django.db import connections, router
from django.db.models import OuterRef, Prefetch
from django.db.models.sql import Query

from ardoise.activities.models import Activity
from ardoise.activities.reference import activities as activities_of_town
from ardoise.billing.models import Tariff, TariffBand
from ardoise.billing.pricing import PricedFor, TariffTerms, package_wording, terms_of, terms_on, unit_price
from ardoise.bookings.models import Booking, BookingState, Enrollment
from ardoise.calendars import days as calendar_days
from ardoise.calendars.days import DayStatus, day_status, load_closures
from ardoise.calendars.models import SchoolYear
from ardoise.calendars.opening import ClosureSpan
from ardoise.consents.queries import needed_by_activity
from ardoise.documents.requirements import needed_documents_exist
from ardoise.families.models import Child, Family
from ardoise.towns import reference
from ardoise.towns.models import Town
from ardoise.towns.rows import Columns, column_of, written_once

# The requirement flags an enrollment is read with when asked (`FamilyCalendar.load(..., requirements=True)`,
# the booking review): whether its activity needs a consent, a supporting document (`bookings.actions`).
NEEDS_CONSENT = "needs_consent"
NEEDS_DOCUMENT = "needs_document"

# How a booking's state reads to a family and in the API ("none": nothing booked).
NO_BOOKING = "none"


@dataclass(frozen=True)
class Entry:
    """One child, one activity, one day (API.md's ENTRY)."""

    activity: Activity
    day: datetime.date
    state: str
    # The stored state, None when no booking row exists (a cancelled booking
    # keeps its row: cancelling it again is a harmless repeat, not an error).
    stored_state: str | None
    status: DayStatus
    unit_price: Decimal
    # A day under a flat package says the package and its price ("Forfait semaine 45,00 €"); "" per unit.
    price_wording: str = ""

    @property
    def is_booked(self) -> bool:
        return self.state in (BookingState.BOOKED, BookingState.REQUESTED)


def daterange(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=offset) for offset in range((end - start).days + 1)]


def current_week(today: datetime.date) -> datetime.date:
    """The Monday of the week a family is looking at: this week on a weekday; on Saturday and
    Sunday, the school week ended, the coming one (what "cette semaine" and a week view open on)."""
    monday = today - datetime.timedelta(days=today.weekday())
    return monday + datetime.timedelta(days=7) if today.weekday() >= 5 else monday


def visible_state(booking: Booking | None) -> str:
    if booking is None or booking.state == BookingState.CANCELLED:
        return NO_BOOKING
    return booking.state


@dataclass
class FamilyCalendar:
    family: Family
    children: list[Child]
    start: datetime.date
    end: datetime.date
    zone: str
    school_years: list[SchoolYear]
    # child id -> enrollments (with their activity), all school years touching the range.
    enrollments: dict[int, list[Enrollment]]
    closures: list[ClosureSpan]
    tariffs: dict[int, list[TariffTerms]]
    bookings: dict[tuple[int, int, datetime.date], Booking]
    sibling_ranks: dict[tuple[int, int], int]

    @classmethod
    def load(
        cls,
        family: Family,
        start: datetime.date,
        end: datetime.date,
        children: list[Child] | None = None,
        requirements: bool = False,
    ) -> "FamilyCalendar":
        """`requirements`: each enrollment is read with its activity's requirement flags (`NEEDS_CONSENT`,
        `NEEDS_DOCUMENT` attributes), in the same query."""
        town_id = family.town_id
        town = family.town
        if children is None:
            children = list(Child.objects.filter(town_id=town_id, family=family).select_related("site"))
        school_years = calendar_days.school_years(town, start, end)
        years = {year.pk: year for year in school_years}
        child_ids = [child.pk for child in children]
        # Every enrollment of the family (not only the children shown) so that
        # sibling ranks are right when one child is shown alone.
        family_enrollments, found_bookings = _read(family, list(years), child_ids, start, end, requirements)
        activities = activities_of_town(town, {enrollment.activity_id for enrollment in family_enrollments})
        missing = {enrollment.activity_id for enrollment in family_enrollments} - activities.keys()
        if missing:
            # Created by another process after this request read its town: read from the database.
            activities.update(
                (activity.pk, activity)
                for activity in Activity.objects.filter(town_id=town_id, pk__in=missing).select_related("site")
            )
        for enrollment in family_enrollments:
            enrollment.activity = activities[enrollment.activity_id]
            enrollment.school_year = years[enrollment.school_year_id]
        family_enrollments.sort(key=lambda enrollment: _activity_order(enrollment.activity))
        all_tariffs = tariff_terms(town)
        tariffs: dict[int, list[TariffTerms]] = {pk: list(all_tariffs.get(pk, ())) for pk in activities}
        bookings = {(booking.child_id, booking.activity_id, booking.date): booking for booking in found_bookings}
        enrollments: dict[int, list[Enrollment]] = defaultdict(list)
        for enrollment in family_enrollments:
            if enrollment.child_id in child_ids:
                enrollments[enrollment.child_id].append(enrollment)
        return cls(
            family=family,
            children=children,
            start=start,
            end=end,
            zone=town.zone,
            school_years=school_years,
            enrollments=enrollments,
            closures=load_closures(town, start, end),
            tariffs=tariffs,
            bookings=bookings,
            sibling_ranks=sibling_ranks(family_enrollments),
        )

    def activities_of(self, child: Child) -> list[Activity]:
        seen: dict[int, Activity] = {}
        for enrollment in self.enrollments.get(child.pk, []):
            seen.setdefault(enrollment.activity_id, enrollment.activity)
        return list(seen.values())

    def is_enrolled(self, child: Child, activity_id: int, day: datetime.date) -> bool:
        return any(
            enrollment.activity_id == activity_id and enrollment.school_year.contains(day)
            for enrollment in self.enrollments.get(child.pk, [])
        )

    def zone_on(self, day: datetime.date) -> str:
        for year in self.school_years:
            if year.contains(day):
                return year.zone
        return self.zone

    def _priced_for(self, child: Child, activity: Activity) -> PricedFor:
        return PricedFor(
            quotient_familial=self.family.quotient_familial,
            resident=self.family.resident,
            has_pai=child.has_pai,
            sibling_rank=self.sibling_ranks.get((child.pk, activity.pk), 1),
        )

    def price(self, child: Child, activity: Activity, day: datetime.date, *, unbooked: bool = False) -> Decimal:
        terms = terms_on(day, self.tariffs.get(activity.pk, []))
        if terms is None:
            return Decimal("0.00")
        return unit_price(terms, self._priced_for(child, activity), unbooked=unbooked)

    def price_wording(self, child: Child, activity: Activity, day: datetime.date) -> str:
        """The flat package a day falls under and its price ("Forfait semaine 45,00 €"); "" per unit."""
        terms = terms_on(day, self.tariffs.get(activity.pk, []))
        return package_wording(terms, self._priced_for(child, activity)) if terms is not None else ""

    def entry(self, child: Child, activity: Activity, day: datetime.date, now: datetime.datetime) -> Entry:
        booking = self.bookings.get((child.pk, activity.pk, day))
        return Entry(
            activity=activity,
            day=day,
            state=visible_state(booking),
            stored_state=booking.state if booking else None,
            status=day_status(day, activity, self.zone_on(day), self.closures, now),
            unit_price=self.price(child, activity, day),
            price_wording=self.price_wording(child, activity, day),
        )

    def days(self, child: Child, now: datetime.datetime) -> list[tuple[datetime.date, list[Entry]]]:
        activities = self.activities_of(child)
        return [
            (day, [self.entry(child, activity, day, now) for activity in activities])
            for day in daterange(self.start, self.end)
        ]


class _Statements:
    """The calendar's two reads, written once per process (towns.rows: building them through the ORM on every
    planning and booking cost more CPU than PostgreSQL takes to plan and run them, issue 14): the family's
    enrollments of the school years shown, each with its child (and, asked, its activity's requirement
    flags: the consent and document rules' own ORM expressions, compiled once), and the shown children's
    bookings of the period. One statement per database, number of years and of children, and flags."""

    def __init__(self, db: str, years: int, children: int, requirements: bool) -> None:
        quote = connections[db].ops.quote_name
        # The enrollments under their table's own name: the compiled flags refer to it (an OuterRef).
        enrollment_table = Enrollment._meta.db_table
        self.enrollment = Columns(Enrollment, quote(enrollment_table))
        self.child = Columns(Child, "c")
        self.booking = Columns(Booking, "b")
        self.flags: list[str] = []
        flags_sql: list[str] = []
        self.flag_params: list[Any] = []
        if requirements:
            query = Query(Enrollment)
            query.get_initial_alias()
            compiler = query.get_compiler(db)
            for name, flag in requirement_flags().items():
                sql, params = compiler.compile(flag.resolve_expression(query))
                self.flags.append(name)
                flags_sql.append(sql)
                self.flag_params.extend(params)
        e = self.enrollment.alias
        town, family = quote("town_id"), quote("family_id")
        child = quote(column_of(Enrollment._meta.get_field("child")))
        school_year = quote(column_of(Enrollment._meta.get_field("school_year")))
        select = ", ".join([self.enrollment.select(quote), self.child.select(quote), *flags_sql])
        self.enrollments_sql = (
            f"SELECT {select} FROM {quote(enrollment_table)} "  # noqa: S608 - our own names
            f"INNER JOIN {quote(self.child.table)} c ON c.{quote('id')} = {e}.{child} "
            f"WHERE {e}.{town} = %s AND c.{family} = %s AND {e}.{school_year} IN ({', '.join(['%s'] * years)})"
        )
        booking_child = quote(column_of(Booking._meta.get_field("child")))
        self.bookings_sql = (
            f"SELECT {self.booking.select(quote)} FROM {quote(self.booking.table)} b "  # noqa: S608 - our own names
            f"WHERE b.{town} = %s AND b.{booking_child} IN ({', '.join(['%s'] * children)}) "
            f"AND b.{quote('date')} BETWEEN %s AND %s"
        )


def requirement_flags() -> dict[str, Any]:
    """The requirement flags' expressions on an enrollment's row (`NEEDS_CONSENT`, `NEEDS_DOCUMENT`)."""
    return {
        NEEDS_CONSENT: needed_by_activity(OuterRef("activity_id")),
        NEEDS_DOCUMENT: needed_documents_exist(OuterRef("activity_id")),
    }


def _read(
    family: Family,
    year_ids: list[int],
    child_ids: list[int],
    start: datetime.date,
    end: datetime.date,
    requirements: bool,
) -> tuple[list[Enrollment], list[Booking]]:
    """The family's enrollments of the years `year_ids` (with their child) and the bookings of `child_ids` from
    `start` to `end`: the ORM's instances, in at most two queries (none for what has no year or no child)."""
    db = router.db_for_read(Enrollment)
    statements = written_once(_Statements, db, len(year_ids), len(child_ids), requirements)
    enrollments: list[Enrollment] = []
    bookings: list[Booking] = []
    ops = connections[db].ops
    with connections[db].cursor() as cursor:
        if year_ids:
            cursor.execute(statements.enrollments_sql, [*statements.flag_params, family.town_id, family.pk, *year_ids])
            width, child_width = len(statements.enrollment), len(statements.child)
            child_field = Enrollment._meta.get_field("child")
            for row in cursor.fetchall():
                enrollment = statements.enrollment.instance(db, row)
                child_field.set_cached_value(enrollment, statements.child.instance(db, row, width))
                for index, name in enumerate(statements.flags):
                    setattr(enrollment, name, bool(row[width + child_width + index]))
                enrollments.append(enrollment)
        if child_ids:
            cursor.execute(
                statements.bookings_sql,
                [family.town_id, *child_ids, ops.adapt_datefield_value(start), ops.adapt_datefield_value(end)],
            )
            bookings = [statements.booking.instance(db, row) for row in cursor.fetchall()]
    return enrollments, bookings


def _activity_order(activity: Activity) -> tuple[bool, datetime.time, str]:
    """Activities by start time then label (an activity without a start time last)."""
    return (activity.starts_at is None, activity.starts_at or datetime.time.min, activity.label)


def _all_tariff_terms(town: Town) -> MappingProxyType[int, tuple[TariffTerms, ...]]:
    by_activity: dict[int, list[TariffTerms]] = defaultdict(list)
    tariffs = (
        Tariff.objects.using(reference.PRIMARY)
        .filter(town=town)
        .prefetch_related(Prefetch("bands", queryset=TariffBand.objects.using(reference.PRIMARY).filter(town=town)))
    )
    for tariff in tariffs.order_by("activity_id", "-valid_from"):
        by_activity[tariff.activity_id].append(terms_of(tariff))
    return MappingProxyType({pk: tuple(terms) for pk, terms in by_activity.items()})


def tariff_terms(town: Town) -> MappingProxyType[int, tuple[TariffTerms, ...]]:
    """Each activity's tariffs as price terms, newest first, from the town's cached reference data."""
    return reference.cached(town, "bookings.tariff_terms", _all_tariff_terms)


def sibling_ranks(enrollments: list[Enrollment]) -> dict[tuple[int, int], int]:
    """Rank of each child among the family's children enrolled in an activity, eldest first."""
    by_activity: dict[int, dict[int, Child]] = defaultdict(dict)
    for enrollment in enrollments:
        by_activity[enrollment.activity_id][enrollment.child_id] = enrollment.child
    ranks = {}
    for activity_id, children in by_activity.items():
        ordered = sorted(children.values(), key=lambda child: (child.birth_date, child.pk))
        for rank, child in enumerate(ordered, start=1):
            ranks[(child.pk, activity_id)] = rank
    return ranks
