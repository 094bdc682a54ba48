"""Invoicing runs: what a run would bill (preview) and issuing it, family by family.

Billable, for the run's activities and period, on days the activity ran:
- `booked` (no roll call yet: the day was reserved), `present`, `absent_billed`
  at the family's price;
- `present_unbooked` at the penalty price, from the tariff's N-th such day of the month;
- `absent_excused` only within an absence reason's waiting period (jours de
  carence), at the family's price;
- flat tariffs bill one package per child and month, per Wednesday attended, per
  ISO week with a billable day (a week across two runs' periods is billed once, by
  the first run that bills a day of it), or per pack of N billable days of the
  period (an incomplete last pack pro rata of its days).
Never billed: requested, refused, cancelled, other excused absences, closed days,
and any booking already billed (`BilledBooking`, unique per booking).
Not billed yet: `absence_pending` (an absence whose document staff have not
checked): neither free nor billed until decided, reported as an anomaly; once
decided, the next issue of a run of its period bills it if it is billable.

The preview runs a fixed number of queries whatever the size of the town; issuing
writes the invoices a batch of families at a time, in one transaction and a fixed
number of statements per batch (numbers reserved at once, rows written in bulk), so
that a crash leaves whole invoices only and a rerun completes the others without
billing anything twice or leaving a gap in the numbers.
"""

import datetime
import gc
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from operator import attrgetter
from typing import Literal, NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ardoise.accounts.models import User
from ardoise.activities.models import Activity
from ardoise.audit import actions as audit
from ardoise.audit.models import AuditEntry
from ardoise.billing import billed_bookings
from ardoise.billing.models import (
    BilledBooking,
    BillingSettings,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoicingRun,
    RunStatus,
    Tariff,
    TariffBand,
)
from ardoise.billing.money import ZERO, round_money
from ardoise.billing.pricing import (
    AbsenceMark,
    PricedFor,
    TariffTerms,
    flat_price,
    flat_units,
    package_price,
    terms_of,
    terms_on,
    unbooked_ranks,
    unit_price,
    waiting_period_billed,
    week_of,
)
from ardoise.bookings.models import Booking, BookingState, Enrollment
from ardoise.calendars.days import load_closures
from ardoise.calendars.opening import ClosureSpan, closed_reason
from ardoise.families.models import Child, Family, Guardian
from ardoise.payments.actions import families_with_credit, settle_open_invoices
from ardoise.quotients import queries as quotients
from ardoise.quotients.rules import Timeline
from ardoise.towns.bulk import insert_columns, insert_instances
from ardoise.towns.models import Town, take_numbers
from ardoise.towns.rows import fetch_all
from ardoise.towns.statistics import GrowingTable

# States a run reads: those that may be billed, and absences (for waiting periods).
_READ_STATES = (
    BookingState.BOOKED,
    BookingState.PRESENT,
    BookingState.PRESENT_UNBOOKED,
    BookingState.ABSENT_BILLED,
    BookingState.ABSENT_EXCUSED,
)
_ABSENT = (BookingState.ABSENT_BILLED, BookingState.ABSENT_EXCUSED)
_EXCUSED, _UNBOOKED = BookingState.ABSENT_EXCUSED, BookingState.PRESENT_UNBOOKED
# How far before the period a run of absences is followed back to count its waiting days.
WAITING_LOOKBACK = datetime.timedelta(days=62)

LineKind = Literal["day", "unbooked", "waiting", "flat", "flat_part"]
_KIND_ORDER: dict[LineKind, int] = {"flat": 0, "flat_part": 0, "day": 1, "waiting": 2, "unbooked": 3}
_KIND_SUFFIX: dict[LineKind, str] = {
    "day": "",
    "flat": " — forfait",
    "flat_part": " — forfait incomplet (au prorata des jours)",
    "waiting": " — absence (jour de carence)",
    "unbooked": " — présence sans réservation",
}


@dataclass(frozen=True, slots=True)
class DraftLine:
    child_id: int
    child_name: str
    activity_id: int
    label: str
    quantity: int
    # Euros, two places; amount = quantity × unit_price, rounded half-up.
    unit_price: Decimal
    amount: Decimal
    booking_ids: tuple[int, ...]


@dataclass(slots=True)
class FamilyDraft:
    family_id: int
    number: str
    name: str
    payer_name: str
    payer_address: str
    emails: tuple[str, ...]
    lines: list[DraftLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def booking_count(self) -> int:
        return sum(len(line.booking_ids) for line in self.lines)


@dataclass(frozen=True, slots=True)
class Anomaly:
    kind: Literal["no_email", "no_tariff", "flat_already_billed", "absence_pending"]
    family_id: int
    family_name: str
    message: str


@dataclass(slots=True)
class RunPreview:
    families: list[FamilyDraft]
    anomalies: list[Anomaly]

    @property
    def total(self) -> Decimal:
        return sum((family.total for family in self.families), ZERO)

    @property
    def line_count(self) -> int:
        return sum(len(family.lines) for family in self.families)

    @property
    def booking_count(self) -> int:
        return sum(family.booking_count for family in self.families)


@contextmanager
def _cycles_not_collected() -> Iterator[None]:
    """The cyclic garbage collector paused while a run reads and prices a town's month: that makes hundreds of
    thousands of small objects and no cycle, and the collector's passes over everything alive were a fifth
    of the preview's time (docs/benchmarks.md "Issue 14, round 5"). Left as found: paused already (a preview
    inside an issue), it stays paused."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# One booking as the run reads it (a named tuple: a run makes one per booking, and tuples are cheap to make).
class _Row(NamedTuple):
    booking_id: int
    child_id: int
    activity_id: int
    day: datetime.date
    state: str
    reason_id: int | None
    waiting_days: int | None
    billed_line_id: int | None


_BY_DAY = attrgetter("day")


# What a run reads of each family and child: plain values, not model instances (thousands of each).
class _FamilyInfo(NamedTuple):
    number: str
    name: str
    quotient_familial: int | None
    resident: bool


class _ChildInfo(NamedTuple):
    family_id: int
    name: str
    birth_date: datetime.date
    has_pai: bool


class _OpenDays(dict[tuple[int, datetime.date], bool]):
    """Whether an activity ran on a day, keyed by (activity id, day), worked out once per activity and day."""

    def __init__(self, town: Town, activities: Iterable[Activity], closures: list[ClosureSpan]) -> None:
        super().__init__()
        self.zone = town.zone
        self.activities = {activity.pk: activity for activity in activities}
        self.closures = closures

    def __missing__(self, key: tuple[int, datetime.date]) -> bool:
        activity_id, day = key
        activity = self.activities[activity_id]
        found = self[key] = (
            closed_reason(
                day,
                weekdays=activity.weekdays,
                zone=self.zone,
                runs_in_school_holidays=activity.runs_in_school_holidays,
                holidays_only=activity.holidays_only,
                closures=self.closures,
                site_id=activity.site_id,
                activity_id=activity.pk,
            )
            is None
        )
        return found


def _rows(
    town_id: int, activity_ids: list[int], start: datetime.date, end: datetime.date, **filters: object
) -> list[_Row]:
    queryset = Booking.objects.filter(
        town_id=town_id, activity_id__in=activity_ids, date__range=(start, end), state__in=_READ_STATES, **filters
    ).order_by()
    columns = queryset.values_list(
        "pk",
        "child_id",
        "activity_id",
        "date",
        "state",
        "absence__reason_id",
        "absence__reason__waiting_days",
        "billed__invoice_line_id",
    )
    return list(map(_Row._make, fetch_all(columns)))


def _pending_absences(
    town_id: int, activity_ids: list[int], start: datetime.date, end: datetime.date, family_filter: dict[str, object]
) -> list[Anomaly]:
    """The families with days whose absence waits for staff: left unbilled until decided, in one query."""
    pending = (
        Booking.objects.filter(
            town_id=town_id,
            activity_id__in=activity_ids,
            date__range=(start, end),
            state=BookingState.ABSENCE_PENDING,
            **family_filter,
        )
        .values("child__family_id", "child__family__name")
        .annotate(days=Count("id"))
        .order_by()
    )
    return [
        Anomaly(
            "absence_pending",
            row["child__family_id"],
            row["child__family__name"],
            ngettext(
                "%(days)s jour d'absence attend la décision du service (justificatif) : il n'est pas facturé "
                "pour l'instant. Décidez la demande, puis émettez à nouveau.",
                "%(days)s jours d'absence attendent la décision du service (justificatif) : ils ne sont pas "
                "facturés pour l'instant. Décidez les demandes, puis émettez à nouveau.",
                row["days"],
            )
            % {"days": row["days"]},
        )
        for row in pending
    ]


def _billed_weeks(
    town_id: int, tariffs: dict[int, list[TariffTerms]], start: datetime.date, end: datetime.date
) -> dict[tuple[int, int], frozenset[datetime.date]]:
    """Per child and weekly-forfait activity, the Mondays of the weeks around the period (those it
    begins and ends in) whose package an invoice already bills, in one query (none without such tariffs)."""
    weekly = sorted(
        activity_id for activity_id, history in tariffs.items() if any(t.flat_per == "week" for t in history)
    )
    if not weekly:
        return {}
    billed = (
        Booking.objects.filter(
            town_id=town_id,
            activity_id__in=weekly,
            date__range=(week_of(start), week_of(end) + datetime.timedelta(days=6)),
            billed__isnull=False,
        )
        .order_by()
        .values_list("child_id", "activity_id", "date")
    )
    weeks: dict[tuple[int, int], set[datetime.date]] = defaultdict(set)
    for child_id, activity_id, day in billed:
        weeks[(child_id, activity_id)].add(week_of(day))
    return {key: frozenset(mondays) for key, mondays in weeks.items()}


def _tariffs(town_id: int, activity_ids: list[int]) -> dict[int, list[TariffTerms]]:
    tariffs: dict[int, list[TariffTerms]] = defaultdict(list)
    bands = Prefetch("bands", queryset=TariffBand.objects.filter(town_id=town_id))
    for tariff in Tariff.objects.filter(town_id=town_id, activity_id__in=activity_ids).prefetch_related(bands):
        tariffs[tariff.activity_id].append(terms_of(tariff))
    return tariffs


def _sibling_ranks(
    town_id: int,
    activity_ids: list[int],
    start: datetime.date,
    end: datetime.date,
    children: dict[int, _ChildInfo],
    billed_pairs: set[tuple[int, int]],
) -> dict[tuple[int, int], int]:
    """Rank of each child among its family's children in an activity, eldest first.

    The children counted are those enrolled in the activity for the period and
    those with days in it (a child may come without an enrollment).
    """
    enrolled = Enrollment.objects.filter(
        town_id=town_id,
        activity_id__in=activity_ids,
        school_year__starts_on__lte=end,
        school_year__ends_on__gte=start,
    ).values_list("child_id", "activity_id", "child__family_id", "child__birth_date")
    groups: dict[tuple[int, int], set[tuple[datetime.date, int]]] = defaultdict(set)
    for child_id, activity_id, family_id, birth_date in enrolled:
        groups[(family_id, activity_id)].add((birth_date, child_id))
    for child_id, activity_id in billed_pairs:
        info = children[child_id]
        groups[(info.family_id, activity_id)].add((info.birth_date, child_id))
    ranks: dict[tuple[int, int], int] = {}
    for (_family_id, activity_id), members in groups.items():
        for rank, (_birth, child_id) in enumerate(sorted(members), start=1):
            ranks[(child_id, activity_id)] = rank
    return ranks


def _payer(last_name: str, first_name: str, address: str, postcode: str, city: str) -> tuple[str, str]:
    """The name and address an invoice is made out to, from the family's first guardian."""
    place = " ".join(part for part in (postcode, city) if part)
    return f"{last_name} {first_name}", "\n".join(part for part in (address, place) if part)


def preview(run: InvoicingRun, family_ids: Collection[int] | None = None) -> RunPreview:
    """What issuing `run` would bill now (only what no invoice has billed yet), per family.

    `family_ids` restricts the preview to some families (a family's detail page).
    """
    activities = list(run.activities.filter(town_id=run.town_id))
    return preview_period(run.town, run.period_start, run.period_end, activities, family_ids)


@_cycles_not_collected()
def preview_period(
    town: Town,
    start: datetime.date,
    end: datetime.date,
    activities: list[Activity],
    family_ids: Collection[int] | None = None,
) -> RunPreview:
    """What a run of `activities` over `start`–`end` would bill now, without a run saved
    (the value of a prepayment family's booked days)."""
    town_id = town.pk
    activity_ids = [activity.pk for activity in activities]
    labels = {activity.pk: activity.label for activity in activities}
    family_filter: dict[str, object] = {} if family_ids is None else {"child__family_id__in": list(family_ids)}

    rows = _rows(town_id, activity_ids, start, end, **family_filter)
    # Runs of absences that started before the period: follow them back for their waiting days.
    waiting_children = {row.child_id for row in rows if row.state in _ABSENT and row.waiting_days}
    if waiting_children:
        rows += _rows(
            town_id,
            activity_ids,
            start - WAITING_LOOKBACK,
            start - datetime.timedelta(days=1),
            child_id__in_ids=waiting_children,
        )
    child_ids = {row.child_id for row in rows}
    children = {
        pk: _ChildInfo(family_id, f"{first} {last}", birth_date, has_pai)
        for pk, family_id, first, last, birth_date, has_pai in Child.objects.filter(
            town_id=town_id, pk__in_ids=child_ids
        ).values_list("pk", "family_id", "first_name", "last_name", "birth_date", "has_pai")
    }
    families = {
        pk: _FamilyInfo(number, name, quotient_familial, resident)
        for pk, number, name, quotient_familial, resident in Family.objects.filter(
            town_id=town_id, pk__in_ids={c.family_id for c in children.values()}
        ).values_list("pk", "number", "name", "quotient_familial", "resident")
    }
    # Each day is priced at the QF in force that day (a new QF applies from the date staff chose).
    quotient_timelines = quotients.timelines(town_id, {pk: family.quotient_familial for pk, family in families.items()})
    # Each family's payer (its first guardian) and e-mail addresses.
    payers: dict[int, tuple[str, str]] = {}
    emails: dict[int, list[str]] = defaultdict(list)
    for family_id, last_name, first_name, address, postcode, city, email in (
        Guardian.objects.filter(town_id=town_id, family_id__in_ids=families)
        .order_by("family_id", "position", "pk")
        .values_list("family_id", "last_name", "first_name", "address", "postcode", "city", "email")
    ):
        if family_id not in payers:
            payers[family_id] = _payer(last_name, first_name, address, postcode, city)
        if email:
            emails[family_id].append(email)
    tariffs = _tariffs(town_id, activity_ids)
    billed_weeks = _billed_weeks(town_id, tariffs, start, end)
    is_open = _OpenDays(town, activities, load_closures(town, start - WAITING_LOOKBACK, end))

    drafts: dict[int, FamilyDraft] = {}
    anomalies: list[Anomaly] = []

    def draft_of(family_id: int) -> FamilyDraft:
        if family_id not in drafts:
            family = families[family_id]
            payer_name, payer_address = payers.get(family_id, (family.name, ""))
            drafts[family_id] = FamilyDraft(
                family_id, family.number, family.name, payer_name, payer_address, tuple(emails[family_id])
            )
        return drafts[family_id]

    by_child_activity: dict[tuple[int, int], list[_Row]] = defaultdict(list)
    for row in rows:
        if is_open[row.activity_id, row.day]:
            by_child_activity[(row.child_id, row.activity_id)].append(row)

    ranks = _sibling_ranks(town_id, activity_ids, start, end, children, set(by_child_activity))
    terms_by_day = {activity_id: _TermsByDay(tariffs.get(activity_id, [])) for activity_id in activity_ids}
    prices: dict[tuple[int, _PersonKey, bool, int], Decimal] = {}
    for (child_id, activity_id), sequence in sorted(
        by_child_activity.items(),
        key=lambda item: (
            children[item[0][0]].family_id,
            children[item[0][0]].birth_date,
            item[0][0],
            labels[item[0][1]],
        ),
    ):
        child = children[child_id]
        family = families[child.family_id]
        sequence.sort(key=_BY_DAY)
        who = PricedFor(
            quotient_familial=family.quotient_familial,
            resident=family.resident,
            has_pai=child.has_pai,
            sibling_rank=ranks.get((child_id, activity_id), 1),
        )
        priced = _price_sequence(
            sequence,
            terms_by_day[activity_id],
            who,
            start,
            end,
            billed_weeks.get((child_id, activity_id), frozenset()),
            quotient_timelines.get(child.family_id),
            prices,
        )
        if priced.missing_tariff:
            anomalies.append(
                Anomaly(
                    "no_tariff",
                    child.family_id,
                    family.name,
                    _("%(child)s : des jours de « %(activity)s » sans tarif en vigueur ne sont pas facturés.")
                    % {"child": child.name, "activity": labels[activity_id]},
                )
            )
        if priced.flat_conflict:
            anomalies.append(
                Anomaly(
                    "flat_already_billed",
                    child.family_id,
                    family.name,
                    _("%(child)s : le forfait mensuel « %(activity)s » est déjà facturé pour un mois de la période.")
                    % {"child": child.name, "activity": labels[activity_id]},
                )
            )
        for kind, price, booking_ids, quantity in priced.lines:
            draft_of(child.family_id).lines.append(
                DraftLine(
                    child_id=child_id,
                    child_name=child.name,
                    activity_id=activity_id,
                    label=labels[activity_id] + _KIND_SUFFIX[kind],
                    quantity=quantity,
                    unit_price=price,
                    amount=round_money(price * quantity),
                    booking_ids=tuple(booking_ids),
                )
            )
    anomalies += _pending_absences(town_id, activity_ids, start, end, family_filter)
    result = sorted(drafts.values(), key=lambda draft: (draft.name, draft.number))
    for draft in result:
        if not draft.emails:
            anomalies.append(
                Anomaly(
                    "no_email",
                    draft.family_id,
                    draft.name,
                    _("Aucun responsable n'a d'adresse électronique : facture à envoyer par courrier."),
                )
            )
    anomalies.sort(key=lambda anomaly: (anomaly.family_name, anomaly.kind))
    return RunPreview(families=result, anomalies=anomalies)


# (kind, unit price, booking ids, quantity)
type _PricedLine = tuple[LineKind, Decimal, list[int], int]


@dataclass(frozen=True, slots=True)
class _Priced:
    lines: list[_PricedLine]
    # Days to bill without a tariff in force: left unbilled, reported.
    missing_tariff: bool
    # A month's flat package already billed by an earlier run: its new days are left unbilled, reported.
    flat_conflict: bool


# What a day's price depends on about the family and the child: PricedFor's fields, as a cheap key.
type _PersonKey = tuple[int | None, bool, bool, int]


class _TermsByDay(dict[datetime.date, TariffTerms | None]):
    """An activity's tariff in force on each day (None before its first), worked out once per day of a run."""

    def __init__(self, history: Iterable[TariffTerms]) -> None:
        super().__init__()
        self.history = sorted(history, key=lambda terms: terms.valid_from)

    def __missing__(self, day: datetime.date) -> TariffTerms | None:
        found = self[day] = terms_on(day, self.history)
        return found


def _price_sequence(
    sequence: list[_Row],
    terms_by_day: _TermsByDay,
    who: PricedFor,
    start: datetime.date,
    end: datetime.date,
    billed_weeks: frozenset[datetime.date] = frozenset(),
    quotient: Timeline | None = None,
    prices: dict[tuple[int, _PersonKey, bool, int], Decimal] | None = None,
) -> _Priced:
    """The lines of one child in one activity; `billed_weeks`: the Mondays of the weeks whose Forfait
    semaine an invoice already bills (their other days are covered by it); `quotient`: the family's QF
    history, each day (a package: its first day) priced at the QF of that day; `prices`: the day prices
    already worked out, shared by the sequences of a run (a town has few distinct ones)."""
    prices = {} if prices is None else prices
    # QF -> the person priced, and what their day prices are keyed by.
    persons: dict[int | None, tuple[PricedFor, _PersonKey]] = {}

    def who_on(day: datetime.date) -> tuple[PricedFor, _PersonKey]:
        quotient_familial = who.quotient_familial if quotient is None else quotient.on(day)
        found = persons.get(quotient_familial)
        if found is None:
            person = who
            if quotient_familial != who.quotient_familial:
                person = replace(who, quotient_familial=quotient_familial)
            found = persons[quotient_familial] = (
                person,
                (quotient_familial, person.resident, person.has_pai, person.sibling_rank),
            )
        return found

    # The same person all period long unless the family's QF changes within it (most families).
    unchanged = quotient is None or not any(start < entry.applies_from <= end for entry in quotient.entries)
    period_who = who_on(start) if unchanged else None

    states = {row.state for row in sequence}
    # The excused absences billed as waiting days (most sequences have no excused absence to work out).
    waiting: set[int] = set()
    if _EXCUSED in states:
        marks: list[AbsenceMark] = [
            ((row.reason_id or 0), row.waiting_days or 0) if row.state in _ABSENT else None for row in sequence
        ]
        waiting = {row.booking_id for row, billed in zip(sequence, waiting_period_billed(marks), strict=True) if billed}
    ranks = unbooked_ranks(row.day for row in sequence if row.state == _UNBOOKED) if _UNBOOKED in states else {}
    grouped: dict[tuple[LineKind, Decimal], list[int]] = {}
    flat_days: dict[TariffTerms, list[_Row]] = defaultdict(list)
    missing_tariff = False
    for row in sequence:
        day, state = row.day, row.state
        if row.billed_line_id is not None or not start <= day <= end:
            continue
        if state == _EXCUSED and row.booking_id not in waiting:
            continue
        terms = terms_by_day[day]
        if terms is None:
            missing_tariff = True
            continue
        if terms.flat:
            flat_days[terms].append(row)
            continue
        unbooked = state == _UNBOOKED
        rank = ranks[day] if unbooked else 1
        penalised = unbooked and terms.penalty_price is not None and rank >= terms.penalty_from_nth
        person, person_key = period_who or who_on(day)
        # Keyed by the terms' identity: the run holds each tariff's terms once, and hashing them is dear.
        key = (id(terms), person_key, unbooked, rank)
        price = prices.get(key)
        if price is None:
            price = prices[key] = unit_price(terms, person, unbooked=unbooked, unbooked_rank_in_month=rank)
        kind: LineKind = "unbooked" if penalised else "waiting" if state == _EXCUSED else "day"
        booking_ids = grouped.get((kind, price))
        if booking_ids is None:
            booking_ids = grouped[(kind, price)] = []
        booking_ids.append(row.booking_id)
    lines: list[_PricedLine] = [(kind, price, ids, len(ids)) for (kind, price), ids in grouped.items()]
    flat_conflict = False
    for terms, rows in flat_days.items():
        packages = flat_units(terms, (row.day for row in rows))
        if terms.flat_per == "month":
            billed_months = {row.day.replace(day=1) for row in sequence if row.billed_line_id is not None}
            kept = {key: days for key, days in packages.items() if key not in billed_months}
            flat_conflict = flat_conflict or len(kept) < len(packages)
            packages = kept
        elif terms.flat_per == "week":
            # A week begun in an earlier run's period: its package is billed already.
            packages = {monday: days for monday, days in packages.items() if monday not in billed_weeks}
        if not packages:
            continue
        by_price: dict[tuple[bool, Decimal], list[list[datetime.date]]] = defaultdict(list)
        for days in packages.values():
            package_who, _key = who_on(min(days))
            price = package_price(terms, package_who, len(days))
            by_price[(price == flat_price(terms, package_who), price)].append(days)
        for (whole, price), groups in by_price.items():
            covered = {day for days in groups for day in days}
            ids = [row.booking_id for row in rows if row.day in covered]
            lines.append(("flat" if whole else "flat_part", price, ids, len(groups)))
    lines.sort(key=lambda line: (_KIND_ORDER[line[0]], line[1]))
    return _Priced(lines, missing_tariff, flat_conflict)


# Issuing


# Families issued per transaction by issue_run: their numbers reserved at once, their rows written in bulk. Each
# batch costs about 8 ms beyond its rows (its statements, its commit); a crash loses at most one batch, which a
# rerun issues again (500: 11 batches for 5,000 families; docs/benchmarks.md, "Issue 14, round 6").
ISSUE_BATCH = 500


@dataclass(frozen=True, slots=True)
class IssueResult:
    invoices: list[Invoice]
    # Families left out because another run billed some of their bookings meanwhile.
    skipped_family_ids: list[int]


def billing_settings(town: Town) -> BillingSettings:
    settings, _created = BillingSettings.objects.get_or_create(town=town)
    return settings


def _last_number_in_use(town_id: int, year: int) -> int:
    """The highest number of the year already on an invoice (imported or older invoices), 0 if none.

    A counter created for a year that already has invoices continues after them
    instead of colliding with their numbers.
    """
    prefix = f"{year}-"
    numbers = Invoice.objects.filter(town_id=town_id, number__startswith=prefix).values_list("number", flat=True)
    return max((int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()), default=0)


def reserve_invoice_numbers(town_id: int, year: int, count: int) -> list[str]:
    """The next `count` numbers of the town's year (2027-000123, …), in the caller's transaction.

    The counter row stays locked until that transaction ends: a rolled-back transaction gives its numbers
    back, and concurrent runs queue instead of colliding (`take_numbers`: one statement once the year's
    counter exists). A counter made for a year that already has invoices continues after them.
    """
    numbers = take_numbers(
        InvoiceCounter, count, first_use=lambda: _last_number_in_use(town_id, year), town_id=town_id, year=year
    )
    return [f"{year}-{number:06d}" for number in numbers]


def next_invoice_number(town_id: int, year: int) -> str:
    """The next number of the town's year, in the caller's transaction (see reserve_invoice_numbers)."""
    [number] = reserve_invoice_numbers(town_id, year, 1)
    return number


def _new_invoice(
    run: InvoicingRun, draft: FamilyDraft, number: str, *, issued_on: datetime.date, due_on: datetime.date
) -> Invoice:
    return Invoice(
        town_id=run.town_id,
        family_id=draft.family_id,
        run=run,
        number=number,
        issued_on=issued_on,
        due_on=due_on,
        period_start=run.period_start,
        period_end=run.period_end,
        total=draft.total,
        payer_name=draft.payer_name,
        payer_address=draft.payer_address,
        regie_name=run.town.regie_name,
    )


def _write_lines(
    run: InvoicingRun, issued: list[tuple[Invoice, FamilyDraft]], seen: billed_bookings.DeletionsSeen | None
) -> None:
    """The invoices' lines and billed bookings, in one statement each (a billed booking's
    uniqueness refuses, with an IntegrityError, a booking another invoice bills already)."""
    drafted = [(invoice.pk, line) for invoice, draft in issued for line in draft.lines]
    line_ids = _insert_lines(run.town_id, drafted)
    # Each line's bookings, and its id as often: a run bills 200,000 bookings, a list at a time.
    booking_ids: list[int] = []
    billed_line_ids: list[int] = []
    for line_id, (_invoice_id, line) in zip(line_ids, drafted, strict=True):
        booking_ids += line.booking_ids
        billed_line_ids += [line_id] * len(line.booking_ids)
    _insert_billed(run.town_id, booking_ids, billed_line_ids, seen)


def _insert_lines(town_id: int, drafted: list[tuple[int, DraftLine]]) -> list[int]:
    """InvoiceLine rows (invoice id, draft line) in one statement, their ids in the same order, without an
    instance per line (a run writes one per child, activity and price)."""
    lines = [line for _invoice_id, line in drafted]
    return insert_columns(
        InvoiceLine,
        {
            "town_id": [town_id] * len(lines),
            "invoice_id": [invoice_id for invoice_id, _line in drafted],
            "child_id": [line.child_id for line in lines],
            "activity_id": [line.activity_id for line in lines],
            "label": [line.label for line in lines],
            "quantity": [line.quantity for line in lines],
            "unit_price": [line.unit_price for line in lines],
            "amount": [line.amount for line in lines],
        },
    )


def _insert_billed(
    town_id: int, booking_ids: list[int], line_ids: list[int], seen: billed_bookings.DeletionsSeen | None
) -> None:
    """BilledBooking rows (booking id, invoice line id) in one statement, without an instance per booking (a
    run bills tens of thousands), once their bookings are claimed (billed_bookings.claim: IntegrityError if one
    was deleted since `seen`). Their town is their booking's and their line's (BilledBooking.town)."""
    if not booking_ids:
        return
    billed_bookings.claim(town_id, booking_ids, seen)
    insert_columns(
        BilledBooking,
        {"town_id": [town_id] * len(booking_ids), "booking_id": booking_ids, "invoice_line_id": line_ids},
    )


def _issue_entry(
    run: InvoicingRun, actor: User | None, invoice: Invoice, draft: FamilyDraft, with_credit: bool
) -> AuditEntry:
    """The invoice's audit entry, after credit the family already has (an overpayment, prepaid bookings)
    settled it. `with_credit=False` says the family has none (the run asked once for the whole town)."""
    settled = settle_open_invoices(Family(pk=draft.family_id, town_id=run.town_id)) if with_credit else []
    return audit.entry(
        run.town,
        actor,
        "invoice.issue",
        invoice,
        summary=f"Facture {invoice.number} émise ({draft.name}, {invoice.total} €)",
        changes={"settled_by_credit": f"{sum((a.amount for a in settled), ZERO):.2f}"} if settled else None,
    )


def issue_family(
    run: InvoicingRun,
    draft: FamilyDraft,
    *,
    issued_on: datetime.date,
    due_on: datetime.date,
    actor: User | None,
    has_credit: bool = True,
) -> Invoice:
    """One family's invoice: number, lines and billed bookings (their bookings checked), in one transaction.

    `has_credit=False` says the family has no money to settle it with (the run asked
    once for the whole town), which spares a query.
    """
    with transaction.atomic():
        number = next_invoice_number(run.town_id, issued_on.year)
        invoice = _new_invoice(run, draft, number, issued_on=issued_on, due_on=due_on)
        invoice.save(force_insert=True)
        _write_lines(run, [(invoice, draft)], None)
        audit.record_all([_issue_entry(run, actor, invoice, draft, has_credit)])
    return invoice


def issue_families(
    run: InvoicingRun,
    drafts: list[FamilyDraft],
    *,
    issued_on: datetime.date,
    due_on: datetime.date,
    actor: User | None,
    with_credit: Collection[int],
    seen: billed_bookings.DeletionsSeen | None = None,
) -> list[Invoice]:
    """The families' invoices in one transaction, in a number of statements that does not depend on
    how many there are: their numbers reserved at once (in `drafts`' order, without a gap), then
    invoices, lines, billed bookings and audit entries each written in one statement. Families with
    credit settle their new invoice from it, one by one. All or nothing: an IntegrityError (another run
    billed one of these bookings meanwhile) leaves no invoice and no number used.
    """
    with transaction.atomic():
        numbers = reserve_invoice_numbers(run.town_id, issued_on.year, len(drafts))
        invoices = insert_instances(
            [
                _new_invoice(run, draft, number, issued_on=issued_on, due_on=due_on)
                for draft, number in zip(drafts, numbers, strict=True)
            ]
        )
        issued = list(zip(invoices, drafts, strict=True))
        for invoice, _draft in issued:
            invoice._snapshot()  # As Invoice.save leaves it: a later save may fill in the delivery only.
        _write_lines(run, issued, seen)
        audit.record_all(
            _issue_entry(run, actor, invoice, draft, draft.family_id in with_credit) for invoice, draft in issued
        )
    return invoices


@_cycles_not_collected()
def issue_run(
    run: InvoicingRun,
    actor: User | None,
    *,
    on_issued: Callable[[Invoice], None] | None = None,
    today: datetime.date | None = None,
) -> IssueResult:
    """Issue what `run` bills now, whole invoices only; safe to run again.

    Families are issued ISSUE_BATCH to a transaction (`issue_families`: numbers
    reserved for the batch, rows written in bulk): a crash loses at most the batch
    under way (a rerun completes it) and never half an invoice. Should another run
    have billed some of a batch's bookings meanwhile, that batch is issued again
    family by family, each in its own transaction, and the families refused are
    skipped. `on_issued(invoice)` is called after the invoice's transaction
    commits (the PDF and e-mail task is enqueued there).
    """
    today = today or timezone.localdate()
    due_on = today + datetime.timedelta(days=billing_settings(run.town).payment_days)
    issued: list[Invoice] = []
    skipped: list[int] = []
    # Read before the preview reads the bookings: a batch's claim checks them only if some were deleted since.
    seen = billed_bookings.deletions_seen(run.town_id)
    drafts = [draft for draft in preview(run).families if draft.lines]
    with_credit = families_with_credit(run.town_id)
    invoice_table = GrowingTable(Invoice)
    for start in range(0, len(drafts), ISSUE_BATCH):
        batch = drafts[start : start + ISSUE_BATCH]
        try:
            invoices = issue_families(
                run, batch, issued_on=today, due_on=due_on, actor=actor, with_credit=with_credit, seen=seen
            )
        except IntegrityError:
            # Another run billed some of these bookings meanwhile: the batch left nothing behind; issue it
            # family by family, each in its own transaction, and skip the families refused.
            invoices = []
            for draft in batch:
                try:
                    invoice = issue_family(
                        run,
                        draft,
                        issued_on=today,
                        due_on=due_on,
                        actor=actor,
                        has_credit=draft.family_id in with_credit,
                    )
                except IntegrityError:
                    skipped.append(draft.family_id)
                    continue
                invoices.append(invoice)
        issued += invoices
        invoice_table.grown(len(invoices))
        if on_issued is not None:
            for invoice in invoices:
                # At once if the batch is committed; after the caller's transaction commits if there is one.
                transaction.on_commit(lambda invoice=invoice: on_issued(invoice))
    with transaction.atomic():
        InvoicingRun.objects.filter(pk=run.pk).update(
            status=RunStatus.ISSUED, issued_at=timezone.now(), issued_by=actor
        )
        total = sum((invoice.total for invoice in issued), ZERO)
        audit.record(
            run.town,
            actor,
            "invoicing_run.issue",
            run,
            summary=f"Facturation du {run} émise : {len(issued)} facture(s), {total} €",
        )
    run.refresh_from_db()
    return IssueResult(invoices=issued, skipped_family_ids=skipped)


def create_run(
    town: Town,
    actor: User | None,
    *,
    period_start: datetime.date,
    period_end: datetime.date,
    activities: list[Activity],
) -> InvoicingRun:
    if period_end < period_start:
        raise ValueError("The period ends before it starts.")
    if any(activity.town_id != town.pk for activity in activities):
        raise ValueError("An activity belongs to another town.")
    with transaction.atomic():
        run = InvoicingRun.objects.create(town=town, period_start=period_start, period_end=period_end, created_by=actor)
        run.activities.set(activities)
        audit.record(
            town,
            actor,
            "invoicing_run.create",
            run,
            summary=f"Facturation préparée du {run} ({', '.join(a.label for a in activities)})",
        )
    return run
