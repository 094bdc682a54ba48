"""Last school year in the demo town, so that the staff's charts have a year of history.

The demo's main build books and invoices the current school year only. For the
months of last school year that fall in the twelve months before today (and the
month before them, whose invoice is issued inside), this writes what the
service would have recorded:

- the roll calls: bookings of every enrolled child but DUPONT (whose account is
  seed 001's, written by demo.ledger), drawn by demo.bookings as this year's are,
  without going over the places DUPONT's days took;
- one invoice a month per family, issued on the first working day from the 8th
  of the next month and due 30 days later, whose lines are the billable days
  at the family's unit prices (present without a booking at the penalty price),
  each day marked as billed so that no invoicing run bills it again; written
  directly (no run) with the numbers of the town's counters, in date order;
- the payments, by card or transfer (no cheques: they would wait for a deposit
  slip), mostly within three weeks and a few late. The families that leave
  this year's last invoices unpaid (demo.invoicing: every sixth from family 5,
  except those with a SEPA mandate) leave their last two unpaid here too and
  paid half of the one before, so the unpaid amounts have ages.

Everything is written in bulk: the bookings, their absences and the billed days
as tuples (`RowWriter` on SQLite, `CopyWriter`'s COPY on PostgreSQL), the few
hundred invoices and payments with bulk_create.
"""

import datetime
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.db.models import Max

from ardoise.billing.models import (
    BilledBooking,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from ardoise.billing.money import round_money
from ardoise.billing.runs import reserve_invoice_numbers
from ardoise.bookings.models import BILLABLE_STATES, STATES_HOLDING_A_PLACE, Booking, BookingState, Enrollment
from ardoise.calendars.deadlines import PARIS
from ardoise.payments.models import Counter as NumberCounter
from ardoise.payments.models import CounterKind
from ardoise.towns.models import take_numbers

from . import ledger, spec
from .bookings import BookingGenerator, ChildRef, OpenDays
from .bulk import CopyWriter, insert
from .calendar import days_between
from .direct_debit import MANDATED_FAMILIES
from .invoicing import ISSUE_DAY, UNPAID_EVERY, UNPAID_FROM, UNPAID_LAST
from .people import FamilyPlan

if TYPE_CHECKING:
    from .builder import DemoBuilder

SEED = "ardoise-demo-history-v1"
PAYMENT_DAYS = 30
# Share of invoices paid late, after the due date (the rest within three weeks of issue).
LATE_SHARE = 0.12
METHODS = (PaymentMethod.CARD, PaymentMethod.TRANSFER, PaymentMethod.CARD)
PAYMENT_PREFIX = "R"  # payments.actions numbers payments R<year>-<n>


class RowWriter(CopyWriter):
    """CopyWriter's rows on SQLite: primary keys taken after the table's highest, rows written
    with one prepared INSERT run over all of them (executemany), without model instances.

    bulk_create builds a statement of thousands of placeholders per batch and a model per
    row, which cost the demo seconds. Taking keys after the highest is safe here only because
    the demo is built alone, in one transaction.
    """

    PREPARED = (models.DateField, models.TimeField, models.DecimalField, models.UUIDField, models.DurationField)

    def __init__(self, counts: Counter[str], batch_size: int = 20_000):
        super().__init__(counts, batch_size)
        self.last_ids: dict[type[models.Model], int] = {}

    def reserve_ids(self, model: type[models.Model], count: int) -> list[int]:
        if model not in self.last_ids:
            self.last_ids[model] = model._default_manager.aggregate(highest=Max("pk"))["highest"] or 0
        first = self.last_ids[model] + 1
        self.last_ids[model] += count
        return list(range(first, first + count))

    def flush(self) -> None:
        quote = connection.ops.quote_name
        for model, rows in self.tuples.items():
            if not rows:
                continue
            fields = model._meta.concrete_fields
            columns = ", ".join(quote(str(field.column)) for field in fields)
            placeholders = ", ".join(["%s"] * len(fields))
            prepare = [self.preparer(field) for field in fields]
            values: list[tuple[Any, ...]] = [
                tuple(value if p is None else p(value) for p, value in zip(prepare, row, strict=True)) for row in rows
            ]
            table = quote(model._meta.db_table)
            with connection.cursor() as cursor:
                # Names from the models' own metadata, values as parameters.
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", values)  # noqa: S608
            self.counts[model._meta.label] += len(rows)
        self.tuples = {model: [] for model in self.tuples}

    def preparer(self, field: models.Field) -> Callable[[Any], Any] | None:  # type: ignore[type-arg]
        """How a value of `field` is handed to the driver (dates as text, decimals…), or None: as it is."""
        if isinstance(field, self.PREPARED):
            return lambda value: field.get_db_prep_save(value, connection)
        return None


def row_writer(counts: Counter[str]) -> CopyWriter:
    return CopyWriter(counts) if connection.vendor == "postgresql" else RowWriter(counts)


@dataclass
class Draft:
    """One family's invoice of one month, before it is written."""

    plan: FamilyPlan
    month: datetime.date
    # (child id, activity id, penalty) -> the billed bookings' ids.
    days: dict[tuple[int, int, bool], list[int]] = field(default_factory=lambda: defaultdict(list))


def history_start(today: datetime.date, year_starts_on: datetime.date) -> datetime.date:
    """The first day written: the month twelve months before today's, not before the school year."""
    month = today.replace(day=1)
    twelve_ago = month.replace(year=month.year - 1)
    return max(twelve_ago, year_starts_on)


def create_history(builder: "DemoBuilder") -> None:
    previous = builder.years["previous"]
    first = history_start(builder.today, previous.starts_on)
    last = min(previous.ends_on, builder.today - datetime.timedelta(days=1))
    if first > last:
        return
    rng = random.Random(f"{SEED}/{builder.today.isoformat()}")
    dupont = builder.plans[0]
    _book(builder, dupont, first, last, rng)
    drafts = _drafts(builder, dupont, first, last)
    invoices = _invoice(builder, drafts)
    _pay(builder, invoices, rng)


def _book(
    builder: "DemoBuilder", dupont: FamilyPlan, first: datetime.date, last: datetime.date, rng: random.Random
) -> None:
    town = builder.town
    writer = row_writer(builder.counts)
    generator = BookingGenerator(
        town=town,
        today=builder.today,
        rng=rng,
        reasons=builder.reasons,
        front_desk_id=builder.staff["accueil@demo.test"].pk,
        writer=writer,
    )
    # The places DUPONT's days of seed 001 already took.
    taken = (
        Booking.objects.filter(town=town, date__range=(first, last), state__in=STATES_HOLDING_A_PLACE)
        .values_list("activity_id", "date")
        .order_by()
    )
    generator.places.update(taken)
    days = days_between(first, last)
    open_days = {
        activity.pk: OpenDays(
            activity, activity.capacity, [day for day in days if builder.opens(activity, day, builder.closures)]
        )
        for activity in builder.activities.values()
    }
    refs = {
        child_plan.child.pk: ChildRef(child_plan.child.pk, plan.family.pk, plan.user.pk)
        for plan in builder.plans[1:]
        for child_plan in plan.children
    }
    enrollments = (
        Enrollment.objects.filter(town=town, school_year=builder.school_years["previous"])
        .exclude(child__family=dupont.family)
        .values_list("child_id", "activity_id", "weekly_pattern")
        .order_by("pk")
    )
    for child_id, activity_id, pattern in enrollments:
        generator.enrollment(who=refs[child_id], open_days=open_days[activity_id], pattern=pattern)
    writer.flush()


def _drafts(builder: "DemoBuilder", dupont: FamilyPlan, first: datetime.date, last: datetime.date) -> list[Draft]:
    """Each family's billable days, month by month."""
    plan_of_child = {child_plan.child.pk: plan for plan in builder.plans[1:] for child_plan in plan.children}
    billable = (
        Booking.objects.filter(town=builder.town, date__range=(first, last), state__in=BILLABLE_STATES)
        .exclude(child__family=dupont.family)
        .values_list("pk", "child_id", "activity_id", "date", "state")
        .order_by("date", "pk")
    )
    drafts: dict[tuple[int, datetime.date], Draft] = {}
    for pk, child_id, activity_id, day, state in billable:
        plan = plan_of_child[child_id]
        month = day.replace(day=1)
        draft = drafts.setdefault((plan.family.pk, month), Draft(plan, month))
        draft.days[(child_id, activity_id, state == BookingState.PRESENT_UNBOOKED)].append(pk)
    return sorted(drafts.values(), key=lambda draft: (draft.month, draft.plan.index))


def _reserve_invoice_numbers(town_id: int, year: int, count: int) -> list[str]:
    """`count` numbers of the town's invoice counter for `year`, in order (the counter row locked meanwhile)."""
    with transaction.atomic():
        return reserve_invoice_numbers(town_id, year, count)


def _reserve_payment_numbers(builder: "DemoBuilder", year: int, count: int) -> list[str]:
    with transaction.atomic():
        numbers = take_numbers(NumberCounter, count, town=builder.town, kind=CounterKind.PAYMENT, year=year)
    return [f"{PAYMENT_PREFIX}{year}-{number:06d}" for number in numbers]


def _numbers_by_year(days: list[datetime.date], reserve: Callable[[int, int], list[str]]) -> list[str]:
    """A number for each of `days` (sorted), from each year's counter."""
    per_year = Counter(day.year for day in days)
    pools = {year: iter(reserve(year, count)) for year, count in sorted(per_year.items())}
    return [next(pools[day.year]) for day in days]


def _invoice(builder: "DemoBuilder", drafts: list[Draft]) -> list[tuple[FamilyPlan, Invoice]]:
    town = builder.town
    prices = {activity.code: activity.price for activity in spec.ACTIVITIES}
    activities = {activity.pk: activity for activity in builder.activities.values()}
    children = {child_plan.child.pk: child_plan.child for plan in builder.plans for child_plan in plan.children}
    issue_days = [
        ledger.next_working_day(ledger.month_end(draft.month) + datetime.timedelta(days=ISSUE_DAY)) for draft in drafts
    ]
    numbers = _numbers_by_year(issue_days, lambda year, count: _reserve_invoice_numbers(town.pk, year, count))
    invoices, lines, billed = [], [], []
    for draft, issued_on, number in zip(drafts, issue_days, numbers, strict=True):
        plan, guardian = draft.plan, draft.plan.guardians[0]
        invoice_lines = []
        for (child_id, activity_id, penalty), booking_ids in sorted(draft.days.items()):
            activity, child = activities[activity_id], children[child_id]
            price = prices[activity.code]
            family = plan.family
            unit = spec.unit_price(
                price, quotient_familial=family.quotient_familial, resident=family.resident, has_pai=child.has_pai
            )
            if penalty and price.penalty is not None:
                unit = price.penalty
            line = InvoiceLine(
                town=town,
                child=child,
                activity=activity,
                label=activity.label + (" — présence sans réservation" if penalty else ""),
                quantity=len(booking_ids),
                unit_price=unit,
                amount=round_money(unit * len(booking_ids)),
            )
            invoice_lines.append(line)
            billed.append((line, booking_ids))
        invoice = Invoice(
            town=town,
            family=plan.family,
            number=number,
            issued_on=issued_on,
            due_on=issued_on + datetime.timedelta(days=PAYMENT_DAYS),
            period_start=draft.month,
            period_end=ledger.month_end(draft.month),
            total=sum((line.amount for line in invoice_lines), Decimal("0.00")),
            payer_name=f"{guardian.last_name} {guardian.first_name}",
            payer_address=f"{guardian.address}\n{guardian.postcode} {guardian.city}",
            regie_name=spec.REGIE_NAME,
            created_at=datetime.datetime.combine(issued_on, datetime.time(9), tzinfo=PARIS),
        )
        invoices.append((plan, invoice, invoice_lines))
    insert([invoice for _, invoice, _ in invoices], builder.counts)
    for _, invoice, invoice_lines in invoices:
        for line in invoice_lines:
            line.invoice = invoice
            lines.append(line)
    insert(lines, builder.counts)
    rows = row_writer(builder.counts)
    for line, ids in billed:
        for pk in ids:
            rows.add(BilledBooking, town_id=town.pk, booking_id=pk, invoice_line_id=line.pk)
    rows.flush()
    return [(plan, invoice) for plan, invoice, _ in invoices]


def _pay(builder: "DemoBuilder", invoices: list[tuple[FamilyPlan, Invoice]], rng: random.Random) -> None:
    """Payments of the history's invoices; the unpaid families' last ones stay (partly) unpaid."""
    today = builder.today
    last_of_family: dict[int, list[Invoice]] = defaultdict(list)
    for plan, invoice in invoices:
        last_of_family[plan.family.pk].append(invoice)
    planned: list[tuple[datetime.date, FamilyPlan, Invoice, Decimal]] = []
    for plan, invoice in invoices:
        owed = last_of_family[plan.family.pk]
        rank_from_end = len(owed) - owed.index(invoice)  # 1: the family's last invoice
        amount = invoice.total
        if _leaves_unpaid(plan):
            if rank_from_end <= UNPAID_LAST:
                continue
            if rank_from_end == UNPAID_LAST + 1:
                amount = round_money(invoice.total / 2)
        if amount <= 0:
            continue
        delay = rng.randint(35, 80) if rng.random() < LATE_SHARE else rng.randint(2, 20)
        paid_on = ledger.next_working_day(invoice.issued_on + datetime.timedelta(days=delay))
        received_on = min(paid_on, today - datetime.timedelta(days=1))
        planned.append((received_on, plan, invoice, amount))
    planned.sort(key=lambda row: (row[0], row[1].index))
    numbers = _numbers_by_year(
        [row[0] for row in planned], lambda year, count: _reserve_payment_numbers(builder, year, count)
    )
    payments = [
        Payment(
            town=builder.town,
            family=plan.family,
            number=number,
            method=METHODS[plan.index % len(METHODS)],
            received_on=received_on,
            amount=amount,
            created_at=datetime.datetime.combine(received_on, datetime.time(10), tzinfo=PARIS),
        )
        for (received_on, plan, _, amount), number in zip(planned, numbers, strict=True)
    ]
    insert(payments, builder.counts)
    insert(
        [
            PaymentAllocation(town=builder.town, payment=payment, invoice=invoice, amount=payment.amount)
            for payment, (_, _, invoice, _) in zip(payments, planned, strict=True)
        ],
        builder.counts,
    )


def _leaves_unpaid(plan: FamilyPlan) -> bool:
    return plan.index % UNPAID_EVERY == UNPAID_FROM and plan.family.number not in MANDATED_FAMILIES
