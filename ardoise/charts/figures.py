"""The numbers behind the staff's charts, each in a fixed number of queries.

- `attendance`: children present per week and activity over a school year, from
  the roll calls (`present` and `present_unbooked` bookings; 2 queries). Sites
  with the same activity code add up (a "Repas" line for every school); a site
  agent sees only their sites.
- `money_by_month`: over the last 12 months (the current one included), per
  calendar month: invoiced (invoices issued − credit notes issued), paid
  (payments received − reversals), and the collection rate of the invoices
  issued that month (what payments settled of them ÷ what they still ask after
  credit notes, today). 6 queries.
- `unpaid_by_age`: what remains due on overdue invoices (total − credit notes −
  payments allocated), by days past their due date: 1–30, 31–60, 61–90, over 90
  (1 query).

Sums are rounded to the cent in Python: SQLite adds decimals in floating point.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from ardoise.billing.models import CreditNote, Invoice, Payment, PaymentAllocation
from ardoise.billing.money import ZERO, round_money
from ardoise.bookings.models import Booking, BookingState
from ardoise.calendars.models import SchoolYear
from ardoise.payments.models import PaymentReversal
from ardoise.towns.models import Town

MONEY = DecimalField(max_digits=14, decimal_places=2)
# The states a roll call leaves on a child who came.
PRESENT_STATES = (BookingState.PRESENT, BookingState.PRESENT_UNBOOKED)
MONTHS = 12
# Upper bounds (days past the due date, included) of the age bands; the last band has none.
AGE_BANDS: tuple[tuple[int, int | None], ...] = ((1, 30), (31, 60), (61, 90), (91, None))


# Pure rules


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s week."""
    return day - datetime.timedelta(days=day.weekday())


def weeks_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The Mondays of every week from `first`'s to `last`'s, both included."""
    monday, weeks = week_of(first), []
    while monday <= last:
        weeks.append(monday)
        monday += datetime.timedelta(days=7)
    return weeks


def last_months(today: datetime.date, count: int = MONTHS) -> list[datetime.date]:
    """The first days of the `count` months ending with `today`'s, oldest first."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def age_band(days_late: int) -> int | None:
    """The index in AGE_BANDS of an invoice `days_late` days past due (None when not late)."""
    for index, (low, high) in enumerate(AGE_BANDS):
        if days_late >= low and (high is None or days_late <= high):
            return index
    return None


def collection_rate(asked: Decimal, settled: Decimal) -> Decimal | None:
    """Percent of `asked` that payments `settled`, to one place; None when nothing was asked."""
    if asked <= ZERO:
        return None
    return min((settled * 100 / asked).quantize(Decimal("0.1")), Decimal(100))


# Attendance


@dataclass(frozen=True)
class Attendance:
    school_year: SchoolYear | None
    # Mondays of the weeks shown, oldest first.
    weeks: list[datetime.date]
    # (activity code, label), in the order of the activities' first start time.
    activities: list[tuple[str, str]]
    # Children present, by (activity code, Monday).
    present: dict[tuple[str, datetime.date], int]

    def series(self, code: str) -> list[int]:
        return [self.present.get((code, week), 0) for week in self.weeks]

    @property
    def total(self) -> int:
        return sum(self.present.values())


def school_year_of(town: Town, today: datetime.date) -> SchoolYear | None:
    """The school year under way, or the last one started (summer: the year just finished). One query."""
    return SchoolYear.objects.filter(town=town, starts_on__lte=today).order_by("-starts_on").first()


def attendance(town: Town, today: datetime.date, site_ids: Iterable[int] | None = None) -> Attendance:
    """Children present per week and activity, from the school year's first day to today (or its end). 2 queries."""
    year = school_year_of(town, today)
    if year is None:
        return Attendance(None, [], [], {})
    last = min(year.ends_on, today)
    bookings = Booking.objects.filter(town=town, date__range=(year.starts_on, last), state__in=PRESENT_STATES)
    if site_ids is not None:
        bookings = bookings.filter(activity__site_id__in=list(site_ids))
    rows = (
        bookings.values("activity__code", "activity__label", "activity__starts_at", "date")
        .annotate(present=Count("id"))
        .order_by()
    )
    present: dict[tuple[str, datetime.date], int] = defaultdict(int)
    labels: dict[str, tuple[datetime.time | None, str]] = {}
    for row in rows:
        code = row["activity__code"]
        present[(code, week_of(row["date"]))] += row["present"]
        labels.setdefault(code, (row["activity__starts_at"], row["activity__label"]))
    order = sorted(labels, key=lambda code: (labels[code][0] or datetime.time.max, labels[code][1], code))
    return Attendance(
        school_year=year,
        weeks=weeks_between(year.starts_on, last) if year.starts_on <= last else [],
        activities=[(code, labels[code][1]) for code in order],
        present=dict(present),
    )


# Money


@dataclass(frozen=True)
class MonthMoney:
    month: datetime.date  # its first day
    # Invoices issued in the month − credit notes issued in the month, euros.
    invoiced: Decimal
    # Payments received in the month − reversals of payments dated in the month, euros.
    paid: Decimal
    # Invoices issued in the month: what they ask after their credit notes, and what payments settled of it, euros.
    asked: Decimal
    settled: Decimal

    @property
    def rate(self) -> Decimal | None:
        return collection_rate(self.asked, self.settled)


type MonthRow = tuple[datetime.date | datetime.datetime | None, Decimal | None]


def _by_month(rows: Iterable[MonthRow]) -> dict[datetime.date, Decimal]:
    sums: dict[datetime.date, Decimal] = {}
    for month, amount in rows:
        if month is None:
            continue
        day = month.date() if isinstance(month, datetime.datetime) else month
        sums[day] = round_money(Decimal(amount or 0))
    return sums


def _monthly(queryset: object, date_field: str, amount_field: str) -> dict[datetime.date, Decimal]:
    grouped = (
        queryset.annotate(month=TruncMonth(date_field))  # type: ignore[attr-defined]
        .values("month")
        .annotate(amount=Sum(amount_field))
        .order_by()
        .values_list("month", "amount")
    )
    return _by_month(grouped)


def money_by_month(town: Town, today: datetime.date, count: int = MONTHS) -> list[MonthMoney]:
    """Invoiced, paid and collection rate of each of the last `count` months. 6 queries."""
    months = last_months(today, count)
    first, town_id = months[0], town.pk
    invoices = Invoice.objects.filter(town_id=town_id, issued_on__gte=first, issued_on__lte=today)
    issued = _monthly(invoices, "issued_on", "total")
    credited = _monthly(
        CreditNote.objects.filter(town_id=town_id, issued_on__gte=first, issued_on__lte=today), "issued_on", "amount"
    )
    received = _monthly(
        Payment.objects.filter(town_id=town_id, received_on__gte=first, received_on__lte=today), "received_on", "amount"
    )
    reversed_ = _monthly(
        PaymentReversal.objects.filter(town_id=town_id, reversed_on__gte=first, reversed_on__lte=today),
        "reversed_on",
        "amount",
    )
    credited_on_issued = _monthly(
        CreditNote.objects.filter(town_id=town_id, invoice__in=invoices), "invoice__issued_on", "amount"
    )
    settled = _monthly(
        PaymentAllocation.objects.filter(town_id=town_id, invoice__in=invoices), "invoice__issued_on", "amount"
    )
    return [
        MonthMoney(
            month=month,
            invoiced=issued.get(month, ZERO) - credited.get(month, ZERO),
            paid=received.get(month, ZERO) - reversed_.get(month, ZERO),
            asked=issued.get(month, ZERO) - credited_on_issued.get(month, ZERO),
            settled=settled.get(month, ZERO),
        )
        for month in months
    ]


@dataclass(frozen=True)
class AgeBand:
    low: int
    high: int | None
    # Euros still due on the invoices of the band, and how many invoices.
    amount: Decimal
    invoices: int


def unpaid_by_age(town: Town, today: datetime.date) -> list[AgeBand]:
    """What overdue invoices still ask, by days past their due date. 1 query."""
    town_id = town.pk

    def summed(queryset: object) -> Coalesce:
        sums = queryset.order_by().values("invoice").annotate(s=Sum("amount")).values("s")  # type: ignore[attr-defined]
        return Coalesce(Subquery(sums, output_field=MONEY), Value(ZERO), output_field=MONEY)

    rows = (
        Invoice.objects.filter(town_id=town_id, due_on__lt=today)
        .annotate(
            credited=summed(CreditNote.objects.filter(town_id=town_id, invoice=OuterRef("pk"))),
            paid=summed(PaymentAllocation.objects.filter(town_id=town_id, invoice=OuterRef("pk"))),
        )
        # A first cut in SQL (floating point on SQLite); the exact test is below.
        .filter(Q(total__gt=Coalesce("credited", Value(ZERO)) + Coalesce("paid", Value(ZERO))))
        .values_list("due_on", "total", "credited", "paid")
    )
    amounts = [ZERO] * len(AGE_BANDS)
    counts = [0] * len(AGE_BANDS)
    for due_on, total, credited, paid in rows:
        remaining = round_money(Decimal(total)) - round_money(Decimal(credited)) - round_money(Decimal(paid))
        band = age_band((today - due_on).days)
        if remaining <= ZERO or band is None:
            continue
        amounts[band] += remaining
        counts[band] += 1
    return [
        AgeBand(low, high, amount, count) for (low, high), amount, count in zip(AGE_BANDS, amounts, counts, strict=True)
    ]
